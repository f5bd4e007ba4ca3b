import RealModule

/// The element type of a ``Tensor``, chosen at run time.
///
/// `float32` is the default for data and models; `float64` serves gradient checks, solvers and
/// exact comparisons; `int32` holds indices and labels; `uint8` raw bytes (images, 8-bit state).
public enum DType: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
  case float32
  case float64
  case int32
  case uint8

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .float32, .int32: 4
    case .float64: 8
    case .uint8: 1
    }
  }

  /// Whether values of this type are floating point (and so differentiable).
  public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

  public var description: String { rawValue }
}

/// A Swift scalar type that a ``Tensor`` can store.
public protocol TensorScalar: Numeric, Comparable, Sendable {
  static var dtype: DType { get }
  /// Division: IEEE for floating point, truncating for integers.
  static func / (lhs: Self, rhs: Self) -> Self
  /// The least value (`-infinity` for floating point), the identity of `max`.
  static var lowest: Self { get }
  /// The greatest value (`+infinity` for floating point), the identity of `min`.
  static var highest: Self { get }
  init(exactlyOrClamping value: Double)
  var doubleValue: Double { get }
}

extension Float: TensorScalar {
  public static var dtype: DType { .float32 }
  public static var lowest: Float { -.infinity }
  public static var highest: Float { .infinity }
  @inlinable public init(exactlyOrClamping value: Double) { self = Float(value) }
  @inlinable public var doubleValue: Double { Double(self) }
}

extension Double: TensorScalar {
  public static var dtype: DType { .float64 }
  public static var lowest: Double { -.infinity }
  public static var highest: Double { .infinity }
  @inlinable public init(exactlyOrClamping value: Double) { self = value }
  @inlinable public var doubleValue: Double { self }
}

extension Int32: TensorScalar {
  public static var dtype: DType { .int32 }
  public static var lowest: Int32 { .min }
  public static var highest: Int32 { .max }
  @inlinable public init(exactlyOrClamping value: Double) {
    if value.isNaN { self = 0 } else if value >= 2_147_483_647 { self = .max } else if value
      <= -2_147_483_648
    {
      self = .min
    } else { self = Int32(value.rounded(.towardZero)) }
  }
  @inlinable public var doubleValue: Double { Double(self) }
}

extension UInt8: TensorScalar {
  public static var dtype: DType { .uint8 }
  public static var lowest: UInt8 { .min }
  public static var highest: UInt8 { .max }
  @inlinable public init(exactlyOrClamping value: Double) {
    if value.isNaN || value <= 0 { self = 0 } else if value >= 255 { self = 255 } else {
      self = UInt8(value.rounded(.towardZero))
    }
  }
  @inlinable public var doubleValue: Double { Double(self) }
}

/// A floating-point ``TensorScalar`` (`Float`, `Double`) with the elementary functions of
/// swift-numerics.
public protocol TensorFloat: TensorScalar, Real, BinaryFloatingPoint, SIMDScalar, Codable {}
extension Float: TensorFloat {}
extension Double: TensorFloat {}
