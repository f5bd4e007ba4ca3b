/// The Mahalanobis projection Π^A_X(y) = argmin_{x∈X} ½(x − y)ᵀA(x − y) for a symmetric
/// positive-definite A, the projection of the Online Newton Step (Hazan, Agarwal and Kale,
/// "Logarithmic regret algorithms for online convex optimization", Mach. Learn. 2007) and of
/// optimistic ONS (Chen et al., ICML 2023).
///
/// A is eigendecomposed once (cyclic Jacobi, O(d³) per sweep, a few sweeps). Then:
/// - y ∈ X, or X the whole space: y.
/// - a ball ‖x − c‖ ≤ r: exact. The KKT conditions give x − c = (A + μI)⁻¹A(y − c) with the
///   multiplier μ ≥ 0 the root of ‖x(μ) − c‖ = r; in A's eigenbasis ‖x(μ) − c‖² =
///   Σ(λᵢzᵢ/(λᵢ + μ))², z = Qᵀ(y − c), decreasing in μ, bracketed by [0, ‖λ⊙z‖/r] and found by
///   bisection to machine precision (200 halvings at most).
/// - a box with diagonal A: the clamp (the problem separates).
/// - any other set (box with full A, simplex): accelerated projected gradient (FISTA, Beck and
///   Teboulle 2009, with the gradient restart of O'Donoghue and Candès 2015) on the quadratic,
///   step 1/λmax(A), Euclidean projections onto X, until a step moves less than
///   1e-13·(1 + ‖x‖) or after `maxIterations` (default 100,000). Its cost grows with √κ(A).
public struct MahalanobisProjection: Sendable {
  /// d.
  public let dimension: Int
  /// A, row-major d×d.
  public let metric: [Double]
  /// A's eigenvalues, ascending, and eigenvectors (column j of the row-major `vectors`).
  let eigenvalues: [Double]
  let vectors: [Double]
  /// The iteration cap of the general (iterative) case.
  public var maxIterations = 100_000

  /// Projections in the metric A (row-major, d×d, symmetric positive definite). Throws when A
  /// is not square of side `dimension`, not symmetric, has a non-finite entry, or an eigenvalue
  /// ≤ 0.
  public init(metric: [Double], dimension: Int) throws {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "MahalanobisProjection: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    guard metric.count == dimension * dimension else {
      throw SolverError.dimensionMismatch(
        "MahalanobisProjection: metric has \(metric.count) entries, expected \(dimension)×\(dimension) = \(dimension * dimension)")
    }
    try Check.finite(metric, "metric", in: "MahalanobisProjection")
    for i in 0..<dimension {
      for j in 0..<i {
        let a = metric[i * dimension + j], b = metric[j * dimension + i]
        guard abs(a - b) <= 1e-12 * max(1, abs(a), abs(b)) else {
          throw SolverError.invalidArgument(
            "MahalanobisProjection: metric[\(i)][\(j)] = \(a) ≠ metric[\(j)][\(i)] = \(b): the metric must be symmetric")
        }
      }
    }
    let (values, vectors) = SymmetricEigen.decompose(metric, dimension)
    guard let smallest = values.first, smallest > 0 else {
      throw SolverError.invalidArgument(
        "MahalanobisProjection: metric has eigenvalue \(values.first ?? .nan): must be positive definite (every eigenvalue > 0)")
    }
    self.dimension = dimension
    self.metric = metric
    self.eigenvalues = values
    self.vectors = vectors
  }

  /// A·v.
  public func apply(_ v: [Double]) -> [Double] {
    (0..<dimension).map { i in
      var s = 0.0
      for j in 0..<dimension { s += metric[i * dimension + j] * v[j] }
      return s
    }
  }

  /// A⁻¹·v, through the eigendecomposition.
  public func solve(_ v: [Double]) -> [Double] {
    let z = toEigenbasis(v)
    return fromEigenbasis((0..<dimension).map { z[$0] / eigenvalues[$0] })
  }

  /// ½(x − y)ᵀA(x − y).
  public func distance(_ x: [Double], _ y: [Double]) -> Double {
    let d = (0..<dimension).map { x[$0] - y[$0] }
    return 0.5 * zip(d, apply(d)).reduce(0) { $0 + $1.0 * $1.1 }
  }

  /// Π^A_X(y). `y` has ``dimension`` entries and `set` the same dimension (preconditions).
  public func project(_ y: [Double], onto set: any ConvexSet) -> [Double] {
    precondition(y.count == dimension && set.dimension == dimension,
      "MahalanobisProjection.project: sizes \(y.count), \(set.dimension) ≠ \(dimension)")
    if set is WholeSpace || set.contains(y, tolerance: 0) { return y }
    if let ball = set as? EuclideanBall { return projectOntoBall(y, ball) }
    if set is Box, isDiagonal { return set.project(y) }
    return projectIteratively(y, set)
  }

  var isDiagonal: Bool {
    for i in 0..<dimension { for j in 0..<dimension where i != j && metric[i * dimension + j] != 0 { return false } }
    return true
  }

  func toEigenbasis(_ v: [Double]) -> [Double] {
    (0..<dimension).map { k in
      var s = 0.0
      for i in 0..<dimension { s += vectors[i * dimension + k] * v[i] }
      return s
    }
  }

  func fromEigenbasis(_ z: [Double]) -> [Double] {
    (0..<dimension).map { i in
      var s = 0.0
      for k in 0..<dimension { s += vectors[i * dimension + k] * z[k] }
      return s
    }
  }

  func projectOntoBall(_ y: [Double], _ ball: EuclideanBall) -> [Double] {
    let z = toEigenbasis((0..<dimension).map { y[$0] - ball.center[$0] })
    let weighted = (0..<dimension).map { eigenvalues[$0] * z[$0] }
    func radiusSquared(_ μ: Double) -> Double {
      var s = 0.0
      for k in 0..<dimension { let w = weighted[k] / (eigenvalues[k] + μ); s += w * w }
      return s
    }
    let r2 = ball.radius * ball.radius
    var low = 0.0
    var high = weighted.reduce(0) { $0 + $1 * $1 }.squareRoot() / ball.radius
    for _ in 0..<200 {
      let mid = 0.5 * (low + high)
      if mid <= low || mid >= high { break }
      if radiusSquared(mid) > r2 { low = mid } else { high = mid }
    }
    let μ = high  // ‖x(high) − c‖ ≤ r: inside the ball
    let offset = fromEigenbasis((0..<dimension).map { weighted[$0] / (eigenvalues[$0] + μ) })
    // Rounding may leave the point a hair outside; the Euclidean projection removes it.
    return ball.project((0..<dimension).map { ball.center[$0] + offset[$0] })
  }

  func projectIteratively(_ y: [Double], _ set: any ConvexSet) -> [Double] {
    let step = 1 / eigenvalues[dimension - 1]
    var x = set.project(y)
    var previous = x
    var momentumPoint = x
    var t = 1.0
    for _ in 0..<maxIterations {
      let gradient = apply((0..<dimension).map { momentumPoint[$0] - y[$0] })
      let next = set.project((0..<dimension).map { momentumPoint[$0] - step * gradient[$0] })
      var moved = 0.0, size = 0.0, restart = 0.0
      for i in 0..<dimension {
        moved += (next[i] - x[i]) * (next[i] - x[i])
        size += next[i] * next[i]
        restart += gradient[i] * (next[i] - x[i])
      }
      previous = x
      x = next
      if moved.squareRoot() <= 1e-13 * (1 + size.squareRoot()) { break }
      if restart > 0 {
        t = 1
        momentumPoint = x
        continue
      }
      let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
      let beta = (t - 1) / tNext
      momentumPoint = (0..<dimension).map { x[$0] + beta * (x[$0] - previous[$0]) }
      t = tNext
    }
    return x
  }
}

/// Eigendecomposition of a small symmetric matrix by the cyclic Jacobi method (Golub and Van
/// Loan, Matrix Computations, 4th ed., §8.5): rotations until the off-diagonal mass is below
/// 1e-30 of the total or 100 sweeps.
enum SymmetricEigen {
  /// Eigenvalues ascending and the row-major matrix whose column k is eigenvector k.
  static func decompose(_ matrix: [Double], _ n: Int) -> ([Double], [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let total = a.reduce(0) { $0 + $1 * $1 }
    for _ in 0..<100 {
      var off = 0.0
      for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
      if off <= 1e-30 * total || off == 0 { break }
      for p in 0..<n {
        for q in (p + 1)..<n where a[p * n + q] != 0 {
          let apq = a[p * n + q]
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
    let values = order.map { a[$0 * n + $0] }
    var vectors = [Double](repeating: 0, count: n * n)
    for (k, column) in order.enumerated() { for i in 0..<n { vectors[i * n + k] = v[i * n + column] } }
    return (values, vectors)
  }
}
