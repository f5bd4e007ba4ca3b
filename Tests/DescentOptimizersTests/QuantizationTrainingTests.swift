import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// End to end: 8-bit Adam reaches 32-bit Adam's loss (within 2%) with about a quarter of the
/// state, on a softmax regression with 5010 parameters and on a one-hidden-layer MLP
/// (the paper-digest experiment, Dettmers et al. 2022, reproduced at laptop scale).
@Suite("Quantization end to end")
struct QuantizationTrainingTests {
  /// Inputs x ~ N(0, 1) of `features` columns and labels argmax(x·W* + noise) of a random teacher.
  static func classification(samples: Int, features: Int, classes: Int, seed: UInt64)
    -> (x: Tensor, oneHot: Tensor)
  {
    var rng = SeededSamples(seed: seed)
    let x = (0..<(samples * features)).map { _ in rng.normal() }
    let teacher = (0..<(features * classes)).map { _ in rng.normal() / Double(features).squareRoot()
    }
    var oneHot = [Double](repeating: 0, count: samples * classes)
    for s in 0..<samples {
      var best = 0
      var bestValue = -Double.infinity
      for c in 0..<classes {
        var z = 0.5 * rng.normal()
        for f in 0..<features { z += x[s * features + f] * teacher[f * classes + c] }
        if z > bestValue { (best, bestValue) = (c, z) }
      }
      oneHot[s * classes + best] = 1
    }
    return (Tensor(x, shape: [samples, features]), Tensor(oneHot, shape: [samples, classes]))
  }

  static func crossEntropy(_ logits: Tensor, _ oneHot: Tensor) -> Tensor {
    -(logits.logSoftmax(axis: 1) * oneHot).sum(axis: 1).mean()
  }

  /// Trains with minibatches in a fixed order; returns the full-data loss and the state bytes.
  static func train(
    _ optimizer: some GradientTransformation, parameters: ParameterTree, x: Tensor, oneHot: Tensor,
    batch: Int, steps: Int, model: @escaping (ParameterTree, Tensor) -> Tensor
  ) throws -> (loss: Double, stateBytes: Int) {
    var p = parameters
    let driver = Optimizer(optimizer, for: p)
    let n = x.shape[0]
    for step in 0..<steps {
      let start = (step * batch) % (n - batch + 1)
      let xb = x.slice(axis: 0, start: start, end: start + batch)
      let yb = oneHot.slice(axis: 0, start: start, end: start + batch)
      let (_, g) = valueAndGrad(of: { crossEntropy(model($0, xb), yb) }, at: p)
      try driver.step(&p, gradients: g)
    }
    let loss = withoutGradients { crossEntropy(model(p, x), oneHot) }.doubles[0]
    return (loss, driver.stateBytes)
  }

  static func compare(
    parameters: ParameterTree, x: Tensor, oneHot: Tensor, batch: Int, steps: Int,
    learningRate: Double, storage: StateStorage = try! .eightBit(),
    model: @escaping (ParameterTree, Tensor) -> Tensor
  ) throws -> (l32: Double, l8: Double, bytes32: Int, bytes8: Int) {
    let (l32, b32) = try train(
      Adam(learningRate: Hyperparameter(learningRate)), parameters: parameters, x: x,
      oneHot: oneHot, batch: batch, steps: steps, model: model)
    let (l8, b8) = try train(
      Adam(learningRate: Hyperparameter(learningRate), stateStorage: storage),
      parameters: parameters, x: x, oneHot: oneHot, batch: batch, steps: steps, model: model)
    return (l32, l8, b32, b8)
  }

  @Test("softmax regression, 500×10 + 10 parameters: loss within 2%, state ≤ 27%")
  func softmaxRegression() throws {
    let (x, oneHot) = Self.classification(samples: 4000, features: 500, classes: 10, seed: 42)
    let parameters = ParameterTree([
      ("weight", Tensor.zeros([500, 10])), ("bias", Tensor.zeros([10])),
    ])
    let r = try Self.compare(
      parameters: parameters, x: x, oneHot: oneHot, batch: 128, steps: 1500, learningRate: 1e-3
    ) { p, x in x.matmul(p["weight"]!) + p["bias"]! }
    print(
      "softmax regression: loss 32-bit \(r.l32), 8-bit \(r.l8); state \(r.bytes32) B vs \(r.bytes8) B"
    )
    #expect(r.l32 < 0.6 * log(10.0), "32-bit Adam should learn: \(r.l32)")
    #expect(abs(r.l8 - r.l32) / r.l32 < 0.02)
    #expect(Double(r.bytes8) <= 0.27 * Double(r.bytes32))
  }

  /// The output layer (640 weights) is quantized too (minQuantizedSize 512): with the default
  /// 4096 its 32-bit state alone would put the total at 29% of 32-bit Adam's.
  @Test("MLP 64-128-64-10 (tanh): loss within 2%, state ≤ 27%")
  func mlp() throws {
    let (x, oneHot) = Self.classification(samples: 2000, features: 64, classes: 10, seed: 7)
    var rng = SeededSamples(seed: 8)
    func initial(_ shape: [Int], fanIn: Int) -> Tensor {
      let n = shape.reduce(1, *)
      return Tensor((0..<n).map { _ in rng.normal() / Double(fanIn).squareRoot() }, shape: shape)
    }
    let parameters = ParameterTree([
      ("0.weight", initial([64, 128], fanIn: 64)), ("0.bias", Tensor.zeros([128])),
      ("1.weight", initial([128, 64], fanIn: 128)), ("1.bias", Tensor.zeros([64])),
      ("2.weight", initial([64, 10], fanIn: 64)), ("2.bias", Tensor.zeros([10])),
    ])
    let r = try Self.compare(
      parameters: parameters, x: x, oneHot: oneHot, batch: 64, steps: 600, learningRate: 1e-3,
      storage: .eightBit(minQuantizedSize: 512)
    ) { p, x in
      let h1 = (x.matmul(p["0.weight"]!) + p["0.bias"]!).tanh()
      let h2 = (h1.matmul(p["1.weight"]!) + p["1.bias"]!).tanh()
      return h2.matmul(p["2.weight"]!) + p["2.bias"]!
    }
    print("MLP: loss 32-bit \(r.l32), 8-bit \(r.l8); state \(r.bytes32) B vs \(r.bytes8) B")
    #expect(r.l32 < 0.5 * log(10.0), "32-bit Adam should learn: \(r.l32)")
    #expect(abs(r.l8 - r.l32) / r.l32 < 0.02)
    #expect(Double(r.bytes8) <= 0.27 * Double(r.bytes32))
  }
}
