import Descent

/// The distribution of Hutchinson's probe vectors `z` (`E[z zᵀ] = I` for both).
public enum ProbeDistribution: String, Sendable, Codable, CaseIterable {
  /// Independent ±1 with probability ½ each: the smallest variance for the trace,
  /// `Var(zᵀAz) = 2 Σ_{i≠j} A_ij²` (Hutchinson 1990).
  case rademacher
  /// Independent standard normal: `Var(zᵀAz) = 2‖A‖_F²`.
  case gaussian

  /// Probe number `index` of a run keyed by `key`: drawn from `key.folded(in: index)`, so a run
  /// replays exactly and does not depend on how its samples are batched.
  public func probe(dimension: Int, dtype: DType, key: RandomKey, index: Int) -> Tensor {
    let probeKey = key.folded(in: UInt64(index))
    switch self {
    case .rademacher: return Tensor.rademacher([dimension], dtype: dtype, key: probeKey)
    case .gaussian: return Tensor.normal([dimension], dtype: dtype, key: probeKey)
    }
  }
}

/// An estimate of `tr(A)` from `sampleCount` probes.
public struct TraceEstimate: Sendable, Codable, Equatable {
  /// The sample mean of `zₛᵀ A zₛ`.
  public let estimate: Double
  /// The standard error of that mean, `s / √S` with `s` the sample standard deviation
  /// (0 for a single sample).
  public let standardError: Double
  public let sampleCount: Int
}

/// An estimate of `diag(A)` from `sampleCount` probes.
public struct DiagonalEstimate {
  /// The sample mean of `zₛ ⊙ A zₛ`, `[dimension]` float64.
  public let estimate: Tensor
  /// The per-coordinate standard error of that mean, `[dimension]` float64.
  public let standardError: Tensor
  public let sampleCount: Int
}

/// Hutchinson's estimate of `tr(A) = E[zᵀAz]` from `samples` probes of `distribution` (one
/// application of `A` each).
///
/// Reference: M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
/// Laplacian smoothing splines", 1990; PyHessian's `hessian.trace` (Rademacher probes).
public func hutchinsonTrace(
  _ a: LinearOperator, samples: Int, distribution: ProbeDistribution = .rademacher, key: RandomKey
) -> TraceEstimate {
  hutchinsonTrace(a, samples: samples) {
    distribution.probe(dimension: a.dimension, dtype: a.dtype, key: key, index: $0)
  }
}

/// Hutchinson's trace estimate with probes from `probe(index)`: any `z` with `E[z zᵀ] = I` gives
/// an unbiased estimate (a constant `z` does not, and its standard error is 0).
public func hutchinsonTrace(_ a: LinearOperator, samples: Int, probe: (Int) -> Tensor)
  -> TraceEstimate
{
  precondition(samples >= 1, "hutchinsonTrace: samples must be at least 1, got \(samples)")
  var mean = 0.0
  var m2 = 0.0
  for s in 0..<samples {
    let z = probe(s)
    let value = inner(z, a(z))
    // Welford's update: stable for many samples.
    let delta = value - mean
    mean += delta / Double(s + 1)
    m2 += delta * (value - mean)
  }
  let error = samples > 1 ? (m2 / Double(samples - 1) / Double(samples)).squareRoot() : 0
  return TraceEstimate(estimate: mean, standardError: error, sampleCount: samples)
}

/// Hutchinson's estimate of `diag(A) = E[z ⊙ A z]` (Bekas, Kokiopoulou and Saad, "An estimator for
/// the diagonal of a matrix", 2007; the AdaHessian diagonal) from `samples` probes, with each
/// coordinate's standard error. The error of coordinate `i` with Rademacher probes is
/// `√(Σ_{j≠i} A_ij² / S)`: small for diagonally dominant matrices.
public func hutchinsonDiagonal(
  _ a: LinearOperator, samples: Int, distribution: ProbeDistribution = .rademacher, key: RandomKey
) -> DiagonalEstimate {
  hutchinsonDiagonal(a, samples: samples) {
    distribution.probe(dimension: a.dimension, dtype: a.dtype, key: key, index: $0)
  }
}

/// Hutchinson's diagonal estimate with probes from `probe(index)`.
public func hutchinsonDiagonal(_ a: LinearOperator, samples: Int, probe: (Int) -> Tensor)
  -> DiagonalEstimate
{
  precondition(samples >= 1, "hutchinsonDiagonal: samples must be at least 1, got \(samples)")
  var mean = Tensor.zeros([a.dimension], dtype: .float64)
  var m2 = Tensor.zeros([a.dimension], dtype: .float64)
  for s in 0..<samples {
    let z = probe(s)
    let value = (z * a(z)).cast(to: .float64)
    let delta = value - mean
    mean = mean + delta * mean.scalar(1 / Double(s + 1))
    m2 = m2 + delta * (value - mean)
  }
  let error =
    samples > 1
    ? (m2 * m2.scalar(1 / Double(samples - 1) / Double(samples))).sqrt()
    : Tensor.zeros([a.dimension], dtype: .float64)
  return DiagonalEstimate(estimate: mean, standardError: error, sampleCount: samples)
}
