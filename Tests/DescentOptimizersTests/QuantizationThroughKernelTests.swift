import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// 8-bit block-wise state of the catalogue-II optimizers, whose 8-bit step runs their own 32-bit
/// kernel on dequantized blocks (`FusedKernel.bind8bitThroughKernel`).
@Suite("Quantized state through the 32-bit kernel")
struct QuantizationThroughKernelTests {
  /// Every optimizer whose 8-bit step goes through its 32-bit kernel, with settings that reach
  /// each branch of its rule (decay, decoupling).
  static let cases: [(String, [String: String])] = [
    ("nadam", ["learningRate": "0.01"]),
    ("nadam", ["learningRate": "0.01", "weightDecay": "0.1", "decoupledWeightDecay": "true"]),
    ("radam", ["learningRate": "0.01", "weightDecay": "0.01"]),
    ("adamax", ["learningRate": "0.01", "weightDecay": "0.01"]),
    ("adabelief", ["learningRate": "0.01"]),
    ("yogi", ["learningRate": "0.01"]),
    ("lion", ["learningRate": "1e-3"]),
    ("adan", ["learningRate": "0.01", "weightDecay": "0.01"]),
  ]

  static func make(_ name: String, _ settings: [String: String], bits: Int) throws
    -> any GradientTransformation
  {
    try OptimizerCatalogue.make(
      name, settings: settings.merging(["stateBits": "\(bits)"]) { a, _ in a })
  }

  static func floats(_ x: Tensor) -> [Float] { x.scalars(as: Float.self) }

  @Test("the first 8-bit step equals the 32-bit step bit for bit", arguments: cases)
  func firstStepIsExact(_ name: String, _ settings: [String: String]) throws {
    let full = try QuantizedOptimizerTests.run(Self.make(name, settings, bits: 32), steps: 1)
    let eight = try QuantizedOptimizerTests.run(Self.make(name, settings, bits: 8), steps: 1)
    #expect(full["big"]!.bytes == eight["big"]!.bytes, "\(name) \(settings)")
    #expect(full["small"]!.bytes == eight["small"]!.bytes, "\(name) \(settings)")
  }

  @Test("the big parameter's state is 8-bit, the small one's 32-bit", arguments: cases)
  func stateIsQuantized(_ name: String, _ settings: [String: String]) throws {
    let p = QuantizedOptimizerTests.parameters()
    let full = Optimizer(erasing: try Self.make(name, settings, bits: 32), for: p)
    let eight = Optimizer(erasing: try Self.make(name, settings, bits: 8), for: p)
    // big: 8000 values in 32 blocks of 256; small: 10 values at 4 bytes.
    let buffers = full.stateBytes / (4 * 8010)
    #expect(full.stateBytes % (4 * 8010) <= 16, "\(name): \(full.stateBytes) bytes")
    #expect(eight.stateBytes - full.stateBytes % (4 * 8010) == buffers * (8000 + 4 * 32 + 40))
  }

  @Test("over 50 steps 8-bit tracks 32-bit", arguments: cases)
  func tracksFullPrecision(_ name: String, _ settings: [String: String]) throws {
    var p = QuantizedOptimizerTests.parameters()
    let fullOptimizer = Optimizer(erasing: try Self.make(name, settings, bits: 32), for: p)
    var q = p
    let eightOptimizer = Optimizer(erasing: try Self.make(name, settings, bits: 8), for: q)
    for s in 0..<50 {
      try fullOptimizer.step(&p, gradients: QuantizedOptimizerTests.gradients(s))
      try eightOptimizer.step(&q, gradients: QuantizedOptimizerTests.gradients(s))
    }
    let start = Self.floats(QuantizedOptimizerTests.parameters()["big"]!)
    let (gap, moved) = gapAndDistanceMoved(
      Self.floats(p["big"]!), Self.floats(q["big"]!), start: start)
    #expect(gap / moved < 0.05, "\(name) \(settings): gap \(gap / moved) of the distance moved")
    #expect(gap > 0, "\(name): 8-bit state should round")
    #expect(p["small"]!.bytes == q["small"]!.bytes)
  }

  @Test("update() gives apply()'s step; results do not depend on the thread count")
  func updateModeAndThreads() throws {
    let storage = try StateStorage.eightBit(minQuantizedSize: 0)
    try checkUpdateModeAndThreads(NAdam(learningRate: 1e-2, stateStorage: storage))
    try checkUpdateModeAndThreads(
      RAdam(learningRate: 1e-2, weightDecay: 0.1, decoupledWeightDecay: true, stateStorage: storage)
    )
    try checkUpdateModeAndThreads(Adamax(learningRate: 1e-2, stateStorage: storage))
    try checkUpdateModeAndThreads(AdaBelief(learningRate: 1e-2, stateStorage: storage))
    try checkUpdateModeAndThreads(Yogi(learningRate: 1e-2, stateStorage: storage))
    try checkUpdateModeAndThreads(Lion(learningRate: 1e-3, stateStorage: storage))
    try checkUpdateModeAndThreads(Adan(learningRate: 1e-2, stateStorage: storage))
  }

  @Test("8-bit state checkpoints: save, restore, continue identically", arguments: cases)
  func checkpointRoundTrip(_ name: String, _ settings: [String: String]) throws {
    var p = QuantizedOptimizerTests.parameters()
    let optimizer = try Self.make(name, settings, bits: 8)
    let driver = Optimizer(erasing: optimizer, for: p)
    for s in 0..<3 { try driver.step(&p, gradients: QuantizedOptimizerTests.gradients(s)) }
    let archive = TensorArchive()
    let structure = try driver.stateDictionary(archive: archive)
    #expect(archive.tensors.contains { $0.tensor.dtype == .uint8 })
    var resumedParameters = p
    let resumed = Optimizer(erasing: optimizer, for: p)
    try resumed.loadStateDictionary(structure, archive: TensorArchive(archive.tensors))
    try driver.step(&p, gradients: QuantizedOptimizerTests.gradients(3))
    try resumed.step(&resumedParameters, gradients: QuantizedOptimizerTests.gradients(3))
    #expect(p == resumedParameters, "\(name)")
  }
}
