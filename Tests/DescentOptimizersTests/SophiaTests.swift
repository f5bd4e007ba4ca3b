import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// SophiaG against the official update (golden file from scripts/golden/make_sophia_golden.py:
/// the official sophia.py's equations in torch float64, fixed gradients and fixed sampled-label
/// gradients), SophiaH against pytorch_optimizer 4.1.0's SophiaH with injected probes (same
/// script, Golden/sophiah.json), SophiaH's Hutchinson estimate, the C kernels of the curvature
/// optimizers against their Swift loops, and the label sampler.
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

  struct HGolden: Decodable {
    struct Case: Decodable {
      let problem: String
      let settings: Settings
      let paths: [String]
      let shapes: [[Int]]
      let initial: [[Double]]
      /// Per estimate step ("1", "11", …): per sample, per parameter, the probe u.
      let probes: [String: [[[Double]]]]
      let losses: [Double]
      let trajectory: [[[Double]]]
      let hessian: [[[Double]]]
    }
    struct Settings: Decodable {
      let learningRate, beta1, beta2, weightDecay, clip, epsilon: Double
      let decoupledWeightDecay, fixedDecay, maximize: Bool
      let hessianUpdateInterval, samples: Int
      let probeDistribution: String
    }
    let reference: String
    let steps: Int
    let cases: [Case]
  }

  static func sines(_ n: Int, _ scale: Double, _ phase: Double) -> [Double] {
    (0..<n).map { scale * sin(1.7 * Double($0) + phase) }
  }

  /// The golden script's losses, in Descent ops.
  static func hLoss(_ name: String) -> @Sendable (ParameterTree) -> Tensor {
    if name == "rosenbrock" {
      let e0 = Tensor([1, 0], dtype: .float64)
      let e1 = Tensor([0, 1], dtype: .float64)
      return { p in
        let x0 = (p["x"]! * e0).sum()
        let x1 = (p["x"]! * e1).sum()
        let a = 1.0 - x0
        let b = x1 - x0 * x0
        return a * a + b * b * 100
      }
    }
    let x = Tensor(sines(24, 1.0, 0.3), shape: [8, 3], dtype: .float64)
    let y = Tensor(sines(16, 0.8, 1.1), shape: [8, 2], dtype: .float64)
    let a = Tensor(
      [0.5, 2.0, 1.0, 4.0, 0.25, 3.0, 1.5, 0.75], shape: [2, 1, 2, 2], dtype: .float64)
    return { p in
      let h = (x.matmul(p["W1"]!.T) + p["b1"]!).tanh()
      let r = h.matmul(p["W2"]!.T) + p["b2"]! - y
      let k2 = p["K"]! * p["K"]!
      return (r * r).mean() + (a * k2 + k2 * k2 * 0.1).sum()
    }
  }

  /// 40 float64 steps × 4 settings (pytorch_optimizer's defaults; coupled decay with two
  /// Rademacher probes and an estimate every step; Rosenbrock with k = 3; fixed decay, maximize,
  /// β₁ < ½) against pytorch_optimizer's SophiaH fed the same probes: parameters and h to 1e-9.
  @Test func sophiaHMatchesPytorchOptimizerStepForStep() throws {
    let url = try #require(
      Bundle.module.url(forResource: "sophiah", withExtension: "json", subdirectory: "Golden"))
    let golden = try JSONDecoder().decode(HGolden.self, from: Data(contentsOf: url))
    #expect(golden.reference.hasPrefix("pytorch_optimizer.SophiaH 4.1.0"))
    #expect(golden.steps == 40 && golden.cases.count == 4)
    var sawClipped = false
    var sawUnclipped = false
    for c in golden.cases {
      let s = c.settings
      var sophia = try SophiaH(
        learningRate: Hyperparameter(s.learningRate), beta1: s.beta1, beta2: s.beta2,
        weightDecay: s.weightDecay, decoupledWeightDecay: s.decoupledWeightDecay,
        fixedDecay: s.fixedDecay, clip: s.clip, hessianUpdateInterval: s.hessianUpdateInterval,
        samples: s.samples,
        probeDistribution: try #require(SophiaH.ProbeDistribution(rawValue: s.probeDistribution)),
        epsilon: s.epsilon, maximize: s.maximize)
      let (paths, shapes, probes) = (c.paths, c.shapes, c.probes)
      sophia.probeProvider = { step, sample, _ in
        let u = probes["\(step)"]![sample]
        return ParameterTree(
          paths.indices.map { (paths[$0], Tensor(u[$0], shape: shapes[$0], dtype: .float64)) })
      }
      var parameters = ParameterTree(
        paths.indices.map {
          (paths[$0], Tensor(c.initial[$0], shape: shapes[$0], dtype: .float64))
        })
      let loss = Self.hLoss(c.problem)
      let optimizer = Optimizer(sophia, for: parameters)
      var worst = 0.0
      for step in 0..<golden.steps {
        let (value, gradients) = valueAndGrad(of: loss, at: parameters)
        let f = value.scalars(as: Double.self)[0]
        #expect(abs(f - c.losses[step]) <= 1e-9 * abs(c.losses[step]) + 1e-12)
        try optimizer.step(&parameters, gradients: gradients, lossFunction: loss)
        let state = try #require(optimizer.state(as: SophiaH.State.self))
        if state.winRate < 1 { sawClipped = true }
        if state.winRate > 0 { sawUnclipped = true }
        for i in paths.indices {
          let pairs =
            zip(parameters[index: i].doubles, c.trajectory[step][i]).map { ($0, $1) }
            + zip(state.hessian[index: i].doubles, c.hessian[step][i]).map { ($0, $1) }
          for (got, expected) in pairs {
            worst = max(worst, abs(got - expected) / max(abs(expected), 1e-3))
          }
        }
      }
      #expect(worst <= 1e-9, "\(c.problem) \(s): worst relative error \(worst)")
      let estimates = (golden.steps + s.hessianUpdateInterval - 1) / s.hessianUpdateInterval
      #expect(optimizer.state(as: SophiaH.State.self)?.hessianUpdates == estimates)
      #expect(probes.count == estimates)
    }
    #expect(sawClipped && sawUnclipped)
  }

  /// pytorch_optimizer 4.1.0's SophiaH defaults, and the catalogue's.
  @Test func sophiaHDefaultsAreTheReferences() throws {
    let d = try SophiaH()
    #expect(d.learningRate.value(atStep: 0) == 6e-2 && d.beta1 == 0.96 && d.beta2 == 0.99)
    #expect(d.weightDecay == 0 && d.decoupledWeightDecay && !d.fixedDecay && d.clip == 1e-2)
    #expect(d.hessianUpdateInterval == 10 && d.samples == 1 && d.probeDistribution == .gaussian)
    #expect(d.epsilon == 1e-12 && !d.maximize)
    let c = try #require(
      try OptimizerCatalogue.make(
        "sophiah",
        settings: ["samples": "2", "rademacher": "true", "decoupledWeightDecay": "false"])
        as? SophiaH)
    #expect(c.samples == 2 && c.probeDistribution == .rademacher && !c.decoupledWeightDecay)
    #expect(throws: OptimizerError.self) { try SophiaH(samples: 0) }
  }

  /// Float buffers alive for a test.
  final class Floats {
    let count: Int
    let pointers: [UnsafeMutablePointer<Float>]
    init(_ arrays: [[Float]]) {
      count = arrays[0].count
      pointers = arrays.map { values in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        return p
      }
    }
    deinit { pointers.forEach { $0.deallocate() } }
    func bits(_ k: Int) -> [UInt32] { (0..<count).map { pointers[k][$0].bitPattern } }
  }

  /// The C kernels of CurvatureOptimizerKernels.c (SophiaH with and without an estimate,
  /// AdaHessian with and without decay) give the Swift general loops' bits and unclipped counts:
  /// six steps on 3,001 elements, the in-place run split in two chunks.
  @Test(arguments: [
    "sophiah", "sophiah estimate", "sophiah decay", "adahessian", "adahessian decay",
  ])
  func curvatureCKernelsMatchTheSwiftLoopsBitForBit(_ name: String) throws {
    let n = 3001
    var seed: UInt64 = 21
    func floats(_ scale: Double, positive: Bool = false) -> [Float] {
      (0..<n).map { _ in
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let u = Double(seed >> 11) / Double(1 << 53) * 2 - 1
        return Float(positive ? (abs(u) + 0.01) * scale : u * scale)
      }
    }
    let isSophia = name.hasPrefix("sophiah")
    let start = floats(1)
    // SophiaH: m, h (some below ε = 1e-3), ĥ; AdaHessian: m, v, D.
    let states =
      isSophia
      ? [floats(0.01), floats(0.02), floats(0.05)]
      : [floats(0.01), floats(0.001, positive: true), floats(0.5, positive: true)]
    let inPlace = Floats([start] + states)
    let general = Floats([start, start] + states)
    for t in 1...6 {
      let g = Floats([floats(0.1)])
      let tallies = (Tally(), Tally())
      func kernel(_ tally: Tally) -> any FusedKernel {
        if isSophia {
          return SophiaHKernel(
            beta1: 0.96, beta2: 0.99, negativeLearningRate: -0.06,
            decay: name.hasSuffix("decay") ? 1 - 0.06 * 0.1 : 1, coupledWeightDecay: 0,
            epsilon: 1e-3, clip: 0.5, maximize: false, hasEstimate: name.hasSuffix("estimate"),
            tally: tally)
        }
        return AdaHessian.Kernel(
          beta1: 0.9, beta2: 0.999, biasCorrection1: 1 - pow(0.9, Double(t)),
          biasCorrection2Root: (1 - pow(0.999, Double(t))).squareRoot(), epsilon: 1e-4,
          learningRate: 0.15, weightDecay: name.hasSuffix("decay") ? 0.01 : 0, hessianPower: 1)
      }
      let fast = FusedBuffers(
        parameter: UnsafePointer(inPlace.pointers[0]), gradient: UnsafePointer(g.pointers[0]),
        output: inPlace.pointers[0], storesDifference: false,
        state: Array(inPlace.pointers.dropFirst()))
      #expect(fast.inPlaceFloat32(0..<n) != nil)
      kernel(tallies.0).run(fast, 0..<1000)
      kernel(tallies.0).run(fast, 1000..<n)
      let slow = FusedBuffers(
        parameter: UnsafePointer(general.pointers[0]), gradient: UnsafePointer(g.pointers[0]),
        output: general.pointers[1], storesDifference: false,
        state: Array(general.pointers.dropFirst(2)))
      kernel(tallies.1).run(slow, 0..<n)
      general.pointers[0].update(from: general.pointers[1], count: n)
      withExtendedLifetime(g) {}
      #expect(tallies.0.value == tallies.1.value, "\(name) step \(t): unclipped counts differ")
      if isSophia && t == 1 { #expect(tallies.0.value > 0 && tallies.0.value < n) }
    }
    #expect(inPlace.bits(0) == general.bits(0), "\(name): parameters differ")
    #expect(inPlace.bits(0) != start.map(\.bitPattern), "\(name): nothing moved")
    for s in 0..<3 {
      #expect(inPlace.bits(1 + s) == general.bits(2 + s), "\(name): state \(s) differs")
    }
  }

  /// A float32 model through the public driver: `apply` (the C path) and `update` (the Swift
  /// loop, then θ + update) agree to rounding, and 1 and 2 threads give the same bits.
  @Test(arguments: ["sophiah", "adahessian"])
  func float32StepsAgreeAcrossPathsAndThreads(_ name: String) throws {
    let w = Tensor((0..<140_003).map { sin(Double($0) * 0.37) }, shape: [140_003], dtype: .float32)
    let start = ParameterTree([("w", w)])
    let loss: @Sendable (ParameterTree) -> Tensor = { p in
      let x = p["w"]!
      return (x * x * x * x).sum() * 0.25 + (x * x).sum()
    }
    func make() throws -> any GradientTransformation {
      name == "sophiah" ? try SophiaH(hessianUpdateInterval: 2) : try AdaHessian()
    }
    func run(threads: Int) throws -> ParameterTree {
      try withThreads(threads) {
        var p = start
        let optimizer = Optimizer(erasing: try make(), for: p, seed: 3)
        for _ in 0..<3 {
          try optimizer.step(&p, gradients: grad(of: loss, at: p), lossFunction: loss)
        }
        return p
      }
    }
    let one = try run(threads: 1)
    #expect(one == (try run(threads: 2)))
    #expect(one != start)
    // The update path (Swift loop) gives the same values to float32 rounding.
    let t = try make()
    func viaUpdate<T: GradientTransformation>(_ t: T) throws -> ParameterTree {
      var p = start
      var s = t.initialState(for: p)
      for step in 1...3 {
        var u = grad(of: loss, at: p)
        let context = UpdateContext(
          step: step, parameters: p, lossFunction: loss,
          randomSeed: Optimizer.mix(3, UInt64(step)))
        try t.update(&u, state: &s, context: context)
        p = p.zipMap(u) { $0 + $1 }
      }
      return p
    }
    let p = try viaUpdate(t)
    let a = one["w"]!.scalars(as: Float.self)
    let b = p["w"]!.scalars(as: Float.self)
    let worst = zip(a, b).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-5, "\(name): apply and update differ by \(worst)")
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
