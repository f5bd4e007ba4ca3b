import Descent

/// Streaming per-coordinate mean and variance of vectors (float64), one vector at a time, and
/// the exact merge of two such summaries — for per-example gradients that arrive in
/// micro-batches, or from several workers, without keeping them.
///
/// Welford's update (Welford, "Note on a method for calculating corrected sums of squares and
/// products", Technometrics 1962), for each new vector `x` (the `n`-th):
///
/// ```
/// δ ← x − mean;   mean ← mean + δ / n;   M2 ← M2 + δ ⊙ (x − mean)
/// ```
///
/// and the merge of two summaries `(n_a, mean_a, M2_a)`, `(n_b, mean_b, M2_b)` by the law of
/// total variance (Chan, Golub & LeVeque, "Updating formulae and a pairwise algorithm for
/// computing sample variances", 1979):
///
/// ```
/// n = n_a + n_b;   δ = mean_b − mean_a
/// mean = mean_a + δ · n_b / n;   M2 = M2_a + M2_b + δ² · n_a n_b / n
/// ```
///
/// The variance with correction `c` is `M2 / (n − c)` (`c = 1`: unbiased, `torch.var`'s default
/// `correction=1`). Merging summaries of any split of the vectors gives the summary of all of
/// them, up to rounding: unlike AdAdaGrad's `norm_test_accumulate` (which averages the
/// micro-batches' unbiased variances and adds the variance of their means, exact only in the
/// limit of many examples per micro-batch), nothing is approximated.
public struct WelfordStatistics: Sendable, Equatable {
  /// The number of vectors summarized.
  public private(set) var count: Int
  /// Their mean, per coordinate.
  public private(set) var mean: [Double]
  /// `M2 = Σᵢ (xᵢ − mean)²`, per coordinate.
  public private(set) var sumOfSquaredDeviations: [Double]

  /// An empty summary of vectors of `dimension` coordinates.
  public init(dimension: Int) {
    precondition(dimension >= 0, "WelfordStatistics: negative dimension \(dimension)")
    count = 0
    mean = Array(repeating: 0, count: dimension)
    sumOfSquaredDeviations = Array(repeating: 0, count: dimension)
  }

  /// The summary of the rows of a `[n, dimension]` matrix (any float dtype).
  public init(rows: Tensor) {
    precondition(rows.rank == 2, "WelfordStatistics: rows must be a matrix, got \(rows.shape)")
    self.init(dimension: rows.shape[1])
    add(rows: rows)
  }

  /// The number of coordinates.
  public var dimension: Int { mean.count }

  /// Adds one vector.
  public mutating func add(_ x: [Double]) {
    precondition(
      x.count == dimension, "WelfordStatistics: vector of \(x.count), expected \(dimension)")
    x.withUnsafeBufferPointer { add($0) }
  }

  /// Adds one vector, read from a buffer of `dimension` values.
  public mutating func add(_ x: UnsafeBufferPointer<Double>) {
    precondition(
      x.count == dimension, "WelfordStatistics: vector of \(x.count), expected \(dimension)")
    count += 1
    let n = Double(count)
    mean.withUnsafeMutableBufferPointer { mean in
      sumOfSquaredDeviations.withUnsafeMutableBufferPointer { m2 in
        for j in 0..<x.count {
          let delta = x[j] - mean[j]
          mean[j] += delta / n
          m2[j] += delta * (x[j] - mean[j])
        }
      }
    }
  }

  /// Adds each row of a `[n, dimension]` matrix, in order.
  public mutating func add(rows: Tensor) {
    precondition(
      rows.rank == 2 && rows.shape[1] == dimension,
      "WelfordStatistics: rows \(rows.shape), expected [n, \(dimension)]")
    let values = rows.doubles
    let width = dimension
    values.withUnsafeBufferPointer { all in
      for i in 0..<rows.shape[0] {
        add(UnsafeBufferPointer(rebasing: all[(i * width)..<((i + 1) * width)]))
      }
    }
  }

  /// Merges `other` into this summary (Chan et al.): afterwards it summarizes the vectors of
  /// both.
  public mutating func merge(_ other: WelfordStatistics) {
    precondition(
      other.dimension == dimension,
      "WelfordStatistics: merging dimension \(other.dimension) into \(dimension)")
    guard other.count > 0 else { return }
    guard count > 0 else {
      self = other
      return
    }
    let na = Double(count)
    let nb = Double(other.count)
    let n = na + nb
    for j in 0..<dimension {
      let delta = other.mean[j] - mean[j]
      mean[j] += delta * nb / n
      sumOfSquaredDeviations[j] += other.sumOfSquaredDeviations[j] + delta * delta * na * nb / n
    }
    count += other.count
  }

  /// This summary merged with `other`.
  public func merged(with other: WelfordStatistics) -> WelfordStatistics {
    var result = self
    result.merge(other)
    return result
  }

  /// The variance per coordinate, `M2 / (n − correction)`: `correction` 1 (the default) is the
  /// unbiased sample variance, 0 the population variance. NaN when `n ≤ correction`.
  public func variance(correction: Int = 1) -> [Double] {
    let denominator = Double(count - correction)
    guard count > correction else { return Array(repeating: .nan, count: dimension) }
    return sumOfSquaredDeviations.map { $0 / denominator }
  }

  /// `Σⱼ Var(xⱼ)`, the trace of the covariance (the ℓ₁ norm of the variance vector).
  public func varianceSum(correction: Int = 1) -> Double {
    guard count > correction else { return .nan }
    return sumOfSquaredDeviations.reduce(0, +) / Double(count - correction)
  }
}
