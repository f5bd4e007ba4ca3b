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
/// entries only. `ḡ` is taken as the mean of the `g_e` (the gradient of `L̄`, by linearity), and
/// with common probes `D̄ = (1/E) Σ_e D_e` exactly, so the mean costs no HVPs of its own in the
/// Hutchinson variant and one in HGP. Cost per step, over the head only: HGP one gradient and one
/// HVP-sized backward pass per environment plus one for the mean; Hutchinson one gradient and `R`
/// HVPs per environment.
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
    let gradients = try losses.map { try headGradient(of: $0, withRespectTo: head).gradient }
    // ∇L̄ = (1/E) Σ ∇L_e: the mean gradient, with the graphs of the environments' gradients.
    let meanGradient = Tensor.stack(gradients, axis: 0).mean(axis: 0)
    let curvatures: [Tensor]
    let meanCurvature: Tensor
    switch estimator {
    case .hessianGradientProduct:
      curvatures = try gradients.map {
        try hessianGradientProduct(gradient: $0, withRespectTo: head)
      }
      meanCurvature = try hessianGradientProduct(gradient: meanGradient, withRespectTo: head)
    case .hutchinson(let samples, let key):
      curvatures = try gradients.map {
        try hutchinsonHeadDiagonal(gradient: $0, withRespectTo: head, samples: samples, key: key)
      }
      // With common probes, (1/R) Σ z ⊙ H̄ z = (1/E) Σ_e D_e exactly.
      meanCurvature = Tensor.stack(curvatures, axis: 0).mean(axis: 0)
    }
    var gradientTerm = meanLoss.scalar(0)
    var curvatureTerm = meanLoss.scalar(0)
    for (gradient, curvature) in zip(gradients, curvatures) {
      gradientTerm = gradientTerm + (gradient - meanGradient).square().sum()
      curvatureTerm = curvatureTerm + (curvature - meanCurvature).square().sum()
    }
    return Penalty(
      value: gradientTerm + curvatureTerm, gradientTerm: gradientTerm,
      curvatureTerm: curvatureTerm, meanLoss: meanLoss,
      environmentGradients: gradients, meanGradient: meanGradient)
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
