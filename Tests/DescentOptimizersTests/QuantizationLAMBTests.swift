import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// LAMB with 8-bit block-wise m and v (`stateBits=8`): dequantized, stepped and requantized per
/// parameter, because the trust ratio needs each tensor's whole update first.
@Suite("LAMB with 8-bit state")
struct QuantizationLAMBTests {
  typealias Shared = QuantizedOptimizerTests

  static let eightBit = try! StateStorage.eightBit()

  @Test("the first step equals 32-bit LAMB's bit for bit (the update uses unrounded m and v)")
  func firstStepIsExact() throws {
    for weightDecay in [0.0, 0.1] {
      let full = try LAMB(learningRate: 1e-2, weightDecay: weightDecay)
      let eight = try LAMB(learningRate: 1e-2, weightDecay: weightDecay, stateStorage: Self.eightBit)
      #expect(try Shared.run(full, steps: 1) == Shared.run(eight, steps: 1))
      #expect(eight.initialState(for: Shared.parameters()).quantized?.paths == ["big"])
    }
  }

  @Test("over 50 steps 8-bit LAMB tracks 32-bit in about a quarter of the state")
  func tracksFullPrecision() throws {
    let full = try OptimizerCatalogue.make("lamb", learningRate: 1e-2)
    let eight = try OptimizerCatalogue.make(
      "lamb", learningRate: 1e-2, settings: ["stateBits": "8"])
    var p = Shared.parameters()
    let fullOptimizer = Optimizer(erasing: full, for: p)
    var q = Shared.parameters()
    let eightOptimizer = Optimizer(erasing: eight, for: q)
    for s in 0..<50 {
      try fullOptimizer.step(&p, gradients: Shared.gradients(s))
      try eightOptimizer.step(&q, gradients: Shared.gradients(s))
    }
    let start = Shared.parameters()["big"]!.scalars(as: Float.self)
    let (gap, moved) = gapAndDistanceMoved(
      p["big"]!.scalars(as: Float.self), q["big"]!.scalars(as: Float.self), start: start)
    #expect(gap / moved < 0.05, "gap \(gap / moved) of the distance moved")
    #expect(gap > 0, "8-bit state should round somewhere")
    #expect(eightOptimizer.stateBytes < fullOptimizer.stateBytes / 3)
    // The small parameter keeps 32-bit state and its trajectory is exactly 32-bit LAMB's.
    #expect(p["small"]!.bytes == q["small"]!.bytes)
  }

  @Test("1 and 2 threads agree bit for bit; update() gives apply()'s step and state")
  func updateModeAndThreads() throws {
    let optimizer = try LAMB(learningRate: 1e-2, weightDecay: 0.01, stateStorage: Self.eightBit)
    let p = ParameterTree([("w", Shared.tensor([300_000], seed: 9))])
    let g = ParameterTree([("w", Shared.tensor([300_000], seed: 10, scale: 0.1))])
    func threaded(_ threads: Int) throws -> (ParameterTree, LAMB.State) {
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
    #expect(one == two && s1 == s2, "1 and 2 threads differ")
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
    #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) })
    #expect(s == s1, "update() and apply() leave different states")
  }

  @Test("8-bit state checkpoints: save, restore, continue identically")
  func checkpointRoundTrip() throws {
    let optimizer = try LAMB(learningRate: 1e-2, stateStorage: Self.eightBit)
    var uninterrupted = Shared.parameters()
    let straight = Optimizer(optimizer, for: uninterrupted)
    for s in 0..<10 { try straight.step(&uninterrupted, gradients: Shared.gradients(s)) }
    var resumed = Shared.parameters()
    let first = Optimizer(optimizer, for: resumed)
    for s in 0..<5 { try first.step(&resumed, gradients: Shared.gradients(s)) }
    let second = Optimizer(optimizer, for: resumed)
    try second.loadStateDictionary(try first.stateDictionary())
    for s in 5..<10 { try second.step(&resumed, gradients: Shared.gradients(s)) }
    #expect(resumed == uninterrupted)
    #expect(second.state(as: LAMB.State.self)?.quantized != nil)
  }
}
