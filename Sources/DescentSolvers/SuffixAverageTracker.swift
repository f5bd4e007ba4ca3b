/// The α-suffix average of a run of known length T: the mean of the last k = max(1, ⌈αT⌉)
/// observations, xₛ for T − k < s ≤ T (Rakhlin, Shamir and Sridharan, "Making gradient descent
/// optimal for strongly convex stochastic optimization", ICML 2012: O(1/T) for strongly convex
/// F, where the uniform average loses a log T). The last-iterate results of Liu and Zhou
/// (arXiv:2312.08531) match it up to log factors. See ``IterateTracker``.
///
/// ``estimate`` is nil until the window starts; observing more than T iterates throws.
public struct SuffixAverageTracker: IterateTracker {
  /// T.
  public let horizon: Int
  /// α in (0, 1].
  public let fraction: Double
  /// k = max(1, ⌈αT⌉), the window's length.
  public let window: Int
  public private(set) var count = 0
  private var average = UniformAverageTracker()
  private var length: Int?

  /// The α-suffix average over T = `horizon` observations. Throws for T < 1 or α outside (0, 1].
  public init(horizon: Int, fraction: Double = 0.5) throws {
    guard horizon >= 1 else {
      throw SolverError.invalidArgument(
        "SuffixAverageTracker: horizon = \(horizon) is invalid: must be an integer ≥ 1")
    }
    guard fraction.isFinite, fraction > 0, fraction <= 1 else {
      throw SolverError.invalidArgument(
        "SuffixAverageTracker: fraction = \(fraction) is invalid: must be in (0, 1]")
    }
    self.horizon = horizon
    self.fraction = fraction
    window = max(1, Int((fraction * Double(horizon)).rounded(.up)))
  }

  public var estimate: [Double]? { average.estimate }

  public mutating func observe(_ x: [Double]) throws {
    guard count < horizon else {
      throw SolverError.invalidArgument(
        "SuffixAverageTracker: observation \(count + 1) is past the horizon \(horizon): make a tracker with a longer horizon"
      )
    }
    if let length { try Check.dimension(x, length, "iterate", in: "SuffixAverageTracker") }
    try Check.finite(x, "iterate", in: "SuffixAverageTracker")
    length = x.count
    count += 1
    if count > horizon - window { try average.observe(x) }
  }
}
