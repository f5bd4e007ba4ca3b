/// Keeps one estimate from the iterates of a stochastic method as they come: the last iterate
/// (``LastIterateTracker``), the uniform average (``UniformAverageTracker``) or the suffix
/// average of a known horizon (``SuffixAverageTracker``, Rakhlin, Shamir and Sridharan, ICML
/// 2012). Liu and Zhou, "Revisiting the Last-Iterate Convergence of Stochastic Gradient Methods"
/// (ICLR 2024, arXiv:2312.08531), prove the last iterate as good as the averages up to log
/// factors; the trackers let an experiment compare the three on one run.
///
/// Feed every new iterate x₂, …, x_{T+1} to ``observe(_:)`` (the start x₁ too if it should count).
/// O(d) memory and O(d) per observation.
public protocol IterateTracker: Sendable {
  /// The number of iterates observed.
  var count: Int { get }
  /// The estimate so far; nil before the first observation (or, for the suffix average, before
  /// its window starts).
  var estimate: [Double]? { get }
  /// Observes the next iterate. Throws for a length different from the first observation's or
  /// a non-finite entry (and, for the suffix average, past its horizon).
  mutating func observe(_ x: [Double]) throws
}

/// The last iterate observed.
public struct LastIterateTracker: IterateTracker {
  public private(set) var count = 0
  public private(set) var estimate: [Double]?

  public init() {}

  public mutating func observe(_ x: [Double]) throws {
    if let estimate { try Check.dimension(x, estimate.count, "iterate", in: "LastIterateTracker") }
    try Check.finite(x, "iterate", in: "LastIterateTracker")
    estimate = x
    count += 1
  }
}
