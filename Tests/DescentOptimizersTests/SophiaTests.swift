import Descent
import DescentOptimizers
import Foundation
import Testing

/// SophiaG against the official update (golden file from scripts/golden/make_sophia_golden.py:
/// the official sophia.py's equations in torch float64, fixed gradients and fixed sampled-label
/// gradients), SophiaH's Hutchinson estimate, and the label sampler.
@Suite struct SophiaTests {
  struct GoldenCase: Decodable {
    var settings: [String: Double]
    var shapes: [String: [Int]]
    var initial: [String: [Double]]
    var gradients: [[String: [Double]]]
    var sampledLabelGradients: [String: [String: [Double]]]
    var parameters: [[String: [Double]]]
    var winRates: [Double]
  }
  struct GoldenFile: Decodable {
    var steps: Int
    var cases: [GoldenCase]
  }

  static let paths = ["layer.weight", "layer.bias"]

  static func tree(_ values: [String: [Double]], _ shapes: [String: [Int]]) -> ParameterTree {
    ParameterTree(paths.map { ($0, Tensor(values[$0]!, shape: shapes[$0]!, dtype: .float64)) })
  }

  @Test func sophiaGMatchesTheOfficialUpdateStepForStep() throws {
    let url = try #require(
      Bundle.module.url(forResource: "sophia", withExtension: "json", subdirectory: "Golden"))
    let golden = try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
    #expect(golden.steps == 50 && golden.cases.count == 3)
    var sawClipped = false
    var sawUnclipped = false
    for c in golden.cases {
      let s = c.settings
      let sophia = try SophiaG(
        learningRate: Hyperparameter(s["learningRate"]!), beta1: s["beta1"]!, beta2: s["beta2"]!,
        rho: s["rho"]!, weightDecay: s["weightDecay"]!, batchSize: s["batchSize"]!,
        hessianUpdateInterval: Int(s["hessianUpdateInterval"]!))
      var parameters = Self.tree(c.initial, c.shapes)
      let optimizer = Optimizer(sophia, for: parameters)
      var worst = 0.0
      for t in 1...golden.steps {
        try optimizer.step(&parameters, gradients: Self.tree(c.gradients[t - 1], c.shapes))
        for path in Self.paths {
          for (a, b) in zip(parameters[path]!.doubles, c.parameters[t - 1][path]!) {
            worst = max(worst, abs(a - b))
          }
        }
        let state = try #require(optimizer.state(as: SophiaG.State.self))
        #expect(abs(state.winRate - c.winRates[t - 1]) < 1e-12, "step \(t)")
        if state.winRate < 1 { sawClipped = true }
        if state.winRate > 0 { sawUnclipped = true }
        let due = sophia.shouldUpdateHessianEstimate(afterStep: optimizer.stepCount)
        #expect(due == (c.sampledLabelGradients["\(t)"] != nil))
        if due {
          sophia.updateHessianEstimate(
            gradientOnSampledLabels: Self.tree(c.sampledLabelGradients["\(t)"]!, c.shapes))
        }
      }
      #expect(worst < 1e-9, "largest deviation \(worst) with \(s)")
    }
    #expect(sawClipped && sawUnclipped)
  }

  /// SophiaH on f(w) = ½ Σ cᵢ wᵢ²: the first estimate is (1 − β₂)·u ⊙ (c ⊙ u) with the probe u
  /// (so h/((1−β₂)u²) recovers c exactly), and the update is the clipped ratio.
  @Test func sophiaHUsesTheHutchinsonEstimate() throws {
    let curvatures = Tensor([1.0, 4, 9, 16, 25], dtype: .float64)
    let loss: @Sendable (ParameterTree) throws -> Tensor = { p in
      (p["w"]! * p["w"]! * curvatures).sum() * 0.5
    }
    let start = [0.5, -0.2, 0.1, 0.3, -0.4]
    var parameters = ParameterTree([("w", Tensor(start, dtype: .float64))])
    let sophia = try SophiaH(learningRate: 0.1, beta2: 0.9, clip: 0.05)
    let optimizer = Optimizer(sophia, for: parameters, seed: 7)
    let gradient = ParameterTree([("w", Tensor(start, dtype: .float64) * curvatures)])
    try optimizer.step(&parameters, gradients: gradient, lossFunction: loss)
    let state = try #require(optimizer.state(as: SophiaH.State.self))
    #expect(state.hessianUpdates == 1)
    let h = state.hessian["w"]!.doubles
    let c = curvatures.doubles
    #expect(h.allSatisfy { $0 > 0 })
    let m = state.momentum["w"]!.doubles
    for k in 0..<5 {
      #expect(abs(m[k] - 0.04 * start[k] * c[k]) < 1e-15)
      let expected = start[k] - 0.1 * min(max(m[k] / h[k], -0.05), 0.05)
      #expect(abs(parameters["w"]!.doubles[k] - expected) < 1e-14)
    }
    // Without the loss closure an estimate step cannot run.
    let bare = Optimizer(try SophiaH(), for: parameters)
    #expect(throws: OptimizerError.self) { try bare.step(&parameters, gradients: gradient) }
    // Estimates are refreshed every hessianUpdateInterval steps only.
    for _ in 0..<10 {
      try optimizer.step(&parameters, gradients: gradient, lossFunction: loss)
    }
    #expect(optimizer.state(as: SophiaH.State.self)?.hessianUpdates == 2)
  }

  /// Over many rows the sampled labels follow softmax(logits); a dominant logit is always drawn.
  @Test func sampledLabelsFollowTheSoftmax() {
    let rows = 20000
    let logits = Tensor(
      (0..<rows).flatMap { _ in [0.0, log(2.0), log(7.0)] }, shape: [rows, 3], dtype: .float64)
    let labels = SophiaG.sampleLabels(logits: logits, seed: 3).scalars(as: Int32.self)
    #expect(labels.count == rows)
    let counts = (0..<3).map { c in Double(labels.filter { $0 == c }.count) / Double(rows) }
    let expected = [0.1, 0.2, 0.7]
    for c in 0..<3 { #expect(abs(counts[c] - expected[c]) < 0.015) }
    let sharp = Tensor([0, 100, 0, 100, 0, 0], shape: [2, 3], dtype: .float32)
    #expect(SophiaG.sampleLabels(logits: sharp, seed: 1).scalars(as: Int32.self) == [1, 0])
  }

  @Test func invalidHyperparametersThrow() {
    #expect(throws: OptimizerError.self) { try SophiaG(beta1: 1) }
    #expect(throws: OptimizerError.self) { try SophiaG(batchSize: 0) }
    #expect(throws: OptimizerError.self) { try SophiaG(hessianUpdateInterval: 0) }
    #expect(throws: OptimizerError.self) { try SophiaH(clip: -1) }
  }

  /// The catalogue builds the curvature optimizers from `--set` settings (kept out of `all`).
  @Test func catalogueResolvesTheCurvatureOptimizers() throws {
    let mfac = try #require(
      try OptimizerCatalogue.make("mfac", settings: ["numGradients": "8", "momentum": "0.9"])
        as? MFAC)
    #expect(mfac.numGradients == 8 && mfac.momentum == 0.9 && mfac.damping == 1e-5)
    let sophia = try #require(try OptimizerCatalogue.make("sophia") as? SophiaG)
    #expect(sophia.beta1 == 0.965 && sophia.rho == 0.04 && sophia.weightDecay == 0.1)
    #expect(sophia.hessianUpdateInterval == 10 && sophia.batchSize == 5120)
    let sophiah = try #require(
      try OptimizerCatalogue.make("sophiah", learningRate: 0.1) as? SophiaH)
    #expect(sophiah.learningRate.value(atStep: 0) == 0.1 && sophiah.clip == 0.01)
    #expect(throws: OptimizerError.self) {
      try OptimizerCatalogue.make("mfac", settings: ["numGradients": "2.5"])
    }
    #expect(!OptimizerCatalogue.names.contains("mfac"))
  }
}
