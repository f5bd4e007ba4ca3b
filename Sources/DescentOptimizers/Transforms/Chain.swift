import Descent

/// Transformations applied one after the other, built with a result builder:
///
/// ```swift
/// let adamW = Chain {
///   ClipByGlobalNorm(1)
///   ScaleByAdam()
///   AddDecayedWeights(0.01)
///   ScaleByLearningRate(schedule)
/// }
/// ```
///
/// Optax's `chain`. The chain is generic (a nest of ``Composed`` pairs), so its state is a typed
/// nest of its members' states — `Codable` with no type erasure, and each member's state is
/// reached by name (`state.first.second…`). A chain of one member forwards to that member's fused
/// `apply`; longer chains run `update` member by member and add the result.
public struct Chain<Body: GradientTransformation>: GradientTransformation {
  public typealias State = Body.State
  public let body: Body

  public init(@ChainBuilder _ build: () throws -> Body) rethrows { body = try build() }
  public init(_ body: Body) { self.body = body }

  public func initialState(for parameters: ParameterTree) -> State {
    body.initialState(for: parameters)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    try body.update(&updates, state: &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    try body.apply(to: &parameters, gradients: gradients, state: &state, context: context)
  }
}

/// Two transformations in sequence: `second` transforms what `first` produced.
public struct Composed<First: GradientTransformation, Second: GradientTransformation>:
  GradientTransformation
{
  public struct State: Codable, Sendable {
    public var first: First.State
    public var second: Second.State
  }

  public let first: First
  public let second: Second

  public init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(first: first.initialState(for: parameters), second: second.initialState(for: parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    try first.update(&updates, state: &state.first, context: context)
    try second.update(&updates, state: &state.second, context: context)
  }

  /// `first` transforms the gradients, then `second` takes the whole step with its own `apply`
  /// (for a PyTorch-style optimizer, one fused in-place pass): the same result as adding the
  /// chained updates, since `second.apply` adds `second.update`'s output by contract.
  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    var transformed = gradients
    do {
      var firstContext = context
      firstContext.parameters = parameters
      try first.update(&transformed, state: &state.first, context: firstContext)
    }  // firstContext's reference to the parameters ends here, so `second` writes in place
    try second.apply(
      to: &parameters, gradients: transformed, state: &state.second, context: context)
  }
}

// Capabilities pass through the wrappers, so that a Chain ending in AdaHessian or SophiaH still
// gets the shared-graph Hessian-vector products from a training loop.
extension Composed: HessianVectorProductUser where Second: HessianVectorProductUser {
  public func usesHessianVectorProducts(afterCompletedSteps completedSteps: Int) -> Bool {
    second.usesHessianVectorProducts(afterCompletedSteps: completedSteps)
  }
}

extension Chain: HessianVectorProductUser where Body: HessianVectorProductUser {
  public func usesHessianVectorProducts(afterCompletedSteps completedSteps: Int) -> Bool {
    body.usesHessianVectorProducts(afterCompletedSteps: completedSteps)
  }
}

/// A transformation that is present or not (`if` without `else` in a ``Chain``).
public struct OptionalTransformation<Wrapped: GradientTransformation>: GradientTransformation {
  public typealias State = Wrapped.State?
  public let wrapped: Wrapped?

  public func initialState(for parameters: ParameterTree) -> State {
    wrapped?.initialState(for: parameters)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    guard let wrapped else { return }
    guard var inner = state else {
      preconditionFailure("OptionalTransformation: state is nil but the transformation is present")
    }
    state = nil
    try wrapped.update(&updates, state: &inner, context: context)
    state = inner
  }
}

/// Builds a ``Chain`` from a list of transformations (and `if` blocks).
@resultBuilder
public enum ChainBuilder {
  public static func buildPartialBlock<T: GradientTransformation>(first: T) -> T { first }

  public static func buildPartialBlock<A: GradientTransformation, B: GradientTransformation>(
    accumulated: A, next: B
  ) -> Composed<A, B> {
    Composed(accumulated, next)
  }

  public static func buildOptional<T: GradientTransformation>(_ component: T?)
    -> OptionalTransformation<T>
  {
    OptionalTransformation(wrapped: component)
  }

  public static func buildExpression<T: GradientTransformation>(_ expression: T) -> T { expression }
}
