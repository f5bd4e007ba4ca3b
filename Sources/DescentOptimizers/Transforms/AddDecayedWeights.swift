import Descent

/// Decoupled weight decay: adds `weightDecay · θ` to the updates *after* the preconditioner, so
/// that the following ``ScaleByLearningRate`` turns it into `θ ← θ − η · weightDecay · θ`.
///
/// ```
/// u ← u + weightDecay · θ
/// ```
///
/// Paper: Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019,
/// arXiv:1711.05101). Optax's `add_decayed_weights`. Wrap it in ``Masked`` to skip biases and norms.
/// For L2 regularization (decay before the preconditioner) use ``AddWeightDecayToGradient``.
public struct AddDecayedWeights: GradientTransformation {
  public typealias State = EmptyState
  public let weightDecay: Double

  /// `weightDecay` must be ≥ 0 (a programmer error otherwise; user input goes through
  /// ``OptimizerCatalogue``, which validates it).
  public init(_ weightDecay: Double) {
    precondition(
      weightDecay >= 0 && weightDecay.isFinite,
      "AddDecayedWeights: weightDecay = \(weightDecay) must be a finite number ≥ 0")
    self.weightDecay = weightDecay
  }

  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    if weightDecay == 0 { return }
    mapUpdates(
      &updates, parameters: context.parameters, name: "AddDecayedWeights",
      AddScaledParameter(factor: weightDecay))
  }
}

struct AddScaledParameter: UpdateMap {
  let factor: Double
  @inline(__always) func callAsFunction<T: TensorFloat>(_ u: T, _ p: T) -> T { u + T(factor) * p }
}
