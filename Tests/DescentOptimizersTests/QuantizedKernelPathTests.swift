import Descent
import Testing

@testable import DescentOptimizers

/// The 8-bit steps have two implementations, a portable C loop and an AVX-512 path for full
/// blocks (QuantizedKernelsAVX512.c); both must give the same bits.
@Suite("8-bit kernel paths")
struct QuantizedKernelPathTests {
  /// A parameter of 8000 values (31 full blocks of 256 and a partial one) and one of 4096 values,
  /// so both paths and the partial block run; gradients with zeros and sign changes.
  static func parameters() -> ParameterTree {
    ParameterTree([
      ("a", QuantizedOptimizerTests.tensor([80, 100], seed: 11)),
      ("b", QuantizedOptimizerTests.tensor([4096], seed: 12, scale: 3)),
    ])
  }

  static func gradients(_ step: Int) -> ParameterTree {
    func gradient(_ shape: [Int], seed: UInt64) -> Tensor {
      var values = QuantizedOptimizerTests.tensor(shape, seed: seed, scale: 0.05)
        .scalars(as: Float.self)
      for i in stride(from: step, to: values.count, by: 97) { values[i] = 0 }
      for i in stride(from: 5, to: values.count, by: 389) { values[i] *= 1e-6 }
      return Tensor(scalars: values, shape: shape)
    }
    return ParameterTree([
      ("a", gradient([80, 100], seed: 300 + UInt64(step))),
      ("b", gradient([4096], seed: 400 + UInt64(step))),
    ])
  }

  /// Parameters and the optimizer's state tensors (8-bit codes and block scales included) after
  /// six steps.
  static func run(_ name: String, _ settings: [String: String], vectorized: Bool) throws
    -> (ParameterTree, [Tensor])
  {
    QuantizedTensor.setVectorizedStepsEnabled(vectorized)
    defer { QuantizedTensor.setVectorizedStepsEnabled(true) }
    var eightBit = settings
    eightBit["stateBits"] = "8"
    var p = parameters()
    let optimizer = Optimizer(
      erasing: try OptimizerCatalogue.make(name, settings: eightBit), for: p)
    for s in 0..<6 { try optimizer.step(&p, gradients: gradients(s)) }
    let archive = TensorArchive()
    _ = try optimizer.stateDictionary(archive: archive)
    return (p, archive.tensors.map(\.tensor))
  }

  @Test(
    "the AVX-512 and portable 8-bit steps agree bit for bit",
    arguments: [
      ("adam", [:]),
      ("adam", ["weightDecay": "0.1", "maximize": "true"]),
      ("adamw", ["weightDecay": "0.05"]),
      ("sgd", ["learningRate": "0.01", "momentum": "0.9", "weightDecay": "0.01"]),
      ("sgd", ["learningRate": "0.01", "momentum": "0.9", "nesterov": "true", "maximize": "true"]),
      ("adagrad", ["learningRate": "0.01", "initialAccumulatorValue": "0.1"]),
      ("rmsprop", ["learningRate": "0.001", "weightDecay": "0.01"]),
      ("diffgrad", ["weightDecay": "0.01"]),
      ("adadelta", ["maximize": "true"]),
    ] as [(String, [String: String])])
  func pathsAgree(_ name: String, _ settings: [String: String]) throws {
    let (vectorP, vectorState) = try Self.run(name, settings, vectorized: true)
    let (portableP, portableState) = try Self.run(name, settings, vectorized: false)
    #expect(vectorState.contains { $0.dtype == .uint8 }, "\(name): no 8-bit state found")
    #expect(
      vectorState.map(\.bytes) == portableState.map(\.bytes),
      "\(name) \(settings): 8-bit state differs")
    for path in vectorP.paths {
      #expect(
        vectorP[path]!.scalars(as: Float.self).map(\.bitPattern)
          == portableP[path]!.scalars(as: Float.self).map(\.bitPattern),
        "\(name) \(settings): parameter \(path) differs")
    }
  }
}
