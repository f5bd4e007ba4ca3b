import Foundation
import RealModule

// Elementwise unary math. Each op is one specialized pass over the elements (a
// `FloatUnaryFunction` or a non-escaping closure handed to `mapElements`); each derivative rule is
// written in differentiable `Tensor` ops, so every op here can be differentiated to any order.

enum Log1pFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .log(onePlus: x) }
}
enum Expm1Function: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .expMinusOne(x) }
}
enum SqrtFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { x.squareRoot() }
}
enum RsqrtFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { 1 / x.squareRoot() }
}
enum SinFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .sin(x) }
}
enum CosFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .cos(x) }
}
enum TanhFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { fastTanh(x) }
}
/// The logistic function (float32: vectorizable, see VectorizableMath.swift; float64: split at 0
/// so that `exp` never overflows).
enum SigmoidFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { fastSigmoid(x) }
}
enum ReciprocalFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { 1 / x }
}
enum SquareFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { x * x }
}

/// `x²` for every dtype; integers wrap on overflow as in PyTorch (Swift's `*` would trap).
func squareElements(_ x: Tensor) -> Tensor {
  switch x.dtype {
  case .float32, .float64: mapFloatUnary(SquareFunction.self, x, "square")
  case .int32: mapElements(x, Int32.self, to: Int32.self) { $0 &* $0 }
  case .uint8: mapElements(x, UInt8.self, to: UInt8.self) { $0 &* $0 }
  }
}
/// `1`, `-1` or `0` (also for NaN, as PyTorch); never forms `-1` for an unsigned type.
enum SignFunction: UnaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ x: T) -> T {
    x > 0 ? 1 : (x < 0 ? 0 - 1 : 0)
  }
}

extension Tensor {
  /// `log(1 + x)` elementwise, accurate for small `x`. Derivative: `1 / (1 + x)`.
  public func log1p() -> Tensor {
    let out = mapFloatUnary(Log1pFunction.self, self, "log1p")
    return record("log1p", out, inputs: [self]) { g, _ in [g / (self + 1)] }
  }

  /// `eˣ − 1` elementwise, accurate for small `x`. Derivative: `eˣ = y + 1`, from the output.
  public func expm1() -> Tensor {
    let out = mapFloatUnary(Expm1Function.self, self, "expm1")
    return record("expm1", out, inputs: [self], savesOutput: true) { g, y in [g * (y + 1)] }
  }

  /// `√x` elementwise (NaN for negative `x`). Derivative: `1 / (2√x)`, from the output.
  public func sqrt() -> Tensor {
    let out = mapFloatUnary(SqrtFunction.self, self, "sqrt")
    return record("sqrt", out, inputs: [self], savesOutput: true) { g, y in [g * 0.5 / y] }
  }

  /// `1 / √x` elementwise. Derivative: `−½ x^(−3/2) = −½ y³`, from the output.
  public func rsqrt() -> Tensor {
    let out = mapFloatUnary(RsqrtFunction.self, self, "rsqrt")
    return record("rsqrt", out, inputs: [self], savesOutput: true) { g, y in
      [g * -0.5 * (y * y * y)]
    }
  }

  /// `|x|` elementwise, for every dtype (`int32.min` stays `int32.min`, as in PyTorch).
  /// Derivative: `sign(x)`, so 0 at `x = 0` as in PyTorch.
  public func abs() -> Tensor {
    let out: Tensor
    switch dtype {
    case .float32: out = mapElements(self, Float.self, to: Float.self) { $0.magnitude }
    case .float64: out = mapElements(self, Double.self, to: Double.self) { $0.magnitude }
    case .int32: out = mapElements(self, Int32.self, to: Int32.self) { $0 < 0 ? 0 &- $0 : $0 }
    case .uint8: return self
    }
    return record("abs", out, inputs: [self]) { g, _ in [g * self.sign()] }
  }

  /// `1`, `0` or `−1` by the sign of each element, for every dtype; 0 for NaN (as PyTorch).
  /// Derivative: 0 everywhere it exists.
  public func sign() -> Tensor {
    let out = applyUnary(SignFunction.self, self)
    return record("sign", out, inputs: [self]) { g, _ in [Tensor.zeros(like: g)] }
  }

  /// `sin x` elementwise. Derivative: `cos x`.
  public func sin() -> Tensor {
    let out = mapFloatUnary(SinFunction.self, self, "sin")
    return record("sin", out, inputs: [self]) { g, _ in [g * self.cos()] }
  }

  /// `cos x` elementwise. Derivative: `−sin x`.
  public func cos() -> Tensor {
    let out = mapFloatUnary(CosFunction.self, self, "cos")
    return record("cos", out, inputs: [self]) { g, _ in [-(g * self.sin())] }
  }

  /// `tanh x` elementwise. Derivative: `1 − y²`, from the output.
  public func tanh() -> Tensor {
    let out =
      dtype == .float32
      ? runBulkFloat(self, VectorizedKernels.tanh) : mapFloatUnary(TanhFunction.self, self, "tanh")
    return record("tanh", out, inputs: [self], savesOutput: true) { g, y in [tanhBackward(g, y)] }
  }

  /// The logistic function `σ(x) = 1 / (1 + e⁻ˣ)` elementwise, computed without overflow.
  /// Derivative: `y (1 − y)`, from the output.
  public func sigmoid() -> Tensor {
    let out =
      dtype == .float32
      ? runBulkFloat(self, VectorizedKernels.sigmoid)
      : mapFloatUnary(SigmoidFunction.self, self, "sigmoid")
    return record("sigmoid", out, inputs: [self], savesOutput: true) { g, y in
      [sigmoidBackward(g, y)]
    }
  }

  /// `x²` elementwise, for every dtype (integers wrap on overflow, as in PyTorch).
  /// Derivative: `2x`.
  public func square() -> Tensor {
    let out = squareElements(self)
    return record("square", out, inputs: [self]) { g, _ in [g * (self * 2)] }
  }

  /// `1 / x` elementwise. Derivative: `−1/x² = −y²`, from the output.
  public func reciprocal() -> Tensor {
    let out = mapFloatUnary(ReciprocalFunction.self, self, "reciprocal")
    return record("reciprocal", out, inputs: [self], savesOutput: true) { g, y in [-(g * (y * y))] }
  }

  /// `xᵖ` elementwise with C `pow` semantics, as PyTorch: a negative base with an integral
  /// exponent is fine (`(−2)³ = −8`), a negative base with a fractional one gives NaN, `0⁰ = 1`.
  ///
  /// Derivative: `p xᵖ⁻¹`, and exactly 0 when `p = 0` (PyTorch's convention, which avoids `0 · ∞`
  /// at `x = 0`). Like PyTorch, exponents 2, 0.5 and −1 run as `square`, `sqrt` and `reciprocal`.
  public func pow(_ exponent: Double) -> Tensor {
    precondition(
      dtype.isFloatingPoint, "pow: needs a floating-point tensor, got \(dtype) \(shape)")
    let out: Tensor
    switch (exponent, dtype) {
    case (1, _): out = applyUnary(IdentityFunction.self, self)
    case (2, _): out = squareElements(self)
    case (0.5, _): out = mapFloatUnary(SqrtFunction.self, self, "pow")
    case (-1, _): out = mapFloatUnary(ReciprocalFunction.self, self, "pow")
    case (_, .float32):
      let p = Float(exponent)
      out = mapElements(self, Float.self, to: Float.self) { Foundation.pow($0, p) }
    default:
      out = mapElements(self, Double.self, to: Double.self) { Foundation.pow($0, exponent) }
    }
    return record("pow", out, inputs: [self]) { g, _ in
      if exponent == 0 { return [Tensor.zeros(like: g)] }
      if exponent == 1 { return [g] }
      if exponent == 2 { return [g * (self * 2)] }
      return [g * (self.pow(exponent - 1) * exponent)]
    }
  }

  /// `aᵇ` elementwise with broadcasting and C `pow` semantics (see ``pow(_:)-(Double)``).
  ///
  /// Derivatives, as PyTorch: with respect to the base `b aᵇ⁻¹` (0 where `b = 0`); with respect to
  /// the exponent `aᵇ log a` (0 where `a = 0` and `b ≥ 0`, where the limit is 0 or the point is a
  /// kink, instead of NaN).
  public func pow(_ exponent: Tensor) -> Tensor {
    checkSameDType(self, exponent, "pow")
    let out: Tensor
    switch dtype {
    case .float32:
      out = zipElements(self, exponent, Float.self, to: Float.self) { Foundation.pow($0, $1) }
    case .float64:
      out = zipElements(self, exponent, Double.self, to: Double.self) { Foundation.pow($0, $1) }
    default:
      preconditionFailure(
        "pow: needs floating-point tensors, got \(dtype) \(shape) and \(exponent.shape)")
    }
    let base = self
    return record("pow", out, inputs: [base, exponent], savesOutput: true) { g, y in
      var gradients: [Tensor?] = [nil, nil]
      if base.isTracked {
        let d = g * exponent * base.pow(exponent - 1)
        gradients[0] = Descent.where(exponent .== 0, 0, d).sumToShape(base.shape)
      }
      if exponent.isTracked {
        let zeroBase = (base .== 0) * (exponent .>= 0)
        gradients[1] = Descent.where(zeroBase, 0, g * y * base.log()).sumToShape(exponent.shape)
      }
      return gradients
    }
  }
}

/// `g (1 − y²)` in one pass: the gradient of `tanh` from its output `y`. Differentiable:
/// its derivatives are `1 − y²` for `g` and `−2 g y` for `y`.
func tanhBackward(_ g: Tensor, _ y: Tensor) -> Tensor {
  let out = applyFloatBinary(TanhBackwardFunction.self, g, y, "tanh")
  return record("tanhBackward", out, inputs: [g, y]) { gg, _ in
    [g.isTracked ? tanhBackward(gg, y) : nil, y.isTracked ? gg * g * y * -2 : nil]
  }
}

/// `g y (1 − y)` in one pass: the gradient of `sigmoid` from its output `y`. Differentiable:
/// its derivatives are `y (1 − y)` for `g` and `g (1 − 2y)` for `y`.
func sigmoidBackward(_ g: Tensor, _ y: Tensor) -> Tensor {
  let out = applyFloatBinary(SigmoidBackwardFunction.self, g, y, "sigmoid")
  return record("sigmoidBackward", out, inputs: [g, y]) { gg, _ in
    [g.isTracked ? sigmoidBackward(gg, y) : nil, y.isTracked ? gg * g * (1 - y * 2) : nil]
  }
}

enum TanhBackwardFunction: FloatBinaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ g: T, _ y: T) -> T { g * (1 - y * y) }
}
enum SigmoidBackwardFunction: FloatBinaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ g: T, _ y: T) -> T { g * (y * (1 - y)) }
}

enum IdentityFunction: UnaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ x: T) -> T { x }
}
