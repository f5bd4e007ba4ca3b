// Conversion between dtypes.

extension Tensor {
  /// The elements converted to `dtype` (PyTorch `Tensor.to(dtype)`); the same tensor when the
  /// dtype already matches.
  ///
  /// - float → float: rounded to nearest.
  /// - float → `int32`: truncated toward zero; out of range saturates and NaN becomes 0 (PyTorch
  ///   leaves these undefined).
  /// - float → `uint8`: truncated toward zero, then wrapped modulo 256 like PyTorch
  ///   (`-1.5 → 255`, `300 → 44`).
  /// - integer → integer: wrapped modulo 2ⁿ like PyTorch and NumPy (`int32` 300 → `uint8` 44).
  /// - integer → float: exact for `float64`, rounded for `float32`.
  ///
  /// Derivative, between floating-point dtypes: the gradient cast back to this tensor's dtype.
  /// Casts to or from an integer dtype are not differentiable.
  public func cast(to target: DType) -> Tensor {
    if target == dtype { return self }
    let out: Tensor
    switch dtype {
    case .float32: out = castElements(self, Float.self, to: target)
    case .float64: out = castElements(self, Double.self, to: target)
    case .int32: out = castElements(self, Int32.self, to: target)
    case .uint8: out = castElements(self, UInt8.self, to: target)
    }
    guard target.isFloatingPoint else { return out }
    let source = dtype
    return record("cast", out, inputs: [self]) { g, _ in [g.cast(to: source)] }
  }
}

/// One pass converting `T` elements to `target`. Every source value goes through `Double`, which
/// holds all of them exactly, except integer → integer, which wraps.
@inline(__always)
func castElements<T: TensorScalar>(_ x: Tensor, _ t: T.Type, to target: DType) -> Tensor {
  let isInteger = !T.dtype.isFloatingPoint
  switch target {
  case .float32: return mapElements(x, T.self, to: Float.self) { Float($0.doubleValue) }
  case .float64: return mapElements(x, T.self, to: Double.self) { $0.doubleValue }
  case .int32:
    if T.self == UInt8.self {
      return mapElements(x, T.self, to: Int32.self) { Int32($0.doubleValue) }
    }
    return mapElements(x, T.self, to: Int32.self) { Int32(exactlyOrClamping: $0.doubleValue) }
  case .uint8:
    if isInteger {
      return mapElements(x, T.self, to: UInt8.self) {
        UInt8(truncatingIfNeeded: Int32($0.doubleValue))
      }
    }
    return mapElements(x, T.self, to: UInt8.self) {
      UInt8(truncatingIfNeeded: Int32(exactlyOrClamping: $0.doubleValue))
    }
  }
}
