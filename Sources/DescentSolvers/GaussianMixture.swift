import Descent
import Foundation

/// A Gaussian mixture with full covariances fitted by expectation–maximization, with the
/// semantics of scikit-learn's `GaussianMixture(covariance_type="full")` (1.9):
///
/// - E-step: log ρᵢₖ = log πₖ + log N(xᵢ | μₖ, Σₖ); the responsibilities are ρ normalized by
///   log-sum-exp, and the lower bound is the mean over examples of log Σₖ ρᵢₖ.
/// - M-step: Nₖ = Σᵢ rᵢₖ + 10·ε_float64, μₖ = Σᵢ rᵢₖ xᵢ / Nₖ,
///   Σₖ = Σᵢ rᵢₖ (xᵢ − μₖ)(xᵢ − μₖ)ᵀ / Nₖ + `regularization`·I, πₖ = Nₖ / Σⱼ Nⱼ.
/// - Stop when the lower bound changes by less than `tolerance` (default 1e-3) or after
///   `maxIterations` (default 100) rounds of E and M steps.
///
/// The initialization is given (``Initialization``): scikit-learn's default runs k-means first;
/// ``Initialization/kMeansPlusPlus(key:)`` seeds with k-means++ (Arthur and Vassilvitskii 2007)
/// and refines with Lloyd's iterations, then starts EM from the hard assignments, as scikit-learn
/// does from its k-means labels. Each EM round costs O(n k d²) plus k d×d Cholesky factorizations.
public struct GaussianMixture: Sendable {
  /// πₖ `[k]`.
  public let weights: [Double]
  /// μₖ, k vectors of d.
  public let means: [[Double]]
  /// Σₖ, k row-major d×d matrices.
  public let covariances: [[Double]]
  /// EM rounds run.
  public let iterations: Int
  /// Whether the lower bound's change fell below the tolerance.
  public let converged: Bool
  /// The final lower bound (mean log-likelihood per example).
  public let lowerBound: Double

  /// How EM starts.
  public enum Initialization: Sendable {
    /// Given weights, means and covariances (scikit-learn's `weights_init`, `means_init` and
    /// the inverses of `precisions_init`).
    case parameters(weights: [Double], means: [[Double]], covariances: [[Double]])
    /// k-means++ seeding and 20 Lloyd iterations, then parameters from the hard assignments.
    case kMeansPlusPlus(key: RandomKey)
  }

  public init(
    fitting data: Tensor, components k: Int, initialization: Initialization,
    tolerance: Double = 1e-3, maxIterations: Int = 100, regularization: Double = 1e-6
  ) throws {
    guard data.rank == 2, data.shape[0] >= 2 else {
      throw SolverError.dimensionMismatch(
        "GaussianMixture: data must be [n, d] with n ≥ 2 examples, got \(data.shape)")
    }
    let (n, d) = (data.shape[0], data.shape[1])
    guard k >= 1, k <= n else {
      throw SolverError.invalidArgument(
        "GaussianMixture: components = \(k) is invalid: must be in 1...\(n) (the examples)")
    }
    try Check.nonNegative(tolerance, "tolerance", in: "GaussianMixture")
    try Check.nonNegative(regularization, "regularization", in: "GaussianMixture")
    guard maxIterations >= 1 else {
      throw SolverError.invalidArgument(
        "GaussianMixture: maxIterations = \(maxIterations) is invalid: must be an integer ≥ 1")
    }
    let x = data.cast(to: .float64).doubles
    try Check.finite(x, "data", in: "GaussianMixture")
    var weights: [Double]
    var means: [[Double]]
    var covariances: [[Double]]
    switch initialization {
    case .parameters(let w, let m, let c):
      guard w.count == k, m.count == k, c.count == k, m.allSatisfy({ $0.count == d }),
        c.allSatisfy({ $0.count == d * d })
      else {
        throw SolverError.dimensionMismatch(
          "GaussianMixture: the initialization needs \(k) weights, \(k) means of \(d) and \(k) "
            + "covariances of \(d)×\(d)")
      }
      weights = w
      means = m
      covariances = c
    case .kMeansPlusPlus(let key):
      let labels = Self.kMeans(x, n: n, d: d, k: k, key: key)
      var hard = [Double](repeating: 0, count: n * k)
      for i in 0..<n { hard[i * k + labels[i]] = 1 }
      (weights, means, covariances) = Self.maximization(
        x, hard, n: n, d: d, k: k, regularization: regularization)
    }
    var bound = -Double.infinity
    var iterations = 0
    var converged = false
    for _ in 0..<maxIterations {
      let previous = bound
      let (responsibilities, newBound) = try Self.expectation(
        x, n: n, d: d, weights: weights, means: means, covariances: covariances)
      (weights, means, covariances) = Self.maximization(
        x, responsibilities, n: n, d: d, k: k, regularization: regularization)
      bound = newBound
      iterations += 1
      if abs(bound - previous) < tolerance {
        converged = true
        break
      }
    }
    self.weights = weights
    self.means = means
    self.covariances = covariances
    self.iterations = iterations
    self.converged = converged
    lowerBound = bound
  }

  /// The responsibilities P(component k | xᵢ) of `data` `[n, d]`: `[n, k]` float64.
  public func posteriors(_ data: Tensor) throws -> Tensor {
    guard data.rank == 2, data.shape[1] == means[0].count else {
      throw SolverError.dimensionMismatch(
        "GaussianMixture.posteriors: data must be [n, \(means[0].count)], got \(data.shape)")
    }
    let n = data.shape[0]
    let d = data.shape[1]
    let (r, _) = try Self.expectation(
      data.cast(to: .float64).doubles, n: n, d: d, weights: weights, means: means,
      covariances: covariances)
    return Tensor(r, shape: [n, weights.count], dtype: .float64)
  }

  /// Responsibilities `[n·k]` and the mean log-likelihood.
  static func expectation(
    _ x: [Double], n: Int, d: Int, weights: [Double], means: [[Double]], covariances: [[Double]]
  ) throws -> ([Double], Double) {
    let k = weights.count
    var logRho = [Double](repeating: 0, count: n * k)
    for c in 0..<k {
      let factor: [Double]
      do {
        factor = try cholesky(Tensor(covariances[c], shape: [d, d], dtype: .float64)).doubles
      } catch {
        throw SolverError.invalidArgument(
          "GaussianMixture: component \(c)'s covariance is not positive definite; raise the "
            + "regularization or use fewer components")
      }
      var logDeterminant = 0.0
      for j in 0..<d { logDeterminant += 2 * log(factor[j * d + j]) }
      let constant = log(weights[c]) - 0.5 * (Double(d) * log(2 * Double.pi) + logDeterminant)
      var solved = [Double](repeating: 0, count: d)
      for i in 0..<n {
        // Forward substitution L u = xᵢ − μ; the Mahalanobis term is ‖u‖².
        var squared = 0.0
        for a in 0..<d {
          var value = x[i * d + a] - means[c][a]
          for b in 0..<a { value -= factor[a * d + b] * solved[b] }
          solved[a] = value / factor[a * d + a]
          squared += solved[a] * solved[a]
        }
        logRho[i * k + c] = constant - 0.5 * squared
      }
    }
    var total = 0.0
    for i in 0..<n {
      let top = (0..<k).map { logRho[i * k + $0] }.max()!
      var sum = 0.0
      for c in 0..<k { sum += exp(logRho[i * k + c] - top) }
      let normalizer = top + log(sum)
      total += normalizer
      for c in 0..<k { logRho[i * k + c] = exp(logRho[i * k + c] - normalizer) }
    }
    return (logRho, total / Double(n))
  }

  static func maximization(
    _ x: [Double], _ r: [Double], n: Int, d: Int, k: Int, regularization: Double
  ) -> ([Double], [[Double]], [[Double]]) {
    var counts = [Double](repeating: 10 * Double.ulpOfOne, count: k)
    var means = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
    for i in 0..<n {
      for c in 0..<k {
        counts[c] += r[i * k + c]
        for a in 0..<d { means[c][a] += r[i * k + c] * x[i * d + a] }
      }
    }
    for c in 0..<k { for a in 0..<d { means[c][a] /= counts[c] } }
    var covariances = [[Double]](repeating: [Double](repeating: 0, count: d * d), count: k)
    var difference = [Double](repeating: 0, count: d)
    for c in 0..<k {
      for i in 0..<n {
        let weight = r[i * k + c]
        for a in 0..<d { difference[a] = x[i * d + a] - means[c][a] }
        for a in 0..<d {
          let wa = weight * difference[a]
          for b in 0...a { covariances[c][a * d + b] += wa * difference[b] }
        }
      }
      for a in 0..<d {
        for b in 0...a {
          covariances[c][a * d + b] /= counts[c]
          covariances[c][b * d + a] = covariances[c][a * d + b]
        }
        covariances[c][a * d + a] += regularization
      }
    }
    let total = counts.reduce(0, +)
    return (counts.map { $0 / total }, means, covariances)
  }

  /// Hard labels from k-means++ seeding and 20 Lloyd iterations.
  static func kMeans(_ x: [Double], n: Int, d: Int, k: Int, key: RandomKey) -> [Int] {
    var generator = RandomGenerator(key: key)
    func distance(_ i: Int, _ center: [Double]) -> Double {
      var total = 0.0
      for a in 0..<d {
        let e = x[i * d + a] - center[a]
        total += e * e
      }
      return total
    }
    var centers = [Array(x[(Int.random(in: 0..<n, using: &generator) * d)...].prefix(d))]
    var nearest = (0..<n).map { distance($0, centers[0]) }
    while centers.count < k {
      let total = nearest.reduce(0, +)
      var target = Double.random(in: 0..<1, using: &generator) * total
      var chosen = n - 1
      for i in 0..<n {
        target -= nearest[i]
        if target < 0 {
          chosen = i
          break
        }
      }
      let center = Array(x[(chosen * d)...].prefix(d))
      centers.append(center)
      for i in 0..<n { nearest[i] = min(nearest[i], distance(i, center)) }
    }
    var labels = [Int](repeating: 0, count: n)
    for _ in 0..<20 {
      for i in 0..<n {
        labels[i] = (0..<k).min { distance(i, centers[$0]) < distance(i, centers[$1]) }!
      }
      var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
      var counts = [Int](repeating: 0, count: k)
      for i in 0..<n {
        counts[labels[i]] += 1
        for a in 0..<d { sums[labels[i]][a] += x[i * d + a] }
      }
      for c in 0..<k where counts[c] > 0 { centers[c] = sums[c].map { $0 / Double(counts[c]) } }
    }
    return labels
  }
}
