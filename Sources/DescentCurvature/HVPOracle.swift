import Descent

/// Hessian-vector products of a loss over a model's parameters: `v ↦ ∇²L(θ) v` at fixed `θ`.
///
/// Each product differentiates `⟨∇L(θ), v⟩` once more (reverse over reverse, the core's
/// ``valueGradAndHVP(of:at:v:)``): one forward pass and two backward passes, about 2–3× the cost
/// of a gradient, and the memory of a gradient with its graph kept.
///
/// A full-batch Hessian over data that does not fit one forward pass is a weighted sum of batch
/// Hessians, `H = Σ_b w_b H_b` (``init(at:batchLosses:weights:)``), as in PyHessian's
/// `dataloader_hv_product`: one HVP per batch and application, memory of one batch.
///
/// ```swift
/// let oracle = HVPOracle(at: model.parameters) { p in
///   crossEntropy(logits: model.with(parameters: p)(x, context: .evaluation), labels: y)
/// }
/// let top = try topEigenpairs(oracle.linearOperator, count: 5, key: RandomKey(seed: 0))
/// ```
public struct HVPOracle {
  /// The point `θ` at which the Hessian is taken.
  public let parameters: ParameterTree
  /// How ``parameters`` map to the flat vectors of ``linearOperator``.
  public let layout: ParameterLayout
  private let losses: [(ParameterTree) -> Tensor]
  private let weights: [Double]

  /// The Hessian of `loss` at `parameters`.
  public init(at parameters: ParameterTree, loss: @escaping (ParameterTree) -> Tensor) {
    self.init(at: parameters, batchLosses: [loss], weights: [1])
  }

  /// The Hessian of `Σ_b weights[b] · batchLosses[b]` at `parameters`; `weights` defaults to
  /// `1/count` each (the mean of equally sized batches' mean losses). For batches of sizes `n_b`
  /// with mean-reduced losses, pass `n_b / Σ n_b` to get the full-batch mean loss's Hessian.
  public init(
    at parameters: ParameterTree, batchLosses: [(ParameterTree) -> Tensor], weights: [Double]? = nil
  ) {
    precondition(!batchLosses.isEmpty, "HVPOracle: no loss")
    let weights =
      weights ?? Array(repeating: 1 / Double(batchLosses.count), count: batchLosses.count)
    precondition(
      weights.count == batchLosses.count,
      "HVPOracle: \(weights.count) weights for \(batchLosses.count) batch losses")
    self.parameters = parameters.map { $0.detached() }
    layout = ParameterLayout(parameters)
    losses = batchLosses
    self.weights = weights
  }

  /// The loss, its gradient and `∇²L v` at ``parameters``, sharing the forward and first backward
  /// pass. `v` has the parameters' paths and shapes.
  public func valueGradientAndHVP(_ v: ParameterTree) -> (
    value: Double, gradient: ParameterTree, hvp: ParameterTree
  ) {
    var value = 0.0
    var gradient: ParameterTree? = nil
    var product: ParameterTree? = nil
    for (loss, weight) in zip(losses, weights) {
      let result = valueGradAndHVP(of: loss, at: parameters, v: v)
      value += weight * result.value.item
      let g = result.gradient.map { ($0 * $0.scalar(weight)).detached() }
      let h = result.hvp.map { ($0 * $0.scalar(weight)).detached() }
      gradient = gradient.map { $0.zipMap(g, +) } ?? g
      product = product.map { $0.zipMap(h, +) } ?? h
    }
    return (value, gradient!, product!)
  }

  /// `∇²L(θ) v` as a tree.
  public func hvp(_ v: ParameterTree) -> ParameterTree { valueGradientAndHVP(v).hvp }

  /// The Hessian as an operator on flat vectors (``ParameterLayout`` order).
  public var linearOperator: LinearOperator {
    let layout = layout
    return LinearOperator(dimension: layout.scalarCount, dtype: layout.dtype) { v in
      layout.flatten(hvp(layout.unflatten(v)))
    }
  }
}

/// Gauss–Newton-vector products `v ↦ Jᵀ H_out J v` of a loss `L(θ) = ℓ(f(θ))` that is a convex
/// function `ℓ` of a model's outputs `z = f(θ)`.
///
/// `J = ∂z/∂θ` is the model's Jacobian and `H_out = ∇²_z ℓ` the Hessian of the loss with respect to
/// the outputs; `G = Jᵀ H_out J` is the Hessian with the second-order terms of the model dropped
/// (`∇²L = G + Σ_k ∂ℓ/∂z_k ∇²z_k`), positive semi-definite when `ℓ` is convex. For
/// - mean squared error `ℓ = (1/N) Σ (z − y)²` over `N` output elements: `H_out = (2/N) I`, so
///   `G = (2/N) JᵀJ`; for a linear model `z = Xw` with `½·mse`, `G = XᵀX / n`;
/// - cross-entropy of logits, mean over `n` examples: the block of example `i` is
///   `(diag(pᵢ) − pᵢpᵢᵀ)/n` with `pᵢ = softmax(zᵢ)` — the Fisher information, so `G` is the
///   generalized Gauss–Newton matrix that Sophia and K-FAC approximate.
///
/// One product costs one forward pass and three backward passes: `J v` by differentiating the
/// linear map `u ↦ Jᵀu` (double backward, as the core's ``jvp(of:at:tangent:)``), `H_out (J v)`
/// by an HVP of `ℓ` at the detached outputs (cheap: `ℓ` is elementwise or a softmax), and
/// `Jᵀ(H_out J v)` as one more backward pass through the same kept graph. `H_out` is computed by
/// autodiff, so any twice-differentiable `outputLoss` works, not only the two above.
public struct GaussNewtonOracle {
  public let parameters: ParameterTree
  public let layout: ParameterLayout
  private let outputs: (ParameterTree) -> Tensor
  private let outputLoss: (Tensor) -> Tensor

  /// `outputs` maps parameters to the model's outputs (e.g. logits `[n, classes]`);
  /// `outputLoss` maps those outputs to the scalar loss (e.g. `{ crossEntropy(logits: $0, labels: y) }`).
  public init(
    at parameters: ParameterTree, outputs: @escaping (ParameterTree) -> Tensor,
    outputLoss: @escaping (Tensor) -> Tensor
  ) {
    self.parameters = parameters.map { $0.detached() }
    layout = ParameterLayout(parameters)
    self.outputs = outputs
    self.outputLoss = outputLoss
  }

  /// `Jᵀ H_out J v` for a flat vector `v` (``ParameterLayout`` order).
  public func gnvp(flat v: Tensor) -> Tensor {
    let layout = layout
    let theta = layout.flatten(parameters).detached().trackingGradients()
    return withGradients {
      let z = outputs(layout.unflatten(theta))
      let u = Tensor.zeros(z.shape, dtype: z.dtype).trackingGradients()
      let transposed = gradients(of: z, withRespectTo: [theta], seed: u, createGraph: true)[0]
      let jv = gradients(of: transposed, withRespectTo: [u], seed: v, createGraph: true)[0]
        .detached()
      let hjv = hvp(of: outputLoss, at: z.detached(), v: jv).detached()
      return gradients(of: z, withRespectTo: [theta], seed: hjv)[0].detached()
    }
  }

  /// `Jᵀ H_out J v` as a tree.
  public func gnvp(_ v: ParameterTree) -> ParameterTree {
    layout.unflatten(gnvp(flat: layout.flatten(v)))
  }

  /// The Gauss–Newton matrix as an operator on flat vectors.
  public var linearOperator: LinearOperator {
    LinearOperator(dimension: layout.scalarCount, dtype: layout.dtype) { gnvp(flat: $0) }
  }
}
