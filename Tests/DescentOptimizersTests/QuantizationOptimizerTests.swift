import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// 8-bit block-wise state as a storage option of Adam and AdamW.
@Suite("Quantized optimizer state")
struct QuantizedOptimizerTests {
  static func tensor(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
    var rng = SeededSamples(seed: seed)
    let n = shape.reduce(1, *)
    return Tensor((0..<n).map { _ in rng.normal() * scale }, shape: shape)
  }

  /// A tree with one large (quantized) and one small (32-bit) float32 parameter.
  static func parameters() -> ParameterTree {
    ParameterTree([("big", tensor([80, 100], seed: 1)), ("small", tensor([10], seed: 2))])
  }

  static func gradients(_ step: Int) -> ParameterTree {
    ParameterTree([
      ("big", tensor([80, 100], seed: 100 + UInt64(step), scale: 0.1)),
      ("small", tensor([10], seed: 200 + UInt64(step), scale: 0.1)),
    ])
  }

  static func run(_ t: some GradientTransformation, steps: Int) throws -> ParameterTree {
    var p = parameters()
    let optimizer = Optimizer(t, for: p)
    for s in 0..<steps { try optimizer.step(&p, gradients: gradients(s)) }
    return p
  }

  static let eightBit = try! StateStorage.eightBit()

  @Test("only float32 tensors of at least minQuantizedSize, not opted out, get 8-bit state")
  func whichParametersAreQuantized() throws {
    let p = ParameterTree([
      ("big", Self.tensor([80, 100], seed: 1)), ("small", Self.tensor([10], seed: 2)),
      ("embedding.weight", Self.tensor([5000], seed: 3)),
      ("double", Tensor.zeros([5000], dtype: .float64)),
    ])
    let storage = try StateStorage.eightBit(keepsFullPrecision: { $0.hasPrefix("embedding") })
    let state = try Adam(stateStorage: storage).initialState(for: p)
    #expect(state.quantized?.paths == ["big"])
    #expect(state.expAvg.paths == ["small", "embedding.weight", "double"])
    let maps = state.quantized?.entries[0].buffers.map(\.mapKind)
    #expect(maps == [QuantizationMapKind.dynamicSigned, .dynamicUnsigned])
    let lowered = try Adam(stateStorage: .eightBit(blockSize: 2048, minQuantizedSize: 10))
      .initialState(for: p)
    #expect(lowered.quantized?.paths == ["big", "small", "embedding.weight"])
    #expect(lowered.quantized?.entries[0].buffers[0].blockSize == 2048)
    #expect(try Adam().initialState(for: p).quantized == nil)
  }

  @Test("the first step equals 32-bit Adam's bit for bit (the update uses unrounded m and v)")
  func firstStepIsExact() throws {
    for (full, eight) in [
      (try Adam(), try Adam(stateStorage: Self.eightBit)),
      (try Adam(weightDecay: 0.1), try Adam(weightDecay: 0.1, stateStorage: Self.eightBit)),
      (try Adam(maximize: true), try Adam(maximize: true, stateStorage: Self.eightBit)),
    ] {
      #expect(try Self.run(full, steps: 1) == Self.run(eight, steps: 1))
    }
    let w = try Self.run(AdamW(weightDecay: 0.1), steps: 1)
    #expect(try w == Self.run(AdamW(weightDecay: 0.1, stateStorage: Self.eightBit), steps: 1))
  }

  @Test("over 50 steps 8-bit Adam and AdamW track 32-bit, and the 8-bit moments track 32-bit's")
  func tracksFullPrecision() throws {
    for (full, eight) in [
      (
        try Adam(learningRate: 1e-2) as any GradientTransformation,
        try Adam(learningRate: 1e-2, stateStorage: Self.eightBit) as any GradientTransformation
      ),
      (try AdamW(learningRate: 1e-2), try AdamW(learningRate: 1e-2, stateStorage: Self.eightBit)),
    ] {
      let a = try Self.run(full, steps: 50)["big"]!.scalars(as: Float.self)
      let b = try Self.run(eight, steps: 50)["big"]!.scalars(as: Float.self)
      let start = Self.parameters()["big"]!.scalars(as: Float.self)
      // Relative to how far the parameters moved (50 steps of ≤ 1e-2 each).
      let (gap, moved) = gapAndDistanceMoved(a, b, start: start)
      #expect(gap / moved < 0.05, "\(type(of: full)): gap \(gap / moved) of the distance moved")
      #expect(gap > 0, "8-bit state should round somewhere")
    }
    var p = Self.parameters()
    let fullOptimizer = Optimizer(try Adam(), for: p)
    var q = Self.parameters()
    let eightOptimizer = Optimizer(try Adam(stateStorage: Self.eightBit), for: q)
    for s in 0..<20 {
      try fullOptimizer.step(&p, gradients: Self.gradients(s))
      try eightOptimizer.step(&q, gradients: Self.gradients(s))
    }
    let full = try #require(fullOptimizer.state(as: Adam.State.self))
    let eight = try #require(eightOptimizer.state(as: Adam.State.self))
    let m32 = full.expAvg["big"]!.scalars(as: Float.self)
    let m8 = eight.quantized!.entries[0].buffers[0].dequantized().scalars(as: Float.self)
    let v32 = full.expAvgSq["big"]!.scalars(as: Float.self)
    let v8 = eight.quantized!.entries[0].buffers[1].dequantized().scalars(as: Float.self)
    let mScale = m32.map { abs($0) }.max()!
    let vScale = v32.max()!
    #expect(zip(m32, m8).allSatisfy { abs($0 - $1) < 0.05 * mScale })
    #expect(zip(v32, v8).allSatisfy { abs($0 - $1) < 0.05 * vScale })
    // The small parameter keeps 32-bit state and its trajectory is exactly 32-bit Adam's.
    #expect(p["small"]!.bytes == q["small"]!.bytes)
  }

  @Test("update() gives the same step as apply(); results do not depend on the thread count")
  func updateModeAndThreads() throws {
    try checkUpdateModeAndThreads(
      Adam(learningRate: 1e-2, stateStorage: .eightBit(minQuantizedSize: 0)))
  }

  @Test("8-bit state checkpoints: save, restore, continue identically")
  func checkpointRoundTrip() throws {
    let adam = try Adam(stateStorage: Self.eightBit)
    var p = Self.parameters()
    let optimizer = Optimizer(adam, for: p)
    for s in 0..<3 { try optimizer.step(&p, gradients: Self.gradients(s)) }
    let saved = try optimizer.stateDictionary()
    var resumedParameters = p
    let resumed = Optimizer(adam, for: p)
    try resumed.loadStateDictionary(saved)
    #expect(resumed.state(as: Adam.State.self) == optimizer.state(as: Adam.State.self))
    try optimizer.step(&p, gradients: Self.gradients(3))
    try resumed.step(&resumedParameters, gradients: Self.gradients(3))
    #expect(p == resumedParameters)

    // With a tensor archive (safetensors checkpoints): codes (uint8) and absmax go to the archive.
    let archive = TensorArchive()
    let structure = try optimizer.stateDictionary(archive: archive)
    #expect(archive.tensors.contains { $0.tensor.dtype == .uint8 })
    let fromArchive = Optimizer(adam, for: p)
    try fromArchive.loadStateDictionary(structure, archive: TensorArchive(archive.tensors))
    #expect(fromArchive.state(as: Adam.State.self) == optimizer.state(as: Adam.State.self))
  }

  @Test("catalogue: --set stateBits=8, adam8bit, adamw8bit, and errors")
  func catalogue() throws {
    let adam = try #require(
      try OptimizerCatalogue.make(
        "adam", settings: ["stateBits": "8", "blockSize": "2048", "minQuantizedSize": "100"])
        as? Adam)
    #expect(adam.stateStorage.bits == 8 && adam.stateStorage.blockSize == 2048)
    #expect(adam.stateStorage.minQuantizedSize == 100)
    let a8 = try #require(try OptimizerCatalogue.make("adam8bit") as? Adam)
    #expect(a8.stateStorage.bits == 8 && a8.stateStorage.blockSize == 256 && a8.weightDecay == 0)
    let w8 = try #require(try OptimizerCatalogue.make("adamw8bit") as? AdamW)
    #expect(w8.stateStorage.bits == 8 && w8.weightDecay == 0.01)
    let back = try #require(
      try OptimizerCatalogue.make("adam8bit", settings: ["stateBits": "32"]) as? Adam)
    #expect(back.stateStorage.bits == 32)
    #expect(try (OptimizerCatalogue.make("adam") as? Adam)?.stateStorage.bits == 32)
    for (settings, fragment) in [
      (["stateBits": "7"], "adam: stateBits = 7 is invalid: must be 8 or 32"),
      (["blockSize": "300"], "blockSize = 300 is invalid: must be a power of two from 16 to 4096"),
      (["minQuantizedSize": "1.5"], "minQuantizedSize = 1.5 is invalid: must be an integer ≥ 0"),
      (["stateBits": "8", "amsgrad": "true"], "amsgrad"),
    ] {
      do {
        _ = try OptimizerCatalogue.make("adam", settings: settings)
        Issue.record("expected an error for \(settings)")
      } catch let error as OptimizerError {
        #expect("\(error)".contains(fragment), "\(error)")
      }
    }
  }

  @Test("stateBytes: 8-bit Adam's state is about a quarter of 32-bit Adam's")
  func stateBytes() throws {
    let p = ParameterTree([("w", Tensor.zeros([500, 10])), ("b", Tensor.zeros([10]))])
    let full = try Adam()
    let eight = try Adam(stateStorage: Self.eightBit)
    let fullBytes = full.stateBytes(full.initialState(for: p))
    let eightBytes = eight.stateBytes(eight.initialState(for: p))
    #expect(fullBytes == 2 * 4 * 5010)
    // w: codes 2 × 5000 + absmax 2 × 4 × 20 blocks; b: 2 × 4 × 10 (below minQuantizedSize).
    #expect(eightBytes == 2 * 5000 + 2 * 4 * 20 + 2 * 4 * 10)
    #expect(Double(eightBytes) <= 0.27 * Double(fullBytes))
    #expect(Optimizer(eight, for: p).stateBytes == eightBytes)
    let sgd = try SGD(learningRate: 0.1, momentum: 0.9)
    var q = p
    let optimizer = Optimizer(sgd, for: q)
    try optimizer.step(&q, gradients: p)
    #expect(optimizer.stateBytes == 4 * 5010)
  }

  @Test(
    "SGD momentum, Adagrad and RMSprop with 8-bit state track 32-bit",
    arguments: [
      ("sgd", ["learningRate": "0.01", "momentum": "0.9", "weightDecay": "0.01"]),
      ("sgd", ["learningRate": "0.01", "momentum": "0.9", "nesterov": "true"]),
      ("adagrad", ["learningRate": "0.01", "initialAccumulatorValue": "0.1"]),
      ("rmsprop", ["learningRate": "0.001", "maximize": "true"]),
    ])
  func oneStateOptimizers(_ name: String, _ settings: [String: String]) throws {
    let full = try OptimizerCatalogue.make(name, settings: settings)
    var eightSettings = settings
    eightSettings["stateBits"] = "8"
    let eight = try OptimizerCatalogue.make(name, settings: eightSettings)
    var p = Self.parameters()
    let fullOptimizer = Optimizer(erasing: full, for: p)
    var q = Self.parameters()
    let eightOptimizer = Optimizer(erasing: eight, for: q)
    for s in 0..<50 {
      try fullOptimizer.step(&p, gradients: Self.gradients(s))
      try eightOptimizer.step(&q, gradients: Self.gradients(s))
    }
    let a = p["big"]!.scalars(as: Float.self)
    let b = q["big"]!.scalars(as: Float.self)
    let start = Self.parameters()["big"]!.scalars(as: Float.self)
    let (gap, moved) = gapAndDistanceMoved(a, b, start: start)
    #expect(gap / moved < 0.05, "\(name) \(settings): gap \(gap / moved) of the distance moved")
    #expect(gap > 0)
    // About 1 byte per value instead of 4 for the quantized tensor's state.
    #expect(eightOptimizer.stateBytes < fullOptimizer.stateBytes / 3)
    #expect(p["small"]!.bytes == q["small"]!.bytes)
  }

  @Test("8-bit RMSprop refuses centered and momentum")
  func rmspropPlainOnly() throws {
    for extra in [["centered": "true"], ["momentum": "0.9"]] {
      do {
        _ = try OptimizerCatalogue.make(
          "rmsprop", settings: extra.merging(["stateBits": "8"]) { a, _ in a })
        Issue.record("expected an error for \(extra)")
      } catch let error as OptimizerError {
        #expect("\(error)".contains("plain RMSprop"))
      }
    }
  }
}

/// Three steps of `optimizer` (8-bit state) on one 300 000-value float32 parameter: `apply` on 1
/// and on 2 threads gives the same parameters and state bit for bit, and `update` (the step as a
/// difference, added back) gives `apply`'s parameters to rounding and the same state.
func checkUpdateModeAndThreads<O: FusedOptimizer>(_ optimizer: O) throws where O.State: Equatable {
  let p = ParameterTree([("w", QuantizedOptimizerTests.tensor([300_000], seed: 9))])
  let g = ParameterTree([("w", QuantizedOptimizerTests.tensor([300_000], seed: 10, scale: 0.1))])
  func threaded(_ threads: Int) throws -> (ParameterTree, O.State) {
    try withThreads(threads) {
      var q = p
      var s = optimizer.initialState(for: p)
      for step in 1...3 {
        try optimizer.apply(
          to: &q, gradients: g, state: &s,
          context: UpdateContext(step: step, parameters: ParameterTree()))
      }
      return (q, s)
    }
  }
  let (one, s1) = try threaded(1)
  let (two, s2) = try threaded(2)
  #expect(one == two && s1 == s2, "\(O.self): 1 and 2 threads differ")
  var viaUpdate = p
  var s = optimizer.initialState(for: p)
  for step in 1...3 {
    var updates = g
    try optimizer.update(
      &updates, state: &s, context: UpdateContext(step: step, parameters: viaUpdate))
    viaUpdate.addInPlace(updates)
  }
  let a = one["w"]!.scalars(as: Float.self)
  let b = viaUpdate["w"]!.scalars(as: Float.self)
  #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }, "\(O.self)")
  #expect(s == s1, "\(O.self): update() and apply() leave different states")
}

/// Σ|a − b| (how far an 8-bit trajectory ended from the 32-bit one `a`) and Σ|a − start| (how
/// far the 32-bit trajectory moved), for the "gap relative to the distance moved" checks.
func gapAndDistanceMoved(_ a: [Float], _ b: [Float], start: [Float]) -> (gap: Double, moved: Double)
{
  var moved = 0.0
  var gap = 0.0
  for i in a.indices {
    moved += Double(abs(a[i] - start[i]))
    gap += Double(abs(a[i] - b[i]))
  }
  return (gap, moved)
}
