import Descent
import Testing

@testable import DescentDistributed

/// GC, SR-SGC and M-SGC: load formulas (hand-computed goldens), realized loads, and decoding to
/// the full gradient under every conforming pattern the tests throw at them.
@Suite struct SequentialSchedulerTests {
  @Test func loadFormulasMatchHandComputedValues() {
    // M-SGC: (λ+1)(W−1+B)/(n(B+(W−1)(λ+1))); λ = n: (W−1+B)/(n(W−1)).
    #expect(
      abs(MultiplexedSGC.normalizedLoad(workers: 4, burst: 2, window: 3, stragglers: 2) - 12.0 / 32)
        < 1e-15)
    #expect(
      abs(MultiplexedSGC.normalizedLoad(workers: 4, burst: 2, window: 3, stragglers: 4) - 4.0 / 8)
        < 1e-15)
    #expect(
      abs(
        MultiplexedSGC.normalizedLoad(workers: 10, burst: 1, window: 4, stragglers: 3) - 16.0 / 130)
        < 1e-15)
    #expect(
      abs(
        MultiplexedSGC.normalizedLoad(workers: 32, burst: 2, window: 3, stragglers: 16) - 68.0
          / 1152) < 1e-15)
    // SR-SGC: s = ⌈Bλ/(W−1+B)⌉, (s+1)/n.
    #expect(SelectiveRepeatSGC.codeStragglers(burst: 2, window: 3, stragglers: 2) == 1)
    #expect(SelectiveRepeatSGC.codeStragglers(burst: 1, window: 3, stragglers: 5) == 2)
    #expect(SelectiveRepeatSGC.codeStragglers(burst: 2, window: 5, stragglers: 7) == 3)
    #expect(
      abs(SelectiveRepeatSGC.normalizedLoad(workers: 20, burst: 1, window: 3, stragglers: 5) - 0.15)
        < 1e-15)
    #expect(abs(GradientCodingScheme.normalizedLoad(workers: 32, stragglers: 4) - 5.0 / 32) < 1e-15)
  }

  static func schemes(n: Int, jobs: Int) throws -> [any SequentialCodingScheme] {
    [
      try GradientCodingScheme(workers: n, stragglers: 2, jobs: jobs, seed: 1),
      try SelectiveRepeatSGC(workers: n, burst: 2, window: 3, stragglers: 3, jobs: jobs, seed: 2),
      try SelectiveRepeatSGC(workers: n, burst: 1, window: 3, stragglers: 3, jobs: jobs, seed: 2),
      try MultiplexedSGC(workers: n, burst: 2, window: 3, stragglers: 2, jobs: jobs, seed: 3),
      try MultiplexedSGC(workers: n, burst: 1, window: 4, stragglers: 3, jobs: jobs, seed: 4),
      try MultiplexedSGC(workers: n, burst: 2, window: 3, stragglers: n, jobs: jobs, seed: 5),
    ]
  }

  /// Steady-state rounds give every worker exactly the formula's share of a job's data.
  @Test func realizedLoadEqualsTheFormula() throws {
    for scheme in try Self.schemes(n: 6, jobs: 12) {
      let trace = try SequentialCodingSimulation.run(
        scheme,
        pattern: [[Bool]](repeating: [Bool](repeating: false, count: 6), count: scheme.rounds))
      let weights = scheme.partitionWeights
      #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
      for worker in 0..<6 {
        let load = trace.history.tasks[6][worker].reduce(0.0) {
          $0 + $1.partitions.reduce(0) { $0 + weights[$1] }
        }
        // λ = n: the B D₂ minitasks are kept free for redoing missed chunks, so a round without
        // stragglers uses only W − 1 of the W − 1 + B equal minitasks the formula counts.
        if let m = scheme as? MultiplexedSGC, m.model.stragglers == 6 {
          #expect(abs(load - scheme.normalizedLoad * 2 / 4) < 1e-12, "\(scheme.name): \(load)")
        } else {
          #expect(
            abs(load - scheme.normalizedLoad) < 1e-12, "\(scheme.name) worker \(worker): \(load)")
        }
      }
      #expect(trace.decodedJobs == 12)
    }
  }

  /// Random partition gradients per job; every job decodes to their sum under conforming
  /// patterns (GC: exactly s stragglers per round; SGC: greedy maximal (B, W, λ) patterns).
  @Test(arguments: [0, 1, 2, 3] as [UInt64])
  func everyJobDecodesUnderConformingPatterns(seed: UInt64) throws {
    let n = 6
    let jobs = 30
    var g = RandomGenerator(seed: 100 + seed)
    for scheme in try Self.schemes(n: n, jobs: jobs) {
      let pattern: [[Bool]]
      if let gc = scheme as? GradientCodingScheme {
        pattern = (0..<scheme.rounds).map { _ in
          let chosen = Set((0..<n).shuffled(using: &g).prefix(gc.code.stragglers))
          return (0..<n).map { chosen.contains($0) }
        }
      } else {
        let model = (scheme as? MultiplexedSGC)?.model ?? (scheme as! SelectiveRepeatSGC).model
        pattern = model.greedyPattern(
          workers: n, rounds: scheme.rounds, attemptProbability: 0.6, using: &g)
        #expect(try model.conforms(pattern))
      }
      let trace = try SequentialCodingSimulation.run(scheme, pattern: pattern)
      #expect(!trace.waitedForAll.contains(true), "\(scheme.name)")
      let partitions = scheme.partitionWeights.count
      for job in 0..<jobs {
        var r = RandomGenerator(seed: 1000 * seed + UInt64(job))
        let partials = (0..<partitions).map { _ in
          Tensor.normal([3], dtype: .float64, using: &r).doubles
        }
        let full = (0..<3).map { k in partials.reduce(0) { $0 + $1[k] } }
        let decoded = try trace.decode(job: job) { $0.message { partials[$0] } }
        let error = zip(decoded, full).map { abs($0 - $1) }.max()!
        #expect(
          error <= 1e-10 * max(1, full.map(abs).max()!), "\(scheme.name) job \(job): \(error)")
      }
    }
  }

  /// A pattern the scheme cannot skip is waited out; a scheme handed stragglers it cannot decode
  /// through (GC with s + 1 stragglers never admitted, so) still decodes every job.
  @Test func nonConformingRoundsAreWaitedOut() throws {
    let gc = try GradientCodingScheme(workers: 5, stragglers: 1, jobs: 4)
    let pattern = [
      [true, true, false, false, false], [true, false, false, false, false],
      [false, false, false, false, false], [true, true, true, false, false],
    ]
    let trace = try SequentialCodingSimulation.run(gc, pattern: pattern)
    #expect(trace.waitedForAll == [true, false, false, true])
    #expect(trace.decodedJobs == 4)
    let msgc = try MultiplexedSGC(workers: 4, burst: 2, window: 3, stragglers: 2, jobs: 3)
    #expect(msgc.decodingDelay == 3)
    // Worker 0 straggles in rounds 0 and 2 (B = 2 < 3 rounds apart within W = 3): waited out.
    let bursty =
      [[true, false, false, false], [false, false, false, false], [true, false, false, false]]
      + [[Bool]](repeating: [false, false, false, false], count: 3)
    let run = try SequentialCodingSimulation.run(msgc, pattern: bursty)
    #expect(run.waitedForAll == [false, false, true, false, false, false])
    #expect(run.decodedJobs == 3)
  }

  /// The conforming pattern on which the authors' SR-SGC resend rule loses job 1 (see
  /// ``SelectiveRepeatSGC``): here job 1 decodes.
  @Test func selectiveRepeatResendsForWorkersThatWereBusy() throws {
    let scheme = try SelectiveRepeatSGC(workers: 6, burst: 1, window: 3, stragglers: 3, jobs: 3)
    let pattern =
      [[true, true, false, false, false, false], [false, false, true, false, false, false]]
      + [[Bool]](repeating: [Bool](repeating: false, count: 6), count: 2)
    #expect(try scheme.model.conforms(pattern))
    let trace = try SequentialCodingSimulation.run(scheme, pattern: pattern)
    #expect(trace.waitedForAll == [false, false, false, false])
    #expect(trace.decodedJobs == 3)
  }

  @Test func badParametersThrow() {
    #expect(throws: GradientCodingError.self) {
      try SelectiveRepeatSGC(workers: 8, burst: 2, window: 4, stragglers: 2, jobs: 5)  // 2 ∤ 3
    }
    #expect(throws: GradientCodingError.self) {
      try MultiplexedSGC(workers: 8, burst: 2, window: 3, stragglers: 9, jobs: 5)
    }
    #expect(throws: GradientCodingError.self) {
      try GradientCodingScheme(workers: 8, stragglers: 1, jobs: 0)
    }
  }

  @Test func shortProfilesAreRejected() throws {
    let gc = try GradientCodingScheme(workers: 3, stragglers: 1, jobs: 5)
    #expect(throws: GradientCodingError.self) {
      try SequentialCodingSimulation.run(
        gc, delays: [[1, 1, 1]], runtime: RoundRuntimeModel(tolerance: 0.1))
    }
  }
}
