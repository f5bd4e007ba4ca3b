import Descent

/// The Hessian-alignment penalty for domain generalization: match the training environments'
/// classifier-head gradients and head Hessians to their means.
///
/// Hemati, Zhang, Estiri and Chen, "Understanding Hessian Alignment for Domain Generalization",
/// ICCV 2023 (arXiv:2308.11778). The paper bounds the transfer measure between environments by
/// the spectral norm of the difference of their head Hessians (and the gradient difference); two
/// estimators make the alignment affordable, both over the head's parameters only:
///
/// For environment losses `L_1 … L_E` and `L̄ = (1/E) Σ_e L_e`, `g_e = ∇_head L_e`, `ḡ = ∇_head L̄`:
///
/// - **HGP** (``Estimator/hessianGradientProduct``): `H_e g_e = ‖g_e‖ ∇‖g_e‖` by double backprop
///   (``hessianGradientProduct(of:withRespectTo:)``), `H̄ḡ` the same from `L̄`;
///   `penalty = Σ_e ‖H_e g_e − H̄ḡ‖² + Σ_e ‖g_e − ḡ‖²`.
/// - **Hutchinson** (``Estimator/hutchinson(samples:key:)``): `D_e = (1/R) Σ_r z_r ⊙ H_e z_r`
///   with Rademacher `z_r` (``hutchinsonHeadDiagonal(gradient:withRespectTo:samples:distribution:key:)``),
///   `D̄` the same from `ḡ`; `penalty = Σ_e ‖g_e − ḡ‖² + Σ_e ‖D_e − D̄‖²`.
///
/// The result is differentiable with respect to every parameter the losses depend on, so a
/// training step minimizes `L̄ + l2·‖θ‖² + w·penalty` (see ``PenaltyAnnealing`` for `w`) with one
/// ``valueAndGrad(of:at:)`` whose closure computes the environment losses from its parameters
/// and passes the head's tensors here:
///
/// ```swift
/// let alignment = try HessianAlignment(estimator: .hessianGradientProduct)
/// let annealing = try PenaltyAnnealing(annealIterations: 190, penaltyWeight: 91257.186)
/// let (_, gradient) = try valueAndGrad(of: { p in
///   let losses = environments.map { e in bce(model.with(parameters: p)(e.inputs), e.labels) }
///   let penalty = try alignment.penalty(environmentLosses: losses, head: [p["head.weight"]!, p["head.bias"]!])
///   return try annealing.objective(loss: penalty.meanLoss + l2 * weightNorm(p), penalty: penalty.value, step: step)
/// }, at: parameters)
/// ```
///
/// Deviation from the reference scripts: the Hutchinson variant draws the same probes `z_r` for
/// every environment and the mean (common random numbers; the script draws fresh ones per call),
/// so that `D_e − D̄` estimates `diag(H_e − H̄)` with the variance of `H_e − H̄`'s off-diagonal
/// entries only. Cost per step: HGP about two HVPs per environment plus two for the mean, of the
/// head only; Hutchinson `R` HVPs per environment and `R` for the mean.
public struct HessianAlignment: Sendable {
  /// How the curvature is matched.
  public enum Estimator: Sendable, Equatable {
    /// HGP: align the Hessian–gradient products `H_e g_e` (exact, by double backprop).
    case hessianGradientProduct
    /// Align Hutchinson estimates of the Hessian diagonals from `samples` Rademacher probes of
    /// `key` (the paper's script uses 150).
    case hutchinson(samples: Int, key: RandomKey)
  }

  public let estimator: Estimator

  /// Throws ``HeadCurvatureError`` when the Hutchinson variant has fewer than one sample.
  public init(estimator: Estimator) throws {
    if case .hutchinson(let samples, _) = estimator, samples < 1 {
      throw HeadCurvatureError.invalidArgument(
        "HessianAlignment: Hutchinson samples must be at least 1, got \(samples); the paper's "
          + "script uses 150")
    }
    self.estimator = estimator
  }

  /// The penalty and its two terms for the given environment losses (each a scalar, e.g. the
  /// mean binary cross-entropy of one training environment), all differentiable.
  ///
  /// Throws ``HeadCurvatureError`` for no environment, a loss with more than one value, or a head
  /// that ``headGradient(of:withRespectTo:)`` refuses.
  public func penalty(environmentLosses losses: [Tensor], head: [Tensor]) throws -> Penalty {
    guard !losses.isEmpty else {
      throw HeadCurvatureError.invalidArgument(
        "HessianAlignment.penalty: no environment losses; pass one mean loss per training "
          + "environment")
    }
    for (index, loss) in losses.enumerated() where loss.count != 1 {
      throw HeadCurvatureError.invalidArgument(
        "HessianAlignment.penalty: environment loss \(index) has shape \(loss.shape), expected "
          + "one value (the environment's mean loss)")
    }
    let meanLoss = Tensor.stack(losses.map { $0.reshaped([]) }, axis: 0).mean()
    let perEnvironment: [(gradient: Tensor, curvature: Tensor)]
    let mean: (gradient: Tensor, curvature: Tensor)
    switch estimator {
    case .hessianGradientProduct:
      let products = try (losses + [meanLoss]).map {
        try hessianGradientProduct(of: $0, withRespectTo: head)
      }
      perEnvironment = products.dropLast().map { ($0.gradient, $0.hessianGradient) }
      mean = (products.last!.gradient, products.last!.hessianGradient)
    case .hutchinson(let samples, let key):
      let all = try (losses + [meanLoss]).map { loss in
        let g = try headGradient(of: loss, withRespectTo: head).gradient
        let diagonal = try hutchinsonHeadDiagonal(
          gradient: g, withRespectTo: head, samples: samples, key: key)
        return (gradient: g, curvature: diagonal)
      }
      perEnvironment = Array(all.dropLast())
      mean = all.last!
    }
    var gradientTerm = meanLoss.scalar(0)
    var curvatureTerm = meanLoss.scalar(0)
    for environment in perEnvironment {
      gradientTerm = gradientTerm + (environment.gradient - mean.gradient).square().sum()
      curvatureTerm = curvatureTerm + (environment.curvature - mean.curvature).square().sum()
    }
    return Penalty(
      value: gradientTerm + curvatureTerm, gradientTerm: gradientTerm,
      curvatureTerm: curvatureTerm, meanLoss: meanLoss,
      environmentGradients: perEnvironment.map(\.gradient), meanGradient: mean.gradient)
  }

  /// A penalty and its parts, all differentiable scalars or vectors.
  public struct Penalty {
    /// `gradientTerm + curvatureTerm`.
    public let value: Tensor
    /// `Σ_e ‖g_e − ḡ‖²`.
    public let gradientTerm: Tensor
    /// `Σ_e ‖H_e g_e − H̄ḡ‖²` (HGP) or `Σ_e ‖D_e − D̄‖²` (Hutchinson).
    public let curvatureTerm: Tensor
    /// `L̄ = (1/E) Σ_e L_e`, the data term of the objective.
    public let meanLoss: Tensor
    /// The flat head gradients `g_e`, one per environment.
    public let environmentGradients: [Tensor]
    /// `ḡ = ∇_head L̄`.
    public let meanGradient: Tensor
  }
}
