import Descent

/// In-context linear regression prompts and the closed forms of their best one-step-GD learners,
/// from Mahankali, Hashimoto and Ma, "One Step of Gradient Descent is Provably the Optimal
/// In-Context Learner with One Layer of Linear Self-Attention" (ICLR 2024, arXiv:2307.03576).
///
/// A task draws w ~ N(0, I_d), covariates xᵢ ~ N(0, Σ) with Σ = diag(``covariateVariances``) and
/// responses yᵢ = wᵀxᵢ + εᵢ, εᵢ ~ N(0, σ²), for n context examples and one query. Its prompt is the
/// `[d + 1, n + 1]` matrix Z = [x₁ … xₙ x_q; y₁ … yₙ 0] (tokens are columns, the query's response
/// hidden), and the target is y_q.
///
/// A one-step learner predicts ŷ = x_qᵀ Γ h with h = (1/n)Σ yᵢxᵢ: one gradient step from w = 0 on
/// the context's loss (1/2n)Σ(yᵢ − wᵀxᵢ)², preconditioned by Γ. Its risk has a closed form from
/// the Gaussian moments E[h wᵀ] = Σ and
/// H = E[h hᵀ] = ((n + 1)/n) Σ² + ((tr Σ + σ²)/n) Σ (using E[x xᵀ x xᵀ] = 2Σ² + tr(Σ) Σ):
///
///     MSE(Γ) = tr Σ + σ² − 2 tr(Σ Γ Σ) + tr(Γᵀ Σ Γ H),
///
/// minimized by Γ* = Σ H⁻¹ = n ((n + 1) Σ + (tr Σ + σ²) I)⁻¹. For Σ = I this is η* I with
/// η* = n / (n + d + 1 + σ²) — the digest's derivation, which agrees with the paper's Theorem 1
/// (the optimal LSA is one GD step with a scalar rate in the isotropic case) and with Monte Carlo
/// (tested).
public struct InContextRegression: Sendable {
  /// A task parameter out of range: one line naming it and what is valid.
  public struct InvalidParameter: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
  }

  /// d, the covariates' dimension.
  public let dimension: Int
  /// n, the context examples per prompt.
  public let contextLength: Int
  /// σ², the response noise variance.
  public let noiseVariance: Double
  /// The diagonal of Σ, the covariates' covariance.
  public let covariateVariances: [Double]

  /// A task with covariance `diag(covariateVariances)` (nil: the identity).
  public init(
    dimension: Int, contextLength: Int, noiseVariance: Double,
    covariateVariances: [Double]? = nil
  ) throws {
    guard dimension >= 1 else {
      throw InvalidParameter(
        "InContextRegression: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    guard contextLength >= 1 else {
      throw InvalidParameter(
        "InContextRegression: contextLength = \(contextLength) is invalid: must be an integer ≥ 1")
    }
    guard noiseVariance.isFinite, noiseVariance >= 0 else {
      throw InvalidParameter(
        "InContextRegression: noiseVariance = \(noiseVariance) is invalid: must be a finite "
          + "number ≥ 0")
    }
    let variances = covariateVariances ?? Array(repeating: 1, count: dimension)
    guard variances.count == dimension else {
      throw InvalidParameter(
        "InContextRegression: covariateVariances has \(variances.count) entries, expected the "
          + "dimension \(dimension)")
    }
    if let bad = variances.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
      throw InvalidParameter(
        "InContextRegression: covariateVariances[\(bad)] = \(variances[bad]) is invalid: must be "
          + "a finite number > 0")
    }
    self.dimension = dimension
    self.contextLength = contextLength
    self.noiseVariance = noiseVariance
    self.covariateVariances = variances
  }

  /// `count` prompts `[count, d + 1, n + 1]` and their targets y_q `[count]`, from `key`.
  public func prompts(count: Int, dtype: DType = .float32, key: RandomKey) -> (
    prompts: Tensor, targets: Tensor
  ) {
    precondition(count >= 1, "InContextRegression.prompts: count must be ≥ 1")
    let (d, tokens) = (dimension, contextLength + 1)
    let keys = key.split(into: 3)
    // Drawn directly in the prompt's layout (tokens as columns), so that the prompt is one
    // concatenation: x [count, d, n + 1], y = wᵀx [count, 1, n + 1].
    let w = Tensor.normal([count, 1, d], dtype: dtype, key: keys[0])
    let scales = Tensor(covariateVariances.map { $0.squareRoot() }, shape: [1, d, 1], dtype: dtype)
    let x = Tensor.normal([count, d, tokens], dtype: dtype, key: keys[1]) * scales
    let noise = Tensor.normal(
      [count, 1, tokens], std: noiseVariance.squareRoot(), dtype: dtype, key: keys[2])
    let y = w.matmul(x) + noise
    let hideQuery = Tensor(
      Array(repeating: 1, count: contextLength) + [0], shape: [1, 1, tokens], dtype: dtype)
    let prompts = Tensor.concatenate([x, y * hideQuery], axis: 1)
    let targets = y.slice(axis: 2, start: contextLength).reshaped([count])
    return (prompts.detached(), targets.detached())
  }

  /// tr Σ.
  public var covarianceTrace: Double { covariateVariances.reduce(0, +) }

  /// Γ* = n ((n + 1) Σ + (tr Σ + σ²) I)⁻¹, the risk-minimizing preconditioner `[d, d]` float64
  /// (diagonal, since Σ is).
  public var optimalPreconditioner: Tensor {
    let d = dimension, n = Double(contextLength)
    var gamma = [Double](repeating: 0, count: d * d)
    for k in 0..<d {
      gamma[k * d + k] = n / ((n + 1) * covariateVariances[k] + covarianceTrace + noiseVariance)
    }
    return Tensor(gamma, shape: [d, d], dtype: .float64)
  }

  /// η* = n / (n + d + 1 + σ²), the optimal scalar step for Σ = I (Γ* = η* I there).
  public var optimalStepSize: Double {
    let n = Double(contextLength)
    return n / (n + Double(dimension) + 1 + noiseVariance)
  }

  /// The closed-form risk E[(y_q − x_qᵀ Γ h)²] of preconditioner Γ `[d, d]`.
  public func oneStepRisk(preconditioner gamma: Tensor) -> Double {
    let d = dimension, n = Double(contextLength)
    precondition(gamma.shape == [d, d], "oneStepRisk: Γ must be [\(d), \(d)], got \(gamma.shape)")
    let g = gamma.cast(to: .float64).scalars(as: Double.self)
    let s = covariateVariances
    let c = covarianceTrace + noiseVariance
    var risk = covarianceTrace + noiseVariance
    for i in 0..<d {
      risk -= 2 * s[i] * g[i * d + i] * s[i]
      for j in 0..<d {
        let h = (n + 1) / n * s[j] * s[j] + c / n * s[j]
        risk += g[i * d + j] * g[i * d + j] * s[i] * h
      }
    }
    return risk
  }

  /// The one-step predictions x_qᵀ Γ h of prompts `[B, d + 1, n + 1]`, `[B]` float64.
  public func oneStepPredictions(_ prompts: Tensor, preconditioner gamma: Tensor) -> Tensor {
    let d = dimension, n = contextLength
    let z = prompts.cast(to: .float64).detached()
    let x = z.slice(axis: 1, start: 0, end: d)  // [B, d, n + 1]
    let y = z.slice(axis: 1, start: d)  // [B, 1, n + 1]
    let h = (x.slice(axis: 2, start: 0, end: n) * y.slice(axis: 2, start: 0, end: n))
      .sum(axis: 2) * z.scalar(1 / Double(n))  // [B, d]
    let query = x.slice(axis: 2, start: n).reshaped([z.shape[0], d])  // [B, d]
    return (query.matmul(gamma.cast(to: .float64)) * h).sum(axis: 1)
  }
}
