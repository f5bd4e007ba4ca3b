import Descent

/// Rescales all the updates together so that their global ℓ2 norm is at most `maxNorm`.
///
/// ```
/// n ← √(Σ over all tensors of Σ u²)
/// if n > maxNorm:  u ← u · maxNorm / n
/// ```
///
/// Optax's `clip_by_global_norm`. PyTorch's `clip_grad_norm_` instead multiplies by
/// `min(1, maxNorm / (n + 1e-6))`, which also shrinks updates slightly below the threshold; this
/// transform leaves them unchanged. The norm is accumulated in Double in a fixed order, so it does
/// not depend on the thread count.
public struct ClipByGlobalNorm: GradientTransformation {
  public typealias State = EmptyState
  public let maxNorm: Double

  /// `maxNorm` must be finite and > 0 (a programmer error otherwise).
  public init(_ maxNorm: Double) {
    precondition(
      maxNorm > 0 && maxNorm.isFinite,
      "ClipByGlobalNorm: maxNorm = \(maxNorm) must be a finite number > 0")
    self.maxNorm = maxNorm
  }

  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let norm = squaredGlobalNorm(updates).squareRoot()
    guard norm > maxNorm else { return }
    mapUpdates(&updates, parameters: nil, name: "ClipByGlobalNorm", Scale(factor: maxNorm / norm))
  }
}
