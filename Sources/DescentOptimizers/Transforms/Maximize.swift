import Descent

/// Negates the updates, so that the transformations after it ascend rather than descend.
///
/// ```
/// u ← −u
/// ```
///
/// Place it first in a ``Chain`` (on the raw gradient), as PyTorch's `maximize=True` does.
public struct Maximize: GradientTransformation {
  public typealias State = EmptyState
  public init() {}
  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    mapUpdates(&updates, parameters: nil, name: "Maximize", Negate())
  }
}

struct Negate: UpdateMap {
  @inline(__always) func callAsFunction<T: TensorFloat>(_ u: T, _ p: T) -> T { -u }
}
