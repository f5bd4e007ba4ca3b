/// Exact minimization of the composite least-absolute-deviations objective
///
///     F(x) = (1/n)‖Ax − b‖₁ + λ‖x‖₁ + (μ/2)‖x‖₂²,    A ∈ ℝⁿˣᵈ,
///
/// a linear program for μ = 0 (the Lipschitz convex problem of Liu and Zhou, "Revisiting the
/// Last-Iterate Convergence of Stochastic Gradient Methods", ICLR 2024, arXiv:2312.08531, whose
/// F* their experiments need) and a quadratic program for μ > 0 (its strongly convex variant).
///
/// Algorithm: a primal-dual interior-point method (the Frisch–Newton method of Portnoy and
/// Koenker, Stat. Sci. 1997, for quantile regression at τ = ½, with the ridge term added). The
/// λ‖x‖₁ term is d extra rows eⱼ with target 0 and weight λ, so with N = n + d rows mᵢ, targets
/// cᵢ and weights wᵢ the problem is min Σwᵢ(rᵢ⁺ + rᵢ⁻) + (μ/2)‖x‖² subject to
/// Mx − r⁺ + r⁻ = c, r± ≥ 0; its dual is max cᵀy − ‖Mᵀy‖²/(2μ) over |yᵢ| ≤ wᵢ (for μ = 0:
/// max cᵀy over Mᵀy = 0, |yᵢ| ≤ wᵢ). Each Newton step on the perturbed KKT conditions
/// r±ᵢz±ᵢ = σν (z± = w ± y, σ = 0.1, ν the mean complementarity) reduces to the d×d system
/// (μI + MᵀΘ⁻¹M)Δx = …, Θ = r⁺/z⁺ + r⁻/z⁻ diagonal, solved by Cholesky; steps go 0.99 of the way
/// to the boundary. It stops when the duality measure 2Nν and the residuals fall below
/// `tolerance`·(1 + F) — 55–70 iterations on the last-iterate experiment's n = 2000, d = 20
/// problems —, or reports `converged: false` at `maxIterations` (or a singular system: A without
/// full column rank and λ = μ = 0).
/// O(N d²) per iteration, O(N d) memory. Checked against scipy's `linprog` (HiGHS) by
/// `scripts/golden/make_last_iterate_golden.py`.
public struct LeastAbsoluteDeviations: Sendable {
  /// A, row-major n×d.
  public let design: [Double]
  public let targets: [Double]
  public let dimension: Int
  /// λ ≥ 0.
  public let l1: Double
  /// μ ≥ 0.
  public let ridge: Double

  /// The result of ``solve(tolerance:maxIterations:)``.
  public struct Solution: Sendable {
    /// The minimizer x*.
    public let point: [Double]
    /// F(x*), computed directly from the point.
    public let value: Double
    /// The dual objective at the last dual iterate (a lower bound on F* for μ > 0).
    public let dualValue: Double
    public let iterations: Int
    public let converged: Bool
    /// Why it stopped, in words.
    public let reason: String
  }

  /// The problem for A (n×d, row-major), b (n), λ and μ. Throws for n < 1, d < 1, sizes that do
  /// not fit, a non-finite entry, or λ, μ negative or not finite.
  public init(
    design: [Double], targets: [Double], dimension: Int, l1: Double = 0, ridge: Double = 0
  )
    throws
  {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "LeastAbsoluteDeviations: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    guard !targets.isEmpty else {
      throw SolverError.invalidArgument("LeastAbsoluteDeviations: targets is empty: needs ≥ 1 row")
    }
    guard design.count == targets.count * dimension else {
      throw SolverError.dimensionMismatch(
        "LeastAbsoluteDeviations: design has \(design.count) entries, expected \(targets.count)×\(dimension) = \(targets.count * dimension)"
      )
    }
    try Check.finite(design, "design", in: "LeastAbsoluteDeviations")
    try Check.finite(targets, "targets", in: "LeastAbsoluteDeviations")
    try Check.nonNegative(l1, "l1", in: "LeastAbsoluteDeviations")
    try Check.nonNegative(ridge, "ridge", in: "LeastAbsoluteDeviations")
    self.design = design
    self.targets = targets
    self.dimension = dimension
    self.l1 = l1
    self.ridge = ridge
  }

  public var count: Int { targets.count }

  /// F(x).
  public func value(_ x: [Double]) -> Double {
    let d = dimension
    var loss = 0.0
    for i in 0..<count {
      var r = -targets[i]
      for j in 0..<d { r += design[i * d + j] * x[j] }
      loss += abs(r)
    }
    var l1Norm = 0.0
    var squared = 0.0
    for v in x {
      l1Norm += abs(v)
      squared += v * v
    }
    return loss / Double(count) + l1 * l1Norm + 0.5 * ridge * squared
  }

  /// Runs the interior-point method. `tolerance` is relative to 1 + F.
  public func solve(tolerance: Double = 1e-12, maxIterations: Int = 200) -> Solution {
    let d = dimension
    let n = count
    let rows = l1 > 0 ? n + d : n
    // Row i of M: Aᵢ for i < n, e_{i−n} after; targets c, weights w.
    func row(_ i: Int, _ j: Int) -> Double { i < n ? design[i * d + j] : (i - n == j ? 1 : 0) }
    let c = (0..<rows).map { $0 < n ? targets[$0] : 0 }
    let w = (0..<rows).map { $0 < n ? 1 / Double(n) : l1 }
    var x = [Double](repeating: 0, count: d)
    var rPlus = [Double](repeating: 0, count: rows)
    var rMinus = rPlus
    for i in 0..<rows {
      let r = -c[i]
      rPlus[i] = max(r, 0) + w[i]
      rMinus[i] = max(-r, 0) + w[i]
    }
    var y = [Double](repeating: 0, count: rows)
    var iterations = 0
    var reason = "reached maxIterations = \(maxIterations)"
    var converged = false
    while iterations < maxIterations {
      // Residuals and the complementarity measure.
      var mx = [Double](repeating: 0, count: rows)
      for i in 0..<rows {
        var s = 0.0
        for j in 0..<d { s += row(i, j) * x[j] }
        mx[i] = s
      }
      var dual = (0..<d).map { ridge * x[$0] }
      for i in 0..<rows where y[i] != 0 { for j in 0..<d { dual[j] -= row(i, j) * y[i] } }
      var primalNorm = 0.0
      var gap = 0.0
      var primal = [Double](repeating: 0, count: rows)
      for i in 0..<rows {
        primal[i] = mx[i] - rPlus[i] + rMinus[i] - c[i]
        primalNorm = max(primalNorm, abs(primal[i]) * w[i])
        gap += rPlus[i] * (w[i] + y[i]) + rMinus[i] * (w[i] - y[i])
      }
      let scale = 1 + abs(value(x))
      let dualNorm = dual.reduce(0) { max($0, abs($1)) }
      if gap <= tolerance * scale, primalNorm <= tolerance * scale, dualNorm <= tolerance * scale {
        converged = true
        reason = "duality gap \(gap) and residuals within \(tolerance)·(1 + F)"
        break
      }
      let nu = 0.1 * gap / Double(2 * rows)
      // Newton step (see the type's comment).
      var theta = [Double](repeating: 0, count: rows)
      var h = [Double](repeating: 0, count: rows)
      var rhoPlus = theta
      var rhoMinus = theta
      for i in 0..<rows {
        let zPlus = w[i] + y[i]
        let zMinus = w[i] - y[i]
        rhoPlus[i] = (nu - rPlus[i] * zPlus) / zPlus
        rhoMinus[i] = (nu - rMinus[i] * zMinus) / zMinus
        theta[i] = rPlus[i] / zPlus + rMinus[i] / zMinus
        h[i] = -primal[i] + rhoPlus[i] - rhoMinus[i]
      }
      var system = [Double](repeating: 0, count: d * d)
      var rhs = dual.map { -$0 }
      for j in 0..<d { system[j * d + j] = ridge }
      for i in 0..<rows {
        let inverse = 1 / theta[i]
        if i < n {
          for j in 0..<d {
            let mij = design[i * d + j] * inverse
            rhs[j] += mij * h[i]
            for k in 0...j { system[j * d + k] += mij * design[i * d + k] }
          }
        } else {
          let j = i - n
          rhs[j] += inverse * h[i]
          system[j * d + j] += inverse
        }
      }
      guard let dx = Self.choleskySolve(&system, rhs, d) else {
        reason =
          "the Newton system is singular at iteration \(iterations + 1): A needs full column rank when l1 = ridge = 0"
        break
      }
      var dy = [Double](repeating: 0, count: rows)
      var alpha = 1.0
      var dPlus = dy
      var dMinus = dy
      for i in 0..<rows {
        var mdx = 0.0
        for j in 0..<d { mdx += row(i, j) * dx[j] }
        dy[i] = (h[i] - mdx) / theta[i]
        let zPlus = w[i] + y[i]
        let zMinus = w[i] - y[i]
        dPlus[i] = rhoPlus[i] - rPlus[i] / zPlus * dy[i]
        dMinus[i] = rhoMinus[i] + rMinus[i] / zMinus * dy[i]
        if dPlus[i] < 0 { alpha = min(alpha, -0.99 * rPlus[i] / dPlus[i]) }
        if dMinus[i] < 0 { alpha = min(alpha, -0.99 * rMinus[i] / dMinus[i]) }
        if dy[i] < 0 { alpha = min(alpha, -0.99 * zPlus / dy[i]) }
        if dy[i] > 0 { alpha = min(alpha, 0.99 * zMinus / dy[i]) }
      }
      for j in 0..<d { x[j] += alpha * dx[j] }
      for i in 0..<rows {
        rPlus[i] += alpha * dPlus[i]
        rMinus[i] += alpha * dMinus[i]
        y[i] += alpha * dy[i]
      }
      iterations += 1
    }
    var dualValue = 0.0
    var my = [Double](repeating: 0, count: d)
    for i in 0..<rows {
      dualValue += c[i] * y[i]
      for j in 0..<d { my[j] += row(i, j) * y[i] }
    }
    if ridge > 0 { dualValue -= my.reduce(0) { $0 + $1 * $1 } / (2 * ridge) }
    return Solution(
      point: x, value: value(x), dualValue: dualValue, iterations: iterations,
      converged: converged, reason: reason)
  }

  /// Solves S z = v for symmetric positive-definite S (lower triangle filled, overwritten by its
  /// Cholesky factor); nil when a pivot is not positive beyond rounding.
  static func choleskySolve(_ s: inout [Double], _ v: [Double], _ d: Int) -> [Double]? {
    for j in 0..<d {
      let diagonal = s[j * d + j]
      var pivot = diagonal
      for k in 0..<j { pivot -= s[j * d + k] * s[j * d + k] }
      // A pivot lost to rounding (≤ 1e-12 of its diagonal) means a singular matrix.
      guard pivot > 1e-12 * diagonal, pivot.isFinite else { return nil }
      let root = pivot.squareRoot()
      s[j * d + j] = root
      for i in (j + 1)..<max(j + 1, d) {
        var sum = s[i * d + j]
        for k in 0..<j { sum -= s[i * d + k] * s[j * d + k] }
        s[i * d + j] = sum / root
      }
    }
    var z = v
    for i in 0..<d {
      for k in 0..<i { z[i] -= s[i * d + k] * z[k] }
      z[i] /= s[i * d + i]
    }
    for i in stride(from: d - 1, through: 0, by: -1) {
      for k in (i + 1)..<max(i + 1, d) { z[i] -= s[k * d + i] * z[k] }
      z[i] /= s[i * d + i]
    }
    return z
  }
}
