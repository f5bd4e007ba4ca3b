import Descent

/// Coupled weight decay (L2 regularization): adds `weightDecay · θ` to the gradient *before* the
/// preconditioner, as the `weight_decay` of PyTorch's SGD, Adam and Adagrad does.
///
/// ```
/// g ← g + weightDecay · θ
/// ```
///
/// The same arithmetic as ``AddDecayedWeights``; the difference is the place in the ``Chain``:
/// first (or after ``Maximize``), so that the moment estimates see the decayed gradient.
public struct AddWeightDecayToGradient: GradientTransformation {
  public typealias State = EmptyState
  public let weightDecay: Double

  /// `weightDecay` must be ≥ 0 (a programmer error otherwise).
  public init(_ weightDecay: Double) {
    precondition(
      weightDecay >= 0 && weightDecay.isFinite,
      "AddWeightDecayToGradient: weightDecay = \(weightDecay) must be a finite number ≥ 0")
    self.weightDecay = weightDecay
  }

  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    if weightDecay == 0 { return }
    mapUpdates(
      &updates, parameters: context.parameters, name: "AddWeightDecayToGradient",
      AddScaledParameter(factor: weightDecay))
  }
}
