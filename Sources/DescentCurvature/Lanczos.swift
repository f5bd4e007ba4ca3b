import Descent

/// The result of ``lanczos(_:iterations:start:reorthogonalize:)``: an orthonormal basis
/// `Q = [q₀ … q_{m−1}]` of the Krylov space of the start vector and the tridiagonal
/// `T = QᵀAQ` with diagonal ``alphas`` and off-diagonal ``betas``.
public struct LanczosDecomposition {
  /// `αⱼ = qⱼᵀ A qⱼ`, `m` of them.
  public let alphas: [Double]
  /// `βⱼ = ‖rⱼ‖`, the off-diagonal of `T`: `m − 1` of them.
  public let betas: [Double]
  /// The norm of the residual after the last step, `‖r_{m−1}‖` (0 when the Krylov space is
  /// invariant); Ritz pair `i` has residual `‖A yᵢ − θᵢ yᵢ‖ = residualNorm · |s_{m−1,i}|`.
  public let residualNorm: Double
  /// The Lanczos vectors `qⱼ`.
  public let basis: [Tensor]

  /// The number of steps taken, `m` (fewer than asked when the Krylov space became invariant).
  public var steps: Int { alphas.count }

  /// `T` as a `[m, m]` float64 matrix.
  public var tridiagonal: Tensor {
    let m = steps
    var values = [Double](repeating: 0, count: m * m)
    for j in 0..<m {
      values[j * m + j] = alphas[j]
      if j + 1 < m {
        values[j * m + j + 1] = betas[j]
        values[(j + 1) * m + j] = betas[j]
      }
    }
    return Tensor(values, shape: [m, m], dtype: .float64)
  }

  /// The eigenpairs `T sᵢ = θᵢ sᵢ` (the core's LAPACK ``eigh(_:)``), ascending: Ritz values and the
  /// Ritz vectors' coordinates in the basis.
  public func ritzPairs() throws -> (values: [Double], vectors: [[Double]]) {
    let m = steps
    if m == 0 { return ([], []) }
    let (values, vectors) = try eigh(tridiagonal)
    let s = vectors.doubles
    let columns = (0..<m).map { i in (0..<m).map { j in s[j * m + i] } }
    return (values.doubles, columns)
  }
}

/// `m` steps of the Lanczos iteration on `a` from `start` (normalized here):
///
/// ```
/// q₀ = start/‖start‖,  β₋₁ = 0
/// for j in 0..<m:  w = A qⱼ;  αⱼ = qⱼᵀw;  w −= αⱼqⱼ + βⱼ₋₁qⱼ₋₁
///                  (full reorthogonalization: w −= Q(Qᵀw), twice)
///                  βⱼ = ‖w‖;  qⱼ₊₁ = w/βⱼ
/// ```
///
/// In floating point the three-term recurrence alone loses orthogonality as Ritz values converge
/// and produces spurious copies of them; full reorthogonalization against every earlier vector
/// (classical Gram–Schmidt, repeated once: "twice is enough") keeps `Q` orthonormal to working
/// precision at `O(m² n)` extra flops and `m` stored vectors. The iteration stops early when `βⱼ`
/// falls below `1e-12 · max|α|` (the Krylov space is invariant: `T`'s eigenvalues are exact).
///
/// Cost: `m` applications of `a` plus `O(m² n)`; memory `m + 2` vectors of `n`.
public func lanczos(
  _ a: LinearOperator, iterations m: Int, start: Tensor, reorthogonalize: Bool = true
) -> LanczosDecomposition {
  precondition(m >= 1, "lanczos: iterations must be at least 1, got \(m)")
  precondition(
    start.shape == [a.dimension],
    "lanczos: start vector has shape \(start.shape), the operator acts on [\(a.dimension)]")
  let startNorm = norm(start.cast(to: a.dtype))
  precondition(startNorm > 0, "lanczos: zero start vector")
  var basis = [scaled(start.cast(to: a.dtype).detached(), 1 / startNorm)]
  var alphas: [Double] = []
  var betas: [Double] = []
  var residualNorm = 0.0
  let steps = min(m, a.dimension)
  for j in 0..<steps {
    let q = basis[j]
    var w = a(q)
    let alpha = inner(q, w)
    alphas.append(alpha)
    w = subtracting(w, alpha, q)
    if j > 0 { w = subtracting(w, betas[j - 1], basis[j - 1]) }
    if reorthogonalize {
      for _ in 0..<2 {
        for previous in basis { w = subtracting(w, inner(previous, w), previous) }
      }
    }
    let beta = norm(w)
    residualNorm = beta
    let scale = alphas.map(abs).max() ?? 0
    if j == steps - 1 || beta <= 1e-12 * max(scale, Double.leastNormalMagnitude) { break }
    betas.append(beta)
    basis.append(scaled(w, 1 / beta))
  }
  return LanczosDecomposition(
    alphas: alphas, betas: betas, residualNorm: residualNorm, basis: basis)
}

/// The top eigenpairs found by ``topEigenpairs(_:count:iterations:key:)``.
public struct Eigenpairs {
  /// Largest first.
  public let eigenvalues: [Double]
  /// Unit-norm Ritz vectors `yᵢ = Q sᵢ`, in the operator's dtype, in the same order.
  public let eigenvectors: [Tensor]
  /// The recurrence's estimate of `‖A yᵢ − θᵢ yᵢ‖`, `βₘ·|sᵢ[m]|` (no extra products). In exact
  /// arithmetic it equals the residual; in floating point, once the Krylov space has converged,
  /// it can fall far below the true residual, which ``residuals`` reports.
  public let residualNorms: [Double]
  /// The true residual `‖A yᵢ − θᵢ yᵢ‖` of each pair (one operator application each): a pair
  /// with residual `r` is within `r` of an eigenvalue of the symmetric `A`.
  public let residuals: [Double]
  /// Applications of the operator used, the residuals' included.
  public let operatorApplications: Int
}

/// The `count` largest (algebraic) eigenvalues of `a` and their eigenvectors, by Lanczos with full
/// reorthogonalization from a Rademacher start drawn from `key`.
///
/// `iterations` (default `min(n, max(2·count + 20, 40))`) is the Krylov dimension `m`: extremal
/// eigenvalues converge first, roughly like the Chebyshev bound `exp(−2m√(gap/spread))`, so a few
/// dozen steps give the top few eigenvalues of a Hessian to several digits; with `m = n` the
/// result is exact up to rounding. Check ``Eigenpairs/residuals``.
public func topEigenpairs(
  _ a: LinearOperator, count: Int, iterations: Int? = nil, key: RandomKey
) throws -> Eigenpairs {
  precondition(count >= 1, "topEigenpairs: count must be at least 1, got \(count)")
  precondition(
    count <= a.dimension, "topEigenpairs: count \(count) exceeds the dimension \(a.dimension)")
  let m = min(a.dimension, iterations ?? max(2 * count + 20, 40))
  let start = Tensor.rademacher([a.dimension], dtype: a.dtype, key: key)
  let decomposition = lanczos(a, iterations: m, start: start)
  let (values, vectors) = try decomposition.ritzPairs()
  let steps = decomposition.steps
  let order = Array(values.indices.reversed().prefix(count))
  var eigenvectors: [Tensor] = []
  for i in order {
    var y = Tensor.zeros([a.dimension], dtype: a.dtype)
    for j in 0..<steps { y = y + scaled(decomposition.basis[j], vectors[i][j]) }
    eigenvectors.append(y)
  }
  let eigenvalues = order.map { values[$0] }
  let residuals = zip(eigenvectors, eigenvalues).map { y, theta in
    let r = a(y) - scaled(y, theta)
    return (r * r).sum().cast(to: .float64).scalars(as: Double.self)[0].squareRoot()
  }
  return Eigenpairs(
    eigenvalues: eigenvalues, eigenvectors: eigenvectors,
    residualNorms: order.map { decomposition.residualNorm * abs(vectors[$0][steps - 1]) },
    residuals: residuals, operatorApplications: steps + eigenvectors.count)
}
