import Descent

/// Multiplies the updates by `−learningRate` (the descent sign included), the learning rate
/// following its schedule.
///
/// ```
/// u ← −η(count) · u;  count ← count + 1
/// ```
///
/// Optax's `scale_by_learning_rate` (with `flip_sign=True`). The schedule is read at the 0-based
/// count of steps this transformation has taken, so inside ``AccumulateGradients`` it advances
/// once per real step. Default: none (the learning rate is required).
public struct ScaleByLearningRate: GradientTransformation {
  public struct State: Codable, Sendable, Equatable {
    public var count: Int
  }

  public let learningRate: Hyperparameter

  public init(_ learningRate: Hyperparameter) { self.learningRate = learningRate }

  public func initialState(for parameters: ParameterTree) -> State { State(count: 0) }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let scale = -learningRate.value(atStep: state.count)
    state.count += 1
    mapUpdates(&updates, parameters: nil, name: "ScaleByLearningRate", Scale(factor: scale))
  }
}

struct Scale: UpdateMap {
  let factor: Double
  @inline(__always) func callAsFunction<T: TensorFloat>(_ u: T, _ p: T) -> T { u * T(factor) }
}
