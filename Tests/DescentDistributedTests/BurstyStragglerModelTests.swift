import Descent
import Testing

@testable import DescentDistributed

/// The (B, W, λ)-bursty model's conformance check, on hand-made patterns.
@Suite struct BurstyStragglerModelTests {
  static func pattern(_ rows: [String]) -> [[Bool]] { rows.map { $0.map { $0 == "x" } } }

  @Test func spatialLimitCountsDistinctStragglersInTheWindow() throws {
    let model = try BurstyStragglerModel(burst: 2, window: 3, stragglers: 2)
    // Workers 0 and 1 in rounds 0-1: two distinct in every window.
    #expect(try model.conforms(Self.pattern(["xx..", "xx..", "....", "....", "..xx"])))
    #expect(try model.firstViolation(Self.pattern(["xx..", "xx..", "....", "..xx"])) == 3)
    // A third distinct straggler in round 2's window (rounds 0-2).
    #expect(try model.firstViolation(Self.pattern(["x...", ".x..", "..x."])) == 2)
    // Round 3's window is rounds 1-3: worker 0 (round 0) has left it.
    #expect(try model.conforms(Self.pattern(["x...", ".x..", "....", "..x."])))
  }

  @Test func temporalLimitKeepsEachBurstWithinBRounds() throws {
    let model = try BurstyStragglerModel(burst: 2, window: 4, stragglers: 4)
    #expect(try model.conforms(Self.pattern(["x...", "x...", "....", "....", "....", "x..."])))
    #expect(try model.firstViolation(Self.pattern(["x...", "x...", "....", "....", "x..."])) == 4)
    // A burst of 3 consecutive rounds.
    #expect(try model.firstViolation(Self.pattern(["x...", "x...", "x..."])) == 2)
    // Two bursts 3 rounds apart inside one window of 4 (rounds 0-3).
    #expect(try model.firstViolation(Self.pattern(["x...", "....", "....", "x..."])) == 3)
    // B = 1: no two straggling rounds of a worker in a window.
    let single = try BurstyStragglerModel(burst: 1, window: 3, stragglers: 4)
    #expect(try single.firstViolation(Self.pattern(["x...", "x..."])) == 1)
    #expect(try single.conforms(Self.pattern(["x...", "....", "....", "x..."])))
  }

  @Test func badParametersAndRaggedPatternsThrow() throws {
    #expect(throws: GradientCodingError.self) {
      try BurstyStragglerModel(burst: 0, window: 3, stragglers: 1)
    }
    #expect(throws: GradientCodingError.self) {
      try BurstyStragglerModel(burst: 3, window: 3, stragglers: 1)
    }
    #expect(throws: GradientCodingError.self) {
      try BurstyStragglerModel(burst: 1, window: 3, stragglers: -1)
    }
    let model = try BurstyStragglerModel(burst: 1, window: 2, stragglers: 1)
    #expect(throws: GradientCodingError.self) { try model.conforms([[true, false], [false]]) }
  }

  /// Greedy patterns conform and are not trivial.
  @Test func greedyPatternsConformAndStraggle() throws {
    let model = try BurstyStragglerModel(burst: 2, window: 3, stragglers: 3)
    var g = RandomGenerator(seed: 5)
    let pattern = model.greedyPattern(workers: 8, rounds: 40, attemptProbability: 1, using: &g)
    #expect(try model.conforms(pattern))
    let count = pattern.reduce(0) { $0 + $1.filter { $0 }.count }
    #expect(count >= 40)
  }

  /// The round runtime model: wait = min·(1 + μ), stragglers beyond it, max when waiting for all.
  @Test func runtimeModelWaitsMuBeyondTheFastest() throws {
    let runtime = try RoundRuntimeModel(tolerance: 0.2)
    let delays = [1.0, 1.1, 1.25, 3.0]
    #expect(abs(runtime.waitTime(delays) - 1.2) < 1e-15)
    #expect(runtime.stragglers(delays) == [false, false, true, true])
    #expect(runtime.duration(delays, skipStragglers: false) == 3)
    #expect(throws: GradientCodingError.self) { try RoundRuntimeModel(tolerance: -1) }
  }

  /// The delay profile: bursts of at most 2 rounds, onset near 5%, burst delays slower.
  @Test func delayProfileHasShortBurstsAtTheOnsetRate() throws {
    let profile = try BurstyDelayProfile(workers: 50, rounds: 400, seed: 3)
    var onsets = 0
    var idle = 0
    var slowSum = 0.0
    var slowCount = 0
    for w in 0..<50 {
      var run = 0
      for r in 0..<400 {
        if profile.slow[r][w] {
          run += 1
          #expect(run <= 2)
          slowSum += profile.delays[r][w]
          slowCount += 1
        } else {
          run = 0
        }
        if r > 0, !profile.slow[r - 1][w] {
          idle += 1
          if profile.slow[r][w] { onsets += 1 }
        }
      }
    }
    #expect(slowSum / Double(slowCount) > 1.8)  // slowdown 2 · E exp(0.3 z′) ≈ 2.09
    let rate = Double(onsets) / Double(idle)
    // 5% onset; ±4 binomial standard errors over ~18 000 idle rounds.
    #expect(abs(rate - 0.05) < 4 * (0.05 * 0.95 / Double(idle)).squareRoot())
    #expect(throws: GradientCodingError.self) {
      try BurstyDelayProfile(workers: 4, rounds: 4, seed: 1, onsetProbability: 2)
    }
  }
}
