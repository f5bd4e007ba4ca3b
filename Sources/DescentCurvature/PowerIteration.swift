import Descent

/// The dominant eigenpair found by ``powerIteration(_:tolerance:maxIterations:key:)``.
public struct PowerIterationResult {
  /// The Rayleigh quotient `vᵀAv` of the last iterate: the eigenvalue of largest magnitude.
  public let eigenvalue: Double
  /// The last unit-norm iterate `v`.
  public let eigenvector: Tensor
  /// Applications of the operator used (one per iteration).
  public let iterations: Int
  /// Whether the relative change of the eigenvalue fell below the tolerance.
  public let converged: Bool
}

/// Power iteration `v ← Av / ‖Av‖` from a Rademacher start, PyHessian's `hessian.eigenvalues`
/// (`top_n = 1`): stops when the Rayleigh quotient changes by less than
/// `tolerance · (|λ| + 1e-6)` between two iterations (PyHessian's test) or after `maxIterations`.
///
/// It finds the eigenvalue of largest magnitude, which for a Hessian with a large negative
/// eigenvalue is that negative one; the error shrinks like `(|λ₂|/|λ₁|)^k`, so a small gap needs
/// many iterations (Lanczos, ``topEigenpairs(_:count:iterations:key:)``, converges faster at the
/// same cost per iteration).
public func powerIteration(
  _ a: LinearOperator, tolerance: Double = 1e-6, maxIterations: Int = 100, key: RandomKey
) -> PowerIterationResult {
  precondition(
    maxIterations >= 1, "powerIteration: maxIterations must be at least 1, got \(maxIterations)")
  precondition(a.dimension > 0, "powerIteration: empty operator")
  var v = Tensor.rademacher([a.dimension], dtype: a.dtype, key: key)
  v = scaled(v, 1 / norm(v))
  var eigenvalue = 0.0
  for iteration in 1...maxIterations {
    let w = a(v)
    let next = inner(v, w)
    let length = norm(w)
    let converged = iteration > 1 && abs(next - eigenvalue) < tolerance * (abs(next) + 1e-6)
    eigenvalue = next
    if converged || length == 0 {
      return PowerIterationResult(
        eigenvalue: eigenvalue, eigenvector: v, iterations: iteration, converged: true)
    }
    v = scaled(w, 1 / length)
  }
  return PowerIterationResult(
    eigenvalue: eigenvalue, eigenvector: v, iterations: maxIterations, converged: false)
}
