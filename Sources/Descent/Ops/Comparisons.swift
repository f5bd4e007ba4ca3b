// Elementwise comparisons and floating-point classification. Results are `uint8` tensors of 0 and
// 1 (PyTorch's `bool`), never differentiable; use them as masks with `where(_:_:_:)` or
// `cast(to:)`.

enum LessFunction: ScalarComparison {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool { a < b }
}
enum LessOrEqualFunction: ScalarComparison {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool { a <= b }
}
enum GreaterFunction: ScalarComparison {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool { a > b }
}
enum GreaterOrEqualFunction: ScalarComparison {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool { a >= b }
}
enum EqualFunction: ScalarComparison {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool { a == b }
}
enum NotEqualFunction: ScalarComparison {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool { a != b }
}

/// Compares every element of `x` with one scalar.
///
/// Floating-point tensors compare with the scalar rounded to their dtype (PyTorch's rule for a
/// Python number); integer tensors compare exactly in `Double`, so `x .< 0.5` is right for `int32`.
func compareWithScalar<F: ScalarComparison>(
  _ f: F.Type, _ x: Tensor, _ scalar: Double, flipped: Bool
)
  -> Tensor
{
  switch x.dtype {
  case .float32:
    let s = Float(scalar)
    return flipped
      ? mapElements(x, Float.self, to: UInt8.self) { F.apply(s, $0) ? 1 : 0 }
      : mapElements(x, Float.self, to: UInt8.self) { F.apply($0, s) ? 1 : 0 }
  case .float64:
    return flipped
      ? mapElements(x, Double.self, to: UInt8.self) { F.apply(scalar, $0) ? 1 : 0 }
      : mapElements(x, Double.self, to: UInt8.self) { F.apply($0, scalar) ? 1 : 0 }
  case .int32:
    return flipped
      ? mapElements(x, Int32.self, to: UInt8.self) { F.apply(scalar, Double($0)) ? 1 : 0 }
      : mapElements(x, Int32.self, to: UInt8.self) { F.apply(Double($0), scalar) ? 1 : 0 }
  case .uint8:
    return flipped
      ? mapElements(x, UInt8.self, to: UInt8.self) { F.apply(scalar, Double($0)) ? 1 : 0 }
      : mapElements(x, UInt8.self, to: UInt8.self) { F.apply(Double($0), scalar) ? 1 : 0 }
  }
}

extension Tensor {
  /// `lhs < rhs` elementwise with broadcasting, as a `uint8` tensor of 0 and 1. Operands must
  /// have the same dtype. Any comparison with NaN is false, except `.!=`, which is true.
  public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor {
    applyComparison(LessFunction.self, lhs, rhs, "<")
  }
  /// `lhs ≤ rhs` elementwise (see ``.<(_:_:)-(Tensor,Tensor)``).
  public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor {
    applyComparison(LessOrEqualFunction.self, lhs, rhs, "<=")
  }
  /// `lhs > rhs` elementwise (see ``.<(_:_:)-(Tensor,Tensor)``).
  public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor {
    applyComparison(GreaterFunction.self, lhs, rhs, ">")
  }
  /// `lhs ≥ rhs` elementwise (see ``.<(_:_:)-(Tensor,Tensor)``).
  public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor {
    applyComparison(GreaterOrEqualFunction.self, lhs, rhs, ">=")
  }
  /// `lhs = rhs` elementwise (see ``.<(_:_:)-(Tensor,Tensor)``).
  public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor {
    applyComparison(EqualFunction.self, lhs, rhs, "==")
  }
  /// `lhs ≠ rhs` elementwise (see ``.<(_:_:)-(Tensor,Tensor)``).
  public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor {
    applyComparison(NotEqualFunction.self, lhs, rhs, "!=")
  }

  // A scalar operand compares with every element (see `compareWithScalar`).
  public static func .< (lhs: Tensor, rhs: Double) -> Tensor {
    compareWithScalar(LessFunction.self, lhs, rhs, flipped: false)
  }
  public static func .< (lhs: Double, rhs: Tensor) -> Tensor {
    compareWithScalar(LessFunction.self, rhs, lhs, flipped: true)
  }
  public static func .<= (lhs: Tensor, rhs: Double) -> Tensor {
    compareWithScalar(LessOrEqualFunction.self, lhs, rhs, flipped: false)
  }
  public static func .<= (lhs: Double, rhs: Tensor) -> Tensor {
    compareWithScalar(LessOrEqualFunction.self, rhs, lhs, flipped: true)
  }
  public static func .> (lhs: Tensor, rhs: Double) -> Tensor {
    compareWithScalar(GreaterFunction.self, lhs, rhs, flipped: false)
  }
  public static func .> (lhs: Double, rhs: Tensor) -> Tensor {
    compareWithScalar(GreaterFunction.self, rhs, lhs, flipped: true)
  }
  public static func .>= (lhs: Tensor, rhs: Double) -> Tensor {
    compareWithScalar(GreaterOrEqualFunction.self, lhs, rhs, flipped: false)
  }
  public static func .>= (lhs: Double, rhs: Tensor) -> Tensor {
    compareWithScalar(GreaterOrEqualFunction.self, rhs, lhs, flipped: true)
  }
  public static func .== (lhs: Tensor, rhs: Double) -> Tensor {
    compareWithScalar(EqualFunction.self, lhs, rhs, flipped: false)
  }
  public static func .== (lhs: Double, rhs: Tensor) -> Tensor {
    compareWithScalar(EqualFunction.self, rhs, lhs, flipped: true)
  }
  public static func .!= (lhs: Tensor, rhs: Double) -> Tensor {
    compareWithScalar(NotEqualFunction.self, lhs, rhs, flipped: false)
  }
  public static func .!= (lhs: Double, rhs: Tensor) -> Tensor {
    compareWithScalar(NotEqualFunction.self, rhs, lhs, flipped: true)
  }

  /// 1 where an element is NaN, else 0 (`uint8`); all 0 for integer dtypes.
  public func isNaN() -> Tensor {
    switch dtype {
    case .float32: mapElements(self, Float.self, to: UInt8.self) { $0.isNaN ? 1 : 0 }
    case .float64: mapElements(self, Double.self, to: UInt8.self) { $0.isNaN ? 1 : 0 }
    case .int32, .uint8: Tensor.zeros(shape, dtype: .uint8)
    }
  }

  /// 1 where an element is neither infinite nor NaN, else 0 (`uint8`); all 1 for integer dtypes.
  public func isFinite() -> Tensor {
    switch dtype {
    case .float32: mapElements(self, Float.self, to: UInt8.self) { $0.isFinite ? 1 : 0 }
    case .float64: mapElements(self, Double.self, to: UInt8.self) { $0.isFinite ? 1 : 0 }
    case .int32, .uint8: Tensor.ones(shape, dtype: .uint8)
    }
  }
}
