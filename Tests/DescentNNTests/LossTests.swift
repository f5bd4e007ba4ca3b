import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// Losses against PyTorch 2.13.0 `torch.nn.functional` (Golden/layers.json, "losses"), and their
/// first and second derivatives against finite differences.
@Suite struct LossTests {
  struct Losses: Decodable {
    var inputs: [String: GoldenTensor]
    var results: [String: GoldenTensor]
  }

  struct File: Decodable { var losses: Losses }

  static let golden: Losses = try! Golden.load("layers", as: File.self).losses

  static func input(_ name: String) -> Tensor { golden.inputs[name]!.tensor }

  static func reduction(_ name: String) -> Reduction {
    switch name {
    case "sum": .sum
    case "none": .none
    default: .mean
    }
  }

  /// Descent's value for a golden result name `<loss>-<reduction>`.
  static func compute(_ name: String) -> Tensor {
    let parts = name.split(separator: "-").map(String.init)
    let r = reduction(parts.last!)
    let (logits, labels) = (input("logits"), input("labels"))
    let (predictions, targets) = (input("predictions"), input("targets"))
    switch parts.dropLast().joined(separator: "-") {
    case "cross_entropy": return crossEntropy(logits: logits, labels: labels, reduction: r)
    case "cross_entropy-smoothing":
      return crossEntropy(logits: logits, labels: labels, labelSmoothing: 0.15, reduction: r)
    case "cross_entropy-ignore":
      return crossEntropy(
        logits: logits, labels: input("labels_ignore"), ignoreIndex: -100, reduction: r)
    case "cross_entropy-ignore-smoothing":
      return crossEntropy(
        logits: logits, labels: input("labels_ignore"), labelSmoothing: 0.15, ignoreIndex: -100,
        reduction: r)
    case "cross_entropy-sequence":
      return crossEntropy(logits: input("seq_logits"), labels: input("seq_labels"), reduction: r)
    case "nll":
      return nllLoss(logProbabilities: logits.logSoftmax(axis: -1), labels: labels, reduction: r)
    case "mse": return mseLoss(predictions, targets, reduction: r)
    case "l1": return l1Loss(predictions, targets, reduction: r)
    case "huber": return huberLoss(predictions, targets, delta: 0.7, reduction: r)
    case "bce_with_logits":
      return binaryCrossEntropyWithLogits(
        logits: input("bce_logits"), targets: input("bce_targets"), reduction: r)
    case "bce_with_logits-pos_weight":
      return binaryCrossEntropyWithLogits(
        logits: input("bce_logits"), targets: input("bce_targets"),
        positiveWeight: input("pos_weight"), reduction: r)
    default: preconditionFailure("unknown loss \(name)")
    }
  }

  @Test(arguments: golden.results.keys.sorted())
  func matchesPyTorch(_ name: String) {
    let expected = Self.golden.results[name]!.tensor
    #expect(
      mismatch(Self.compute(name), expected, relativeTolerance: 1e-12, absoluteTolerance: 1e-12)
        == nil,
      "\(name)")
  }

  @Test func crossEntropyIsStableForHugeLogits() {
    let logits = Tensor([[1000, 0, -1000], [-1e4, 1e4, 0]], dtype: .float32)
    let loss = crossEntropy(logits: logits, labels: Tensor(indices: [0, 0]), reduction: .none)
    #expect(mismatch(loss, Tensor([0, 2e4], dtype: .float32), relativeTolerance: 1e-6) == nil)
    let bce = binaryCrossEntropyWithLogits(
      logits: Tensor([500, -500], dtype: .float32), targets: Tensor([0, 0], dtype: .float32),
      reduction: .none)
    #expect(mismatch(bce, Tensor([500, 0], dtype: .float32), relativeTolerance: 1e-6) == nil)
  }

  static let labels = Tensor(indices: [2, 0, 1, 2])

  @Test func crossEntropyGradients() {
    let logits = testTensor([4, 3], seed: 1, range: -2...2)
    for smoothing in [0.0, 0.2] {
      let f: ([Tensor]) -> Tensor = {
        crossEntropy(logits: $0[0], labels: Self.labels, labelSmoothing: smoothing)
      }
      #expect(gradientCheckFailure([logits], f) == nil)
      #expect(secondOrderCheckFailure([logits], f) == nil)
    }
    let ignoring: ([Tensor]) -> Tensor = {
      crossEntropy(
        logits: $0[0], labels: Tensor(indices: [2, -1, 1, 2]), labelSmoothing: 0.1, ignoreIndex: -1)
    }
    #expect(gradientCheckFailure([logits], ignoring) == nil)
    #expect(secondOrderCheckFailure([logits], ignoring) == nil)
    let sum: ([Tensor]) -> Tensor = {
      crossEntropy(logits: $0[0], labels: Self.labels, reduction: .sum)
    }
    #expect(gradientCheckFailure([logits], sum) == nil)
  }

  @Test func nllGradient() {
    let logP = testTensor([4, 3], seed: 2, range: -3 ... -0.1)
    #expect(
      gradientCheckFailure([logP]) { nllLoss(logProbabilities: $0[0], labels: Self.labels) } == nil)
  }

  @Test func regressionLossGradients() {
    let predictions = testTensor([3, 4], seed: 3, range: -2...2)
    // Targets offset so that no difference sits at a kink (0 for L1, ±δ for Huber).
    let targets =
      predictions
      + Tensor(
        [0.3, -0.9, 0.45, -0.2, 1.3, -0.6, 0.1, 0.8, -1.1, 0.25, -0.35, 0.7], shape: [3, 4],
        dtype: .float64)
    let inputs = [predictions, targets]
    #expect(gradientCheckFailure(inputs) { mseLoss($0[0], $0[1]) } == nil)
    #expect(secondOrderCheckFailure(inputs) { mseLoss($0[0], $0[1]) } == nil)
    #expect(gradientCheckFailure(inputs) { l1Loss($0[0], $0[1], reduction: .sum) } == nil)
    #expect(gradientCheckFailure(inputs) { huberLoss($0[0], $0[1], delta: 0.5) } == nil)
    #expect(secondOrderCheckFailure(inputs) { huberLoss($0[0], $0[1], delta: 0.5) } == nil)
  }

  @Test func binaryCrossEntropyGradients() {
    let logits = testTensor([3, 4], seed: 4, range: -3...3)
    let targets = testTensor([3, 4], seed: 5, range: 0...1)
    let weight = testTensor([4], seed: 6, range: 0.5...2)
    #expect(
      gradientCheckFailure([logits, targets]) {
        binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1])
      } == nil)
    #expect(
      secondOrderCheckFailure([logits, targets]) {
        binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1])
      } == nil)
    #expect(
      gradientCheckFailure([logits, weight]) {
        binaryCrossEntropyWithLogits(logits: $0[0], targets: targets, positiveWeight: $0[1])
      } == nil)
  }
}
