import Descent

/// A diagonal linear network: the linear predictor `f(x) = ⟨u ⊙ v, x⟩` with coefficients
/// `β = u ⊙ v` written as the elementwise product of two trainable vectors `u, v ∈ ℝᵈ`.
///
/// The model is linear in `x` but not in its parameters, which gives gradient methods an implicit
/// bias: from a small initialization gradient flow finds a sparse (small ℓ1) interpolant, from a
/// large one the minimum-ℓ2 one (the "kernel regime"; Woodworth et al., "Kernel and Rich Regimes
/// in Overparametrized Models", COLT 2020). Wu and Su ("The Implicit Regularization of Dynamical
/// Stability in Stochastic Gradient Descent", ICML 2023, arXiv:2305.17490) use it to show that
/// SGD's stability bound `Tr(H) ≤ 2/η` is a weighted-ℓ1 bound on `β`: for the loss
/// `½·mean((f(xᵢ) − yᵢ)²)`, ``hessianTrace(inputs:)`` gives
/// `Tr(H) = Σⱼ (uⱼ² + vⱼ²) · mean_i xᵢⱼ² ≥ 2 Σⱼ |βⱼ| mean_i xᵢⱼ²`.
///
/// Paths: `u`, `v` (each `[dimension]`). The input is `[n, dimension]` (or one example
/// `[dimension]`); the output `[n]` (or a scalar).
public struct DiagonalLinearNetwork: Layer {
  public var u: Tensor
  public var v: Tensor

  /// A network with the given factors (two vectors of one length and dtype).
  public init(u: Tensor, v: Tensor) {
    precondition(
      u.rank == 1 && u.shape == v.shape && u.dtype == v.dtype,
      "DiagonalLinearNetwork: u \(u.dtype) \(u.shape) and v \(v.dtype) \(v.shape) must be vectors "
        + "of one length and dtype")
    self.u = u
    self.v = v
  }

  /// The balanced initialization at scale `α`: `u = α·1` and `v = α·s` with independent random
  /// signs `sⱼ = ±1` (Rademacher, from `key`), so that `|uⱼ| = |vⱼ| = α` and `β = α²·s`.
  ///
  /// Balance (`uⱼ² = vⱼ²`) is what gradient flow preserves (`uⱼ² − vⱼ²` is its invariant), and the
  /// random signs let `β` reach coefficients of either sign: from `u = v` exactly, both factors get
  /// the same gradient, stay equal, and `β = u²` can never turn negative.
  public static func balanced(
    dimension: Int, scale alpha: Double, dtype: DType = .float64, key: RandomKey
  ) -> DiagonalLinearNetwork {
    precondition(dimension >= 1, "DiagonalLinearNetwork: dimension must be positive")
    precondition(alpha > 0 && alpha.isFinite, "DiagonalLinearNetwork: scale must be positive")
    let signs = Tensor.rademacher([dimension], dtype: dtype, key: key)
    return DiagonalLinearNetwork(
      u: Tensor.ones([dimension], dtype: dtype) * alpha, v: signs * alpha)
  }

  /// The number of coefficients `d`.
  public var dimension: Int { u.shape[0] }

  /// The coefficients `β = u ⊙ v`.
  public var coefficients: Tensor { u * v }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    precondition(
      (input.rank == 1 || input.rank == 2) && input.shape.last == dimension,
      "DiagonalLinearNetwork: input \(input.shape) must be [n, \(dimension)] or [\(dimension)]")
    return input.matmul(u * v)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "u", &u, .parameter)
    visit(prefix + "v", &v, .parameter)
  }

  /// The exact trace of the Hessian over `(u, v)` of `½·mean_i (f(xᵢ) − yᵢ)²` on the rows of
  /// `inputs` `[n, dimension]`, at any point (not only at an interpolating one):
  /// `Tr(H) = Σⱼ (uⱼ² + vⱼ²) · mean_i xᵢⱼ²`.
  ///
  /// Derivation: `H = (1/n) Σᵢ ∇fᵢ∇fᵢᵀ + (1/n) Σᵢ rᵢ ∇²fᵢ` with residuals `rᵢ`; `∇fᵢ = (xᵢ ⊙ v,
  /// xᵢ ⊙ u)`, and `∇²fᵢ` couples only `uⱼ` with `vⱼ` (off the diagonal), so the residual term has
  /// no trace and `Tr(H) = (1/n) Σᵢ ‖∇fᵢ‖²` — the identity Wu and Su use at interpolation holds
  /// here everywhere. The labels therefore do not enter.
  public func hessianTrace(inputs: Tensor) -> Double {
    precondition(
      inputs.rank == 2 && inputs.shape[1] == dimension,
      "DiagonalLinearNetwork.hessianTrace: inputs \(inputs.shape) must be [n, \(dimension)]")
    let secondMoments = inputs.square().mean(axis: 0).cast(to: u.dtype)
    return (secondMoments * (u.square() + v.square())).sum().item
  }
}
