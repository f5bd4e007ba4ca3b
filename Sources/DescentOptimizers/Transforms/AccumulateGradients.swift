import Descent

/// Gradient accumulation over `k` micro-steps: the first `k − 1` calls add the gradients to a
/// buffer and emit zero updates (the parameters stay put); the `k`-th runs `inner` on the mean of
/// the `k` gradients and resets the buffer.
///
/// ```
/// a ← a + g;  j ← j + 1
/// if j < k:  u ← 0
/// else:      u ← inner(a · (1/k));  a ← 0;  j ← 0
/// ```
///
/// Optax's `MultiSteps` (which also averages). The inner transformation's state and step count
/// advance only on the k-th call, so its schedules and bias corrections count real steps.
/// With `k = 1` it is `inner` itself.
public struct AccumulateGradients<Inner: GradientTransformation>: GradientTransformation {
  public struct State: Codable, Sendable {
    /// Micro-steps accumulated since the last real step.
    public var microStep: Int
    /// The running sum of the gradients.
    public var accumulated: ParameterTree
    public var inner: Inner.State
  }

  public let steps: Int
  public let inner: Inner

  /// `steps` ≥ 1 (a programmer error otherwise).
  public init(steps: Int, _ inner: Inner) {
    precondition(steps >= 1, "AccumulateGradients: steps = \(steps) must be ≥ 1")
    self.steps = steps
    self.inner = inner
  }

  public init(steps: Int, @ChainBuilder _ build: () -> Inner) {
    self.init(steps: steps, build())
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      microStep: 0, accumulated: zerosLike(parameters), inner: inner.initialState(for: parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    guard accumulate(updates, &state) else {
      updates = updates.map { Tensor.zeros(like: $0) }
      return
    }
    updates = takeMean(&state)
    try inner.update(&updates, state: &state.inner, context: innerContext(context))
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    guard accumulate(gradients, &state) else { return }
    let mean = takeMean(&state)
    try inner.apply(
      to: &parameters, gradients: mean, state: &state.inner, context: innerContext(context))
  }

  /// The inner transformation counts its own steps: micro-steps 1…N are its step 1, N+1…2N its
  /// step 2, so its schedules advance once per accumulated step (Optax's `MultiSteps`).
  private func innerContext(_ context: UpdateContext) -> UpdateContext {
    var inner = context
    inner.step = (context.step - 1) / steps + 1
    return inner
  }

  /// Adds the gradients to the buffer; whether this was the k-th micro-step.
  private func accumulate(_ gradients: ParameterTree, _ state: inout State) -> Bool {
    var sum = state.accumulated
    state.accumulated = ParameterTree()
    sum.addInPlace(gradients)
    state.accumulated = sum
    state.microStep += 1
    return state.microStep >= steps
  }

  /// The mean gradient; resets the buffer to zero.
  private func takeMean(_ state: inout State) -> ParameterTree {
    var mean = state.accumulated
    state.accumulated = ParameterTree()
    mapUpdates(
      &mean, parameters: nil, name: "AccumulateGradients", Scale(factor: 1 / Double(steps)))
    state.accumulated = mean.map { Tensor.zeros(like: $0) }
    state.microStep = 0
    return mean
  }
}
