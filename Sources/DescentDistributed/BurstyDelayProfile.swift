import Descent
import Foundation

/// A synthetic delay profile with bursty stragglers, the stand-in for the measured AWS Lambda
/// profiles of arXiv:2211.13802: per worker and round a lognormal base time, and a per-worker
/// Markov chain of slow bursts.
///
///     base  = exp(baseSigma · z),                     z ~ N(0, 1)
///     burst: not slow → slow with probability onsetProbability;
///            slow for ℓ < maxBurstLength rounds → still slow with continuationProbability;
///            after maxBurstLength slow rounds → not slow
///     delay = base · (slow ? slowdown · exp(slowdownSigma · z′) : 1)
///
/// Delays are in units of one worker's compute time at the profile's load: every scheme judged on
/// the same profile sees the same delays (as in the authors' runtime comparison, where the
/// profile measured at gradient coding's load serves every scheme with load at most that).
public struct BurstyDelayProfile: Sendable {
  /// delays[round][worker].
  public let delays: [[Double]]
  /// slow[round][worker]: the burst chain's state.
  public let slow: [[Bool]]

  /// Draws the profile from `seed`. Throws for non-positive sizes or probabilities outside
  /// [0, 1].
  public init(
    workers: Int, rounds: Int, seed: UInt64, baseSigma: Double = 0.03,
    onsetProbability: Double = 0.05, continuationProbability: Double = 0.5,
    maxBurstLength: Int = 2, slowdown: Double = 2, slowdownSigma: Double = 0.3
  ) throws {
    guard workers >= 1 else {
      throw GradientCodingError.invalidParameter(name: "workers", value: workers, allowed: "n ≥ 1")
    }
    guard rounds >= 1 else {
      throw GradientCodingError.invalidParameter(name: "rounds", value: rounds, allowed: "≥ 1")
    }
    guard maxBurstLength >= 1 else {
      throw GradientCodingError.invalidParameter(
        name: "maxBurstLength", value: maxBurstLength, allowed: "≥ 1")
    }
    for (name, p) in [
      ("onsetProbability", onsetProbability), ("continuationProbability", continuationProbability),
    ]
    where !(0...1).contains(p) {
      throw GradientCodingError.invalidValue(
        name: name, value: p, allowed: "a probability in [0, 1]")
    }
    for (name, value) in [("baseSigma", baseSigma), ("slowdownSigma", slowdownSigma)]
    where !(value >= 0 && value.isFinite) {
      throw GradientCodingError.invalidValue(
        name: name, value: value, allowed: "a finite value ≥ 0")
    }
    guard slowdown >= 1, slowdown.isFinite else {
      throw GradientCodingError.invalidValue(
        name: "slowdown", value: slowdown, allowed: "a finite value ≥ 1")
    }
    var generator = RandomGenerator(seed: seed)
    let z = Tensor.normal([rounds * workers * 2], dtype: .float64, using: &generator).doubles
    var length = [Int](repeating: 0, count: workers)
    var delays: [[Double]] = []
    var slow: [[Bool]] = []
    for r in 0..<rounds {
      var row = [Double](repeating: 0, count: workers)
      var slowRow = [Bool](repeating: false, count: workers)
      for w in 0..<workers {
        let u = Double.random(in: 0..<1, using: &generator)
        if length[w] == 0 {
          length[w] = u < onsetProbability ? 1 : 0
        } else if length[w] < maxBurstLength {
          length[w] = u < continuationProbability ? length[w] + 1 : 0
        } else {
          length[w] = 0
        }
        let index = 2 * (r * workers + w)
        var d = exp(baseSigma * z[index])
        if length[w] > 0 {
          d *= slowdown * exp(slowdownSigma * z[index + 1])
          slowRow[w] = true
        }
        row[w] = d
      }
      delays.append(row)
      slow.append(slowRow)
    }
    self.delays = delays
    self.slow = slow
  }
}
