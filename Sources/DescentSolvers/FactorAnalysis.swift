import Descent
import Foundation

/// Maximum-likelihood factor analysis: x = μ + Wᵀz + e with z ~ N(0, I_r), e ~ N(0, diag ψ),
/// fitted by the SVD-based iteration of Barber, "Bayesian Reasoning and Machine Learning"
/// (Algorithm 21.1), exactly as scikit-learn's `FactorAnalysis` (1.9, `svd_method="lapack"`):
///
///     ψ ← 1; repeat:  √ψ' = √ψ + 1e-12;  X̃ = X_c / (√ψ' √m);  s², V = top-r eigenpairs of X̃ᵀX̃
///                     W = √max(s² − 1, 0) Vᵀ √ψ'
///                     ℓ = −m/2 (d log 2π + r + Σ log s² + (rest of X̃'s squared spectrum) + Σ log ψ)
///                     stop when ℓ − ℓ_prev < tolerance;  ψ ← max(var(X) − Σ_rows W², 1e-12)
///
/// X̃ᵀX̃ = D^{-1/2} (X_cᵀX_c/m) D^{-1/2} is formed from the covariance computed once, so an
/// iteration costs one d×d symmetric eigendecomposition (O(d³)) instead of an SVD of the data.
/// W is identified up to a rotation of the factors (and eigenvector signs), as in scikit-learn.
///
/// The representation of the unsupervised-pretraining experiment (Ge, Tang, Fan and Jin, ICLR
/// 2024) is the posterior mean ``posteriorMeans(_:)``: E[z | x] = (I + WΨ⁻¹Wᵀ)⁻¹ WΨ⁻¹ (x − μ).
public struct FactorAnalysis: Sendable {
  /// W `[r, d]`: row k is factor k's loading on the d features (scikit-learn's `components_`).
  public let components: Tensor
  /// ψ `[d]`: the features' noise variances (`noise_variance_`).
  public let noiseVariances: Tensor
  /// μ `[d]`: the data's mean.
  public let mean: Tensor
  /// The log-likelihood after each iteration (`loglike_`).
  public let logLikelihoods: [Double]
  /// Whether the increase of the log-likelihood fell below the tolerance within the budget.
  public let converged: Bool

  /// Fits `factors` factors to `data` `[m, d]` (float64; other dtypes are converted).
  public init(
    fitting data: Tensor, factors: Int, tolerance: Double = 1e-2, maxIterations: Int = 1000
  ) throws {
    guard data.rank == 2, data.shape[0] >= 2, data.shape[1] >= 1 else {
      throw SolverError.dimensionMismatch(
        "FactorAnalysis: data must be [m, d] with m ≥ 2 examples, got \(data.shape)")
    }
    let (m, d) = (data.shape[0], data.shape[1])
    guard factors >= 1, factors <= d else {
      throw SolverError.invalidArgument(
        "FactorAnalysis: factors = \(factors) is invalid: must be in 1...\(d) (the features)")
    }
    try Check.positive(tolerance, "tolerance", in: "FactorAnalysis")
    guard maxIterations >= 1 else {
      throw SolverError.invalidArgument(
        "FactorAnalysis: maxIterations = \(maxIterations) is invalid: must be an integer ≥ 1")
    }
    let x = data.cast(to: .float64).detached()
    try Check.finite(x.doubles, "data", in: "FactorAnalysis")
    let mean = x.mean(axis: 0)
    let centered = x - mean
    let covariance = centered.transposed().matmul(centered) * x.scalar(1 / Double(m))
    let c = covariance.doubles
    let variances = (0..<d).map { c[$0 * d + $0] }
    var psi = [Double](repeating: 1, count: d)
    var logLikelihoods: [Double] = []
    var previous = -Double.infinity
    var w = [Double](repeating: 0, count: factors * d)
    var converged = false
    let small = 1e-12
    let constant = Double(d) * log(2 * Double.pi) + Double(factors)
    for _ in 0..<maxIterations {
      let root = psi.map { $0.squareRoot() + small }
      var scaled = [Double](repeating: 0, count: d * d)
      for i in 0..<d { for j in 0..<d { scaled[i * d + j] = c[i * d + j] / (root[i] * root[j]) } }
      let (values, vectors) = try eigh(Tensor(scaled, shape: [d, d], dtype: .float64))
      let lambda = values.doubles.map { max($0, 0) }
      let v = vectors.doubles
      // Eigenvalues ascend: the top r are the last r, taken in descending order.
      var logTop = 0.0
      for k in 0..<factors {
        let column = d - 1 - k
        let s2 = lambda[column]
        logTop += log(s2)
        let scale = max(s2 - 1, 0).squareRoot()
        for j in 0..<d { w[k * d + j] = scale * v[j * d + column] * root[j] }
      }
      let rest = lambda[0..<(d - factors)].reduce(0, +)
      let likelihood =
        -Double(m) / 2 * (constant + logTop + rest + psi.reduce(0) { $0 + log($1) })
      logLikelihoods.append(likelihood)
      if likelihood - previous < tolerance {
        converged = true
        break
      }
      previous = likelihood
      for j in 0..<d {
        var explained = 0.0
        for k in 0..<factors { explained += w[k * d + j] * w[k * d + j] }
        psi[j] = max(variances[j] - explained, small)
      }
    }
    components = Tensor(w, shape: [factors, d], dtype: .float64)
    noiseVariances = Tensor(psi, shape: [d], dtype: .float64)
    self.mean = mean
    self.logLikelihoods = logLikelihoods
    self.converged = converged
  }

  /// r, the number of factors.
  public var factorCount: Int { components.shape[0] }

  /// Cov(z | x) = (I + WΨ⁻¹Wᵀ)⁻¹ `[r, r]`, the same for every x.
  public func posteriorCovariance() throws -> Tensor {
    let r = factorCount
    let scaled = components / noiseVariances  // WΨ⁻¹ [r, d]
    var precision = scaled.matmulTransposed(components).doubles
    for k in 0..<r { precision[k * r + k] += 1 }
    let identity = Tensor(
      (0..<(r * r)).map { $0 % (r + 1) == 0 ? 1 : 0 }, shape: [r, r], dtype: .float64)
    return try solve(Tensor(precision, shape: [r, r], dtype: .float64), identity)
  }

  /// The linear map of the posterior mean: E[z | x] = A (x − μ) with A = (I + WΨ⁻¹Wᵀ)⁻¹ WΨ⁻¹
  /// `[r, d]`.
  public func posteriorMap() throws -> Tensor {
    try posteriorCovariance().matmul(components / noiseVariances)
  }

  /// E[z | x] for each row of `data` `[n, d]`: `[n, r]` (scikit-learn's `transform`).
  public func posteriorMeans(_ data: Tensor) throws -> Tensor {
    guard data.rank == 2, data.shape[1] == mean.shape[0] else {
      throw SolverError.dimensionMismatch(
        "FactorAnalysis.posteriorMeans: data must be [n, \(mean.shape[0])], got \(data.shape)")
    }
    return (data.cast(to: .float64) - mean).matmulTransposed(try posteriorMap())
  }
}
