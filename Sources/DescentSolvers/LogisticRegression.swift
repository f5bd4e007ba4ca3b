import Descent
import Foundation

/// Binary L2-regularized logistic regression with an unpenalized intercept, scikit-learn's
/// `LogisticRegression(C=C)` objective:
///
///     min_{w,b}  C Σᵢ log(1 + exp(−ỹᵢ (wᵀxᵢ + b))) + ½‖w‖²,      ỹᵢ = ±1,
///
/// solved by Newton's method with a backtracking line search (the objective is strictly convex in w;
/// the intercept is identified when both classes occur) to a gradient norm ≤ `tolerance`.
/// scikit-learn solves the same problem with L-BFGS, so the two agree to their tolerances.
/// Each Newton step costs O(n p² + p³) for p = d + 1.
public struct LogisticRegression: Sendable {
  /// w `[d]`.
  public let weights: Tensor
  /// b.
  public let intercept: Double
  /// Newton iterations taken.
  public let iterations: Int

  /// Fits `labels` (0 or 1 each) on `features` `[n, d]`.
  public init(
    features: Tensor, labels: [Int], inverseRegularization c: Double = 1,
    tolerance: Double = 1e-10, maxIterations: Int = 100
  ) throws {
    guard features.rank == 2, features.shape[0] == labels.count, !labels.isEmpty else {
      throw SolverError.dimensionMismatch(
        "LogisticRegression: features must be [n, d] with one label per row, got "
          + "\(features.shape) and \(labels.count) labels")
    }
    if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw SolverError.invalidArgument(
        "LogisticRegression: labels[\(bad)] = \(labels[bad]) is invalid: labels must be 0 or 1")
    }
    guard Set(labels).count == 2 else {
      throw SolverError.invalidArgument(
        "LogisticRegression: every label is \(labels[0]): needs examples of both classes")
    }
    try Check.positive(c, "inverseRegularization", in: "LogisticRegression")
    let (n, d) = (features.shape[0], features.shape[1])
    let x = features.cast(to: .float64).doubles
    try Check.finite(x, "features", in: "LogisticRegression")
    let sign = labels.map { $0 == 1 ? 1.0 : -1.0 }
    let p = d + 1
    // θ = (w, b); row i's design vector is (xᵢ, 1).
    func objective(_ theta: [Double]) -> Double {
      var total = 0.0
      for i in 0..<n {
        var z = theta[d]
        for j in 0..<d { z += theta[j] * x[i * d + j] }
        let margin = sign[i] * z
        total += margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin))
      }
      var penalty = 0.0
      for j in 0..<d { penalty += theta[j] * theta[j] }
      return c * total + penalty / 2
    }
    var theta = [Double](repeating: 0, count: p)
    var iterations = 0
    while iterations < maxIterations {
      var gradient = [Double](repeating: 0, count: p)
      var hessian = [Double](repeating: 0, count: p * p)
      for i in 0..<n {
        var z = theta[d]
        for j in 0..<d { z += theta[j] * x[i * d + j] }
        let probability = 1 / (1 + exp(-z))
        let residual = probability - (sign[i] > 0 ? 1 : 0)
        let curvature = probability * (1 - probability)
        for a in 0..<p {
          let xa = a < d ? x[i * d + a] : 1
          gradient[a] += c * residual * xa
          for b in 0...a {
            let xb = b < d ? x[i * d + b] : 1
            hessian[a * p + b] += c * curvature * xa * xb
          }
        }
      }
      for a in 0..<d {
        gradient[a] += theta[a]
        hessian[a * p + a] += 1
      }
      for a in 0..<p { for b in 0..<a { hessian[b * p + a] = hessian[a * p + b] } }
      if gradient.reduce(0, { $0 + $1 * $1 }).squareRoot() <= tolerance { break }
      // A tiny ridge on the intercept's row keeps the system solvable when classes separate.
      hessian[p * p - 1] += 1e-12
      let step = try solve(
        Tensor(hessian, shape: [p, p], dtype: .float64),
        Tensor(gradient, shape: [p], dtype: .float64)
      ).doubles
      let current = objective(theta)
      var t = 1.0
      var candidate = theta
      while t > 1e-10 {
        candidate = zip(theta, step).map { $0 - t * $1 }
        if objective(candidate) <= current { break }
        t /= 2
      }
      theta = candidate
      iterations += 1
    }
    weights = Tensor(Array(theta[0..<d]), shape: [d], dtype: .float64)
    intercept = theta[d]
    self.iterations = iterations
  }

  /// P(y = 1 | x) for `features` `[n, d]`: `[n]`.
  public func probabilities(_ features: Tensor) -> Tensor {
    (features.cast(to: .float64).matmul(weights) + Tensor(intercept, dtype: .float64)).sigmoid()
  }

  /// The predicted class (probability ≥ ½ → 1) of each row.
  public func predict(_ features: Tensor) -> [Int] {
    probabilities(features).doubles.map { $0 >= 0.5 ? 1 : 0 }
  }
}
