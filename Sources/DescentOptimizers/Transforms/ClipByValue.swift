import Descent

/// Clips every update element to `[minimum, maximum]`.
///
/// ```
/// u ← min(max(u, minimum), maximum)
/// ```
///
/// Optax's `clip`; PyTorch's `torch.nn.utils.clip_grad_value_` with `minimum = −maximum`.
/// NaN stays NaN.
public struct ClipByValue: GradientTransformation {
  public typealias State = EmptyState
  public let minimum: Double
  public let maximum: Double

  /// Clips to `[−limit, limit]`.
  public init(_ limit: Double) { self.init(minimum: -limit, maximum: limit) }

  /// `minimum ≤ maximum` (a programmer error otherwise).
  public init(minimum: Double, maximum: Double) {
    precondition(
      minimum <= maximum, "ClipByValue: minimum = \(minimum) > maximum = \(maximum)")
    self.minimum = minimum
    self.maximum = maximum
  }

  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    mapUpdates(&updates, parameters: nil, name: "ClipByValue", Clip(low: minimum, high: maximum))
  }
}

struct Clip: UpdateMap {
  let low, high: Double
  @inline(__always) func callAsFunction<T: TensorFloat>(_ u: T, _ p: T) -> T {
    u.isNaN ? u : Swift.min(Swift.max(u, T(low)), T(high))
  }
}
