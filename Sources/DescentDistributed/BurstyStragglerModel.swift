/// The (B, W, λ)-bursty straggler model of sequential gradient coding (Krishnan, Ebrahimi and
/// Khisti, "Sequential Gradient Coding for Straggler Mitigation", ICLR 2023, arXiv:2211.13802).
///
/// A straggler pattern (rows = rounds, columns = workers, true = straggled) conforms when, for
/// every round r:
///
/// 1. spatial: at most λ distinct workers straggle in the window of W rounds r − W + 1, …, r;
/// 2. temporal: a worker straggling in round r did not straggle in rounds r − W + 1, …, r − B,
///    so in any window of W rounds a worker's straggling rounds lie in one burst of at most B
///    consecutive rounds.
///
/// This is the check of the authors' simulators (`follows_straggler_model` in
/// `selective_repeat_sgc.py` and `multiplexed_sgc.py`), windows clipped at round 0. The master
/// applies it round by round against the stragglers it actually skipped: a round that would
/// break the model is waited out, and so counts as a round without stragglers.
public struct BurstyStragglerModel: Sendable, Equatable {
  /// B: the longest burst.
  public let burst: Int
  /// W: the window length.
  public let window: Int
  /// λ: the most distinct stragglers in a window.
  public let stragglers: Int

  /// Throws unless 1 ≤ B < W and λ ≥ 0.
  public init(burst: Int, window: Int, stragglers: Int) throws {
    guard burst >= 1 else {
      throw GradientCodingError.invalidParameter(name: "burst B", value: burst, allowed: "B ≥ 1")
    }
    guard window > burst else {
      throw GradientCodingError.invalidParameter(
        name: "window W", value: window, allowed: "W ≥ B + 1 = \(burst + 1)")
    }
    guard stragglers >= 0 else {
      throw GradientCodingError.invalidParameter(
        name: "stragglers λ", value: stragglers, allowed: "λ ≥ 0")
    }
    self.burst = burst
    self.window = window
    self.stragglers = stragglers
  }

  /// Whether round `history.count` may have the stragglers `current`, given the earlier rounds'
  /// applied stragglers `history` (each row as long as `current`).
  public func admits(_ current: [Bool], after history: [[Bool]]) -> Bool {
    let r = history.count
    let start = max(0, r + 1 - window)
    var distinct = 0
    for worker in current.indices {
      var before = false
      for round in start..<r where history[round][worker] {
        before = true
        break
      }
      if before || current[worker] { distinct += 1 }
      if current[worker] {
        // Temporal: no straggle in rounds r − W + 1 … r − B.
        let end = max(start, r + 1 - burst)
        for round in start..<end where history[round][worker] { return false }
      }
    }
    return distinct <= stragglers
  }

  /// The first round at which `pattern` breaks the model, or nil when it conforms. Throws when
  /// rows differ in length.
  public func firstViolation(_ pattern: [[Bool]]) throws -> Int? {
    guard let width = pattern.first?.count else { return nil }
    for (r, row) in pattern.enumerated() {
      guard row.count == width else {
        throw GradientCodingError.shapeMismatch(
          what: "straggler pattern row \(r)", expected: "\(width) workers", got: "\(row.count)")
      }
      if !admits(row, after: Array(pattern[0..<r])) { return r }
    }
    return nil
  }

  /// Whether every round of `pattern` conforms.
  public func conforms(_ pattern: [[Bool]]) throws -> Bool { try firstViolation(pattern) == nil }
}

extension BurstyStragglerModel {
  /// A random conforming pattern that pushes the model to its limit: each round visits the
  /// workers in a random order and makes each one a straggler with probability
  /// `attemptProbability` whenever the model still admits it. With probability 1 every round is
  /// maximal (no further worker could straggle), the worst case the schemes must decode through.
  public func greedyPattern(
    workers: Int, rounds: Int, attemptProbability: Double = 0.5,
    using generator: inout some RandomNumberGenerator
  ) -> [[Bool]] {
    var pattern: [[Bool]] = []
    for _ in 0..<rounds {
      var row = [Bool](repeating: false, count: workers)
      for w in (0..<workers).shuffled(using: &generator)
      where Double.random(in: 0..<1, using: &generator) < attemptProbability {
        row[w] = true
        if !admits(row, after: pattern) { row[w] = false }
      }
      pattern.append(row)
    }
    return pattern
  }
}
