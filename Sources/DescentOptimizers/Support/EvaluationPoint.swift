import Descent

/// An optimizer whose training iterate is not where the model should be evaluated.
///
/// Schedule-free methods (``ScheduleFreeAdamW``, ``ScheduleFreeSGD``) take gradients at an
/// interpolation y of the averaged iterate x and the base iterate z; the parameters they keep are
/// y, while validation and test losses belong at x (Optax's
/// `optax.contrib.schedule_free_eval_params`). ``evaluationParameters(_:state:)`` returns that
/// point; ``Optimizer/evaluationParameters(_:)`` calls it for the optimizer being driven, and
/// `descent train` evaluates there.
public protocol EvaluationPointProvider: GradientTransformation {
  /// The parameters at which to evaluate the model, from the training parameters and the state
  /// after the last step. Shapes, paths and dtypes are those of `parameters`.
  func evaluationParameters(_ parameters: ParameterTree, state: State) -> ParameterTree
}

extension Optimizer {
  /// The parameters at which to evaluate the model: the optimizer's evaluation point when it
  /// provides one (``EvaluationPointProvider``: the schedule-free methods' averaged iterate x),
  /// else `parameters` unchanged.
  ///
  /// ```swift
  /// try optimizer.step(&parameters, gradients: gradients)
  /// let validationLoss = model.loss(optimizer.evaluationParameters(parameters), validation)
  /// ```
  public func evaluationParameters(_ parameters: ParameterTree) -> ParameterTree {
    guard let provider = transformation as? any EvaluationPointProvider else { return parameters }
    return evaluate(provider, parameters)
  }

  /// Whether ``evaluationParameters(_:)`` can differ from the parameters.
  public var hasEvaluationPoint: Bool { transformation is any EvaluationPointProvider }

  private func evaluate<P: EvaluationPointProvider>(_ provider: P, _ parameters: ParameterTree)
    -> ParameterTree
  {
    guard let state = state(as: P.State.self) else { return parameters }
    return provider.evaluationParameters(parameters, state: state)
  }
}
