import Descent

/// The bytes an optimizer state holds in tensors: every `Tensor` (count × dtype size), every
/// ``ParameterTree`` and every ``QuantizedTensor`` (codes plus absmax) reachable from `state`
/// through stored properties, arrays and optionals. Scalars (step counts) are not counted.
///
/// Reflection keeps this one function valid for every optimizer's state type, present and future;
/// it runs once per report, never inside a step.
public func stateBytes(of state: Any) -> Int {
  switch state {
  case let tensor as Tensor: return tensor.count * tensor.dtype.byteSize
  case let tree as ParameterTree:
    return tree.tensors.reduce(0) { $0 + $1.count * $1.dtype.byteSize }
  case let quantized as QuantizedTensor: return quantized.byteCount
  default: return Mirror(reflecting: state).children.reduce(0) { $0 + stateBytes(of: $1.value) }
  }
}

extension GradientTransformation {
  /// The bytes `state` holds in tensors (see ``stateBytes(of:)``).
  public func stateBytes(_ state: State) -> Int { DescentOptimizers.stateBytes(of: state) }
}

extension Optimizer {
  /// The bytes the optimizer's current state holds in tensors (moments, 8-bit codes and scales).
  public var stateBytes: Int {
    state(as: Any.self).map { DescentOptimizers.stateBytes(of: $0) } ?? 0
  }
}
