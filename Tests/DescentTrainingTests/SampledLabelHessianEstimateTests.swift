import Descent
import DescentNN
import DescentOptimizers
import Foundation
import Testing

@testable import DescentTraining

/// SophiaG's Gauss–Newton–Bartlett estimate as ``Trainer`` makes it.
@Suite struct SampledLabelHessianEstimateTests {
  /// A linear softmax model: logits = x · W.
  static let x = Tensor(scalars: (0..<24).map { Float($0 % 7) * 0.35 - 1 }, shape: [6, 4])
  static func logits(_ p: ParameterTree) -> Tensor { x.matmul(p["w"]!) }
  static func parameters() -> ParameterTree {
    var p = ParameterTree()
    p.append("w", Tensor(scalars: (0..<12).map { Float($0 % 5) * 0.3 - 0.6 }, shape: [4, 3]))
    return p
  }

  @Test func theNextStepFoldsTheSquaredSampledLabelGradient() throws {
    let sophia = try SophiaG(
      learningRate: 0.01, beta2: 0.9, weightDecay: 0, hessianUpdateInterval: 2)
    let estimate = try #require(SampledLabelHessianEstimate(sophia, seed: 5))
    var parameters = Self.parameters()
    let optimizer = Optimizer(sophia, for: parameters)
    let zero = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
    // Not after step 1 (k = 2): the step folds nothing.
    try optimizer.step(&parameters, gradients: zero)
    estimate.update(completedSteps: 1, parameters: parameters, logits: Self.logits)
    try optimizer.step(&parameters, gradients: zero)
    #expect(optimizer.state(as: SophiaG.State.self)!.hessianUpdates == 0)
    // After step 2: h ← 0.9·0 + 0.1·ĝ², ĝ the gradient on labels sampled with the mixed seed.
    estimate.update(completedSteps: 2, parameters: parameters, logits: Self.logits)
    let labels = SophiaG.sampleLabels(
      logits: Self.logits(parameters), seed: SampledLabelHessianEstimate.mix(5, 2))
    let g = grad(
      of: { p in crossEntropy(logits: Self.logits(p), labels: labels) }, at: parameters)["w"]!
    try optimizer.step(&parameters, gradients: zero)
    let state = optimizer.state(as: SophiaG.State.self)!
    #expect(state.hessianUpdates == 1)
    let expected = g.scalars(as: Float.self).map { 0.1 * $0 * $0 }
    let h = state.hessian["w"]!.scalars(as: Float.self)
    #expect(h.contains { $0 > 0 })
    for (a, b) in zip(h, expected) { #expect(abs(a - b) <= 1e-7 * max(1, abs(b))) }
  }

  @Test func onlySophiaGGetsOne() throws {
    #expect(SampledLabelHessianEstimate(try Adam(), seed: 0) == nil)
    #expect(SampledLabelHessianEstimate(try SophiaH(), seed: 0) == nil)
    #expect(SampledLabelHessianEstimate(try SophiaG(), seed: 0) != nil)
  }

  static func configuration(data: URL, steps: Int) -> TrainingConfiguration {
    var c = LanguageModelTests.configuration(data: data, steps: steps)
    c.optimizer = "sophia"
    c.learningRate = 3e-3
    c.settings = ["rho": "0.05", "batchSize": "128", "hessianUpdateInterval": "4"]
    c.evalEvery = 5
    return c
  }

  @Test func theTrainerEstimatesEveryKStepsAndRecordsItsEvaluations() throws {
    let url = try LanguageModelTests.textFile()
    defer { try? FileManager.default.removeItem(at: url) }
    let trainer = try Trainer(configuration: Self.configuration(data: url, steps: 14))
    let summary = try trainer.run()
    let state = try #require(trainer.optimizerState(as: SophiaG.State.self))
    // Estimates after steps 4, 8 and 12, folded by steps 5, 9 and 13.
    #expect(state.hessianUpdates == 3)
    #expect(state.hessian.tensors.contains { $0.scalars(as: Float.self).contains { $0 > 0 } })
    #expect(state.winRate >= 0 && state.winRate <= 1)
    #expect(trainer.evaluationHistory.map(\.step) == [5, 10, 14])
    #expect(trainer.evaluationHistory.last!.loss == summary.evalLoss)
    #expect(trainer.optimizerState(as: Adam.State.self) == nil)
  }

  /// The estimate is recomputed from checkpointed state, so a run resumed right after an
  /// estimate step equals an uninterrupted one bit for bit.
  @Test func resumeAfterAnEstimateStepEqualsAnUninterruptedRun() throws {
    let url = try LanguageModelTests.textFile()
    let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-sophia-\(UUID().uuidString).safetensors")
    defer {
      try? FileManager.default.removeItem(at: url)
      try? FileManager.default.removeItem(at: checkpoint)
    }
    let straight = try Trainer(configuration: Self.configuration(data: url, steps: 10)).run()
    var c = Self.configuration(data: url, steps: 10)
    c.checkpointPath = checkpoint.path
    _ = try Trainer(configuration: c).run(stopAt: 4)
    let summary = try Trainer(resumingFrom: checkpoint).run()
    #expect(summary.finalParametersSHA256 == straight.finalParametersSHA256)
  }
}
