import Descent

/// Flat per-example clipping (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016,
/// arXiv 1607.00133, Algorithm 1): each example's whole gradient gᵢ (all parameters, flattened)
/// is scaled to norm at most C,
///
///     ḡᵢ = gᵢ · min(1, C / (‖gᵢ‖₂ + 10⁻⁶)),
///
/// so that one example changes the batch's summed gradient by at most C in ℓ₂ — the sensitivity
/// the ``GaussianMechanism`` is calibrated to. The 10⁻⁶ in the denominator is Opacus 1.6's
/// (`opacus/optimizers/optimizer.py`, `clip_and_accumulate`: `(max_grad_norm / (per_sample_norms
/// + 1e-6)).clamp(max=1.0)`); it keeps a zero gradient finite and leaves clipped norms a hair
/// below C (C·‖g‖/(‖g‖ + 10⁻⁶)).
///
/// The gradients are the rows of a `[batch, parameters]` matrix, as DescentCurvature's
/// `perExampleGradients(of:at:count:chunkSize:_:)` and `linearPerExampleGradients` produce them
/// (``ParameterLayout`` order). Norms are accumulated in the matrix's dtype. Cost: O(batch ×
/// parameters), one extra matrix.
public struct PerExampleClipping: Sendable, Equatable {
  /// C, the largest ℓ₂ norm an example's gradient keeps.
  public let norm: Double
  /// Opacus' stabilizer in the clip factor.
  public static let stabilizer = 1e-6

  /// Clipping to norm C (finite, > 0).
  public init(norm: Double) throws(PrivacyError) {
    guard PrivacyParameterRange.positive.admits(norm) else { throw .clippingNorm(norm) }
    self.norm = norm
  }

  /// ‖gᵢ‖₂ of each row: `[batch]`.
  public func norms(_ perExample: Tensor) throws(PrivacyError) -> Tensor {
    try Self.check(perExample)
    return perExample.square().sum(axis: 1).sqrt()
  }

  /// min(1, C/(‖gᵢ‖ + 10⁻⁶)) of each row: `[batch]`.
  public func factors(_ perExample: Tensor) throws(PrivacyError) -> Tensor {
    (norm / (try norms(perExample) + Self.stabilizer)).clamp(max: 1)
  }

  /// The clipped rows ḡᵢ: `[batch, parameters]`.
  public func clip(_ perExample: Tensor) throws(PrivacyError) -> Tensor {
    let scale = try factors(perExample)
    return perExample * scale.reshaped([perExample.shape[0], 1])
  }

  /// Σᵢ ḡᵢ: `[parameters]`, the sum the Gaussian mechanism perturbs.
  public func clippedSum(_ perExample: Tensor) throws(PrivacyError) -> Tensor {
    try clip(perExample).sum(axis: 0)
  }

  static func check(_ perExample: Tensor) throws(PrivacyError) {
    guard perExample.shape.count == 2, perExample.dtype == .float32 || perExample.dtype == .float64
    else { throw .perExampleGradients(shape: perExample.shape) }
  }
}
