// Elementwise arithmetic with NumPy broadcasting. A broadcast operand's gradient is summed back
// to its own shape (`sumToShape`).

enum AddFunction: BinaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a + b }
}
enum SubtractFunction: BinaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a - b }
}
enum MultiplyFunction: BinaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a * b }
}
enum DivideFunction: BinaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a / b }
}
enum NegateFunction: UnaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ x: T) -> T { 0 - x }
}

extension Tensor {
  /// `lhs + rhs`, broadcasting.
  public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = applyBinary(AddFunction.self, lhs, rhs, "add")
    return record("add", out, inputs: [lhs, rhs]) { g, _ in
      [g.sumToShape(lhs.shape), g.sumToShape(rhs.shape)]
    }
  }

  /// `lhs - rhs`, broadcasting.
  public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = applyBinary(SubtractFunction.self, lhs, rhs, "subtract")
    return record("subtract", out, inputs: [lhs, rhs]) { g, _ in
      [g.sumToShape(lhs.shape), (-g).sumToShape(rhs.shape)]
    }
  }

  /// `lhs * rhs` elementwise, broadcasting.
  public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = applyBinary(MultiplyFunction.self, lhs, rhs, "multiply")
    return record("multiply", out, inputs: [lhs, rhs]) { g, _ in
      [
        lhs.isTracked ? (g * rhs).sumToShape(lhs.shape) : nil,
        rhs.isTracked ? (g * lhs).sumToShape(rhs.shape) : nil,
      ]
    }
  }

  /// `lhs / rhs` elementwise, broadcasting (truncating for integer dtypes).
  public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
    let out = applyBinary(DivideFunction.self, lhs, rhs, "divide")
    return record("divide", out, inputs: [lhs, rhs]) { g, _ in
      [
        lhs.isTracked ? (g / rhs).sumToShape(lhs.shape) : nil,
        rhs.isTracked ? (-g * lhs / (rhs * rhs)).sumToShape(rhs.shape) : nil,
      ]
    }
  }

  /// `-x`.
  public static prefix func - (x: Tensor) -> Tensor {
    let out = applyUnary(NegateFunction.self, x)
    return record("negate", out, inputs: [x]) { g, _ in [-g] }
  }

  // Scalars take the dtype of the tensor they meet.
  public static func + (lhs: Tensor, rhs: Double) -> Tensor { lhs + lhs.scalar(rhs) }
  public static func + (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalar(lhs) + rhs }
  public static func - (lhs: Tensor, rhs: Double) -> Tensor { lhs - lhs.scalar(rhs) }
  public static func - (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalar(lhs) - rhs }
  public static func * (lhs: Tensor, rhs: Double) -> Tensor { lhs * lhs.scalar(rhs) }
  public static func * (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalar(lhs) * rhs }
  public static func / (lhs: Tensor, rhs: Double) -> Tensor { lhs / lhs.scalar(rhs) }
  public static func / (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalar(lhs) / rhs }

  public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
  public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
  public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
  public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }

  /// Sums a broadcast result back to `shape` (the gradient of broadcasting to this tensor's shape).
  public func sumToShape(_ target: [Int]) -> Tensor {
    if shape == target { return self }
    precondition(
      target.count <= rank, "sumToShape: cannot reduce shape \(shape) to higher-rank \(target)")
    let lead = rank - target.count
    var axes = Array(0..<lead)
    for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
    for i in 0..<target.count {
      precondition(
        target[i] == 1 || target[i] == shape[lead + i],
        "sumToShape: shape \(shape) was not broadcast from \(target)")
    }
    return sum(axes: axes, keepDims: true).reshaped(target)
  }
}
