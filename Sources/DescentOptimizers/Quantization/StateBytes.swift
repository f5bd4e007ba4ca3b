import Descent

/// The bytes of an optimizer state's values: every `Tensor` (count × dtype size), every
/// ``ParameterTree`` and every ``QuantizedTensor`` (codes plus absmax), and every floating-point
/// scalar or array (`Double`, `Float`, `[Double]`, `[Float]`: AdaGrad-Norm's scalar accumulator,
/// M-FAC's gradient history) reachable from `state` through stored properties, arrays and
/// optionals. Integers (step counts, ring-buffer positions) are bookkeeping and not counted.
///
/// Reflection keeps this one function valid for every optimizer's state type, present and future;
/// it runs once per report, never inside a step.
public func stateBytes(of state: Any) -> Int {
  switch state {
  case let tensor as Tensor: return tensor.count * tensor.dtype.byteSize
  case let tree as ParameterTree:
    return tree.tensors.reduce(0) { $0 + $1.count * $1.dtype.byteSize }
  case let quantized as QuantizedTensor: return quantized.byteCount
  case is Double: return MemoryLayout<Double>.size
  case is Float: return MemoryLayout<Float>.size
  case let values as [Double]: return values.count * MemoryLayout<Double>.size
  case let values as [Float]: return values.count * MemoryLayout<Float>.size
  default: return Mirror(reflecting: state).children.reduce(0) { $0 + stateBytes(of: $1.value) }
  }
}

extension GradientTransformation {
  /// The bytes of `state`'s values (see ``stateBytes(of:)``).
  public func stateBytes(_ state: State) -> Int { DescentOptimizers.stateBytes(of: state) }
}

extension Optimizer {
  /// The bytes of the optimizer's current state (moments, 8-bit codes and scales, scalar
  /// accumulators; see ``stateBytes(of:)``).
  public var stateBytes: Int {
    state(as: Any.self).map { DescentOptimizers.stateBytes(of: $0) } ?? 0
  }
}
