import Descent
import Foundation

/// Ridge regression with an unpenalized intercept, min_{w,b} ‖y − Xw − b‖² + α‖w‖², in closed
/// form on centred data (scikit-learn's `Ridge(fit_intercept=True)`), and the choice of α by exact
/// leave-one-out cross-validation over a grid, as scikit-learn's `RidgeCV` (its efficient LOO: with
/// the hat matrix H = X_c(X_cᵀX_c + αI)⁻¹X_cᵀ + 11ᵀ/n, the LOO residual of example i is
/// (yᵢ − ŷᵢ)/(1 − Hᵢᵢ); α minimizes their mean square, the first on ties).
///
/// α = 0 is ordinary least squares (it needs X_cᵀX_c invertible: more examples than features).
/// Cost: one d×d solve per α (n ≥ d) or one n×n solve (n < d, through the dual form).
public struct RidgeRegression: Sendable {
  /// w `[d]`.
  public let weights: Tensor
  /// b.
  public let intercept: Double
  /// The α that was used.
  public let alpha: Double
  /// The mean squared leave-one-out residual at each α of the grid (empty without a grid).
  public let leaveOneOutErrors: [Double]

  /// Fits `targets` `[n]` on `features` `[n, d]` with penalty `alpha` (≥ 0).
  public init(features: Tensor, targets: Tensor, alpha: Double) throws {
    let (x, y) = try Self.checked(features, targets)
    try Check.nonNegative(alpha, "alpha", in: "RidgeRegression")
    let fit = try Self.fit(x, y, alpha: alpha)
    weights = fit.weights
    intercept = fit.intercept
    self.alpha = alpha
    leaveOneOutErrors = []
  }

  /// Fits with the α of `alphas` (each > 0) that minimizes the leave-one-out error.
  public init(features: Tensor, targets: Tensor, alphas: [Double]) throws {
    let (x, y) = try Self.checked(features, targets)
    guard !alphas.isEmpty else {
      throw SolverError.invalidArgument("RidgeRegression: alphas is empty: give ≥ 1 value")
    }
    for a in alphas { try Check.positive(a, "alpha", in: "RidgeRegression") }
    var errors: [Double] = []
    for a in alphas { errors.append(try Self.fit(x, y, alpha: a).leaveOneOut) }
    let best = errors.indices.min {
      errors[$0] < errors[$1] || (errors[$0] == errors[$1] && $0 < $1)
    }!
    let fit = try Self.fit(x, y, alpha: alphas[best])
    weights = fit.weights
    intercept = fit.intercept
    alpha = alphas[best]
    leaveOneOutErrors = errors
  }

  /// Xw + b for `features` `[n, d]`: `[n]`.
  public func predict(_ features: Tensor) -> Tensor {
    features.cast(to: .float64).matmul(weights) + Tensor(intercept, dtype: .float64)
  }

  private static func checked(_ features: Tensor, _ targets: Tensor) throws -> (Tensor, Tensor) {
    guard features.rank == 2, features.shape[0] >= 2, targets.shape == [features.shape[0]] else {
      throw SolverError.dimensionMismatch(
        "RidgeRegression: features must be [n, d] with n ≥ 2 and targets [n], got "
          + "\(features.shape) and \(targets.shape)")
    }
    let x = features.cast(to: .float64).detached()
    let y = targets.cast(to: .float64).detached()
    try Check.finite(x.doubles, "features", in: "RidgeRegression")
    try Check.finite(y.doubles, "targets", in: "RidgeRegression")
    return (x, y)
  }

  private static func fit(_ x: Tensor, _ y: Tensor, alpha: Double) throws -> (
    weights: Tensor, intercept: Double, leaveOneOut: Double
  ) {
    let (n, d) = (x.shape[0], x.shape[1])
    let xMean = x.mean(axis: 0)
    let yMean = y.mean().item
    let xc = x - xMean
    let yc = y - Tensor(yMean, dtype: .float64)
    let weights: Tensor
    let hat: Tensor  // X_c (X_cᵀX_c + αI)⁻¹ X_cᵀ [n, n]
    do {
      if n >= d {
        let gram = xc.transposed().matmul(xc) + identity(d) * Tensor(alpha, dtype: .float64)
        weights = try solve(gram, xc.transposed().matmul(yc))
        hat = xc.matmul(try solve(gram, xc.transposed()))
      } else {
        let kernel = xc.matmulTransposed(xc)
        let dual = try solve(kernel + identity(n) * Tensor(alpha, dtype: .float64), yc)
        weights = xc.transposed().matmul(dual)
        hat = kernel.matmul(
          try solve(kernel + identity(n) * Tensor(alpha, dtype: .float64), identity(n)))
      }
    } catch {
      throw SolverError.invalidArgument(
        "RidgeRegression: the system is singular at alpha = \(Check.format(alpha)) "
          + "(collinear or constant features, or fewer examples than features without a penalty); "
          + "use alpha > 0")
    }
    let residuals = (yc - xc.matmul(weights)).doubles
    let h = hat.doubles
    var loo = 0.0
    for i in 0..<n {
      let leverage = h[i * n + i] + 1 / Double(n)
      let r = residuals[i] / (1 - leverage)
      loo += r * r
    }
    let intercept = yMean - xMean.matmul(weights).item
    return (weights, intercept, loo / Double(n))
  }

  private static func identity(_ n: Int) -> Tensor {
    Tensor((0..<(n * n)).map { $0 % (n + 1) == 0 ? 1 : 0 }, shape: [n, n], dtype: .float64)
  }
}
