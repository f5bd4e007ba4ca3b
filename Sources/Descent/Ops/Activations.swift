import RealModule

// Activation functions with PyTorch's definitions and defaults. Forward passes are single fused
// kernels; the backward passes of the smooth ones (`gelu`, `silu`) use a fused derivative op, whose
// own derivative is written in differentiable ops, so every order is available.

/// A scalar function with parameters (slope, alpha, ...), applied to every element of a
/// floating-point tensor. The generic call specializes into one loop per dtype.
protocol FloatElementMap {
  func callAsFunction<T: TensorFloat>(_ x: T) -> T
}

func applyFloatMap<F: FloatElementMap>(_ f: F, _ x: Tensor, _ name: String) -> Tensor {
  switch x.dtype {
  case .float32: return mapElements(x, Float.self, to: Float.self) { f($0) }
  case .float64: return mapElements(x, Double.self, to: Double.self) { f($0) }
  default: preconditionFailure("\(name): needs a floating-point tensor, got \(x.dtype) \(x.shape)")
  }
}

/// `1` where `x · scale > threshold`, else 0, as `uint8`: the masks of the piecewise activations.
func maskAbove(_ x: Tensor, scale: Double = 1, threshold: Double = 0) -> Tensor {
  switch x.dtype {
  case .float32:
    let (s, t) = (Float(scale), Float(threshold))
    return mapElements(x, Float.self, to: UInt8.self) { $0 * s > t ? 1 : 0 }
  case .float64:
    return mapElements(x, Double.self, to: UInt8.self) { $0 * scale > threshold ? 1 : 0 }
  case .int32:
    return mapElements(x, Int32.self, to: UInt8.self) { Double($0) * scale > threshold ? 1 : 0 }
  case .uint8:
    return mapElements(x, UInt8.self, to: UInt8.self) { Double($0) * scale > threshold ? 1 : 0 }
  }
}

/// SELU's constants (Klambauer et al. 2017, "Self-Normalizing Neural Networks", arXiv:1706.02515),
/// as in PyTorch.
public enum SELU {
  public static let alpha = 1.6732632423543772848170429916717
  public static let scale = 1.0507009873554804934193349852946
}

/// How ``Tensor/gelu(approximation:)`` evaluates the Gaussian CDF.
public enum GELUApproximation: Sendable {
  /// `x Φ(x)` with the exact `erf`.
  case none
  /// `½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
  case tanh
}

extension Tensor {
  /// `max(x, 0)` elementwise, for every dtype; NaN stays NaN. Derivative: 1 where `x > 0`, else
  /// 0 (0 at `x = 0`, as PyTorch).
  public func relu() -> Tensor {
    let out = applyUnary(ReluFunction.self, self)
    return record("relu", out, inputs: [self]) { g, _ in [Descent.where(maskAbove(self), g, 0)] }
  }

  /// `x` for `x > 0`, else `negativeSlope · x` (PyTorch `leaky_relu`, default slope 0.01).
  /// Derivative: 1 or `negativeSlope` (the latter at `x = 0`).
  public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor {
    let out = applyFloatMap(LeakyReluMap(slope: negativeSlope), self, "leakyRelu")
    return record("leakyRelu", out, inputs: [self]) { g, _ in
      [Descent.where(maskAbove(self), g, g * negativeSlope)]
    }
  }

  /// `x` for `x > 0`, else `α (eˣ − 1)` (PyTorch `elu`, default `α = 1`).
  /// Derivative: 1 for `x > 0`, else `α eˣ = y + α`, from the output.
  public func elu(alpha: Double = 1) -> Tensor {
    let out = applyFloatMap(ELUMap(alpha: alpha, scale: 1), self, "elu")
    return record("elu", out, inputs: [self], savesOutput: true) { g, y in
      [Descent.where(maskAbove(self), g, g * (y + alpha))]
    }
  }

  /// `λ · elu(x, α)` with SELU's fixed `λ` and `α` (see ``SELU``), as PyTorch `selu`.
  /// Derivative: `λ` for `x > 0`, else `λ α eˣ = y + λ α`, from the output.
  public func selu() -> Tensor {
    let out = applyFloatMap(ELUMap(alpha: SELU.alpha, scale: SELU.scale), self, "selu")
    return record("selu", out, inputs: [self], savesOutput: true) { g, y in
      [Descent.where(maskAbove(self), g * SELU.scale, g * (y + SELU.scale * SELU.alpha))]
    }
  }

  /// The Gaussian error linear unit `x Φ(x)` (Hendrycks & Gimpel 2016, arXiv:1606.08415), as
  /// PyTorch `gelu`: exact `½ x (1 + erf(x/√2))`, or with `.tanh` the approximation
  /// `½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
  ///
  /// Derivative: `Φ(x) + x φ(x)` (exact), or the derivative of the approximation; each is a fused
  /// op whose own derivative is composed of differentiable ops.
  public func gelu(approximation: GELUApproximation = .none) -> Tensor {
    switch approximation {
    case .none:
      // float32: the AVX-512/AVX2 C kernel of the same formula (Swift's loop stays SSE2).
      let out =
        dtype == .float32
        ? runBulkFloat(self, VectorizedKernels.gelu) : mapFloatUnary(GELUFunction.self, self, "gelu")
      return record("gelu", out, inputs: [self]) { g, _ in [g * self.geluDerivative()] }
    case .tanh:
      let out = mapFloatUnary(GELUTanhFunction.self, self, "gelu")
      return record("gelu", out, inputs: [self]) { g, _ in [g * self.geluTanhDerivative()] }
    }
  }

  /// `Φ(x) + x φ(x)`. Its derivative is `φ(x) (2 − x²)`.
  func geluDerivative() -> Tensor {
    let out =
      dtype == .float32
      ? runBulkFloat(self, VectorizedKernels.geluDerivative)
      : mapFloatUnary(GELUDerivativeFunction.self, self, "gelu")
    return record("geluDerivative", out, inputs: [self]) { g, _ in
      let x2 = self * self
      return [g * ((x2 * -0.5).exp() * (2 - x2) * (1 / (2 * Double.pi).squareRoot()))]
    }
  }

  /// The derivative of the tanh approximation of GELU: with `u = k (x + c x³)`, `t = tanh u`,
  /// `u' = k (1 + 3c x²)`, it is `½ (1 + t) + ½ x (1 − t²) u'`; its own derivative is
  /// `(1 − t²) (u' − x t u'² + 3 k c x²)`.
  func geluTanhDerivative() -> Tensor {
    let out = mapFloatUnary(GELUTanhDerivativeFunction.self, self, "gelu")
    return record("geluTanhDerivative", out, inputs: [self]) { g, _ in
      let (k, c) = (GELUTanhFunction.k, GELUTanhFunction.c)
      let x2 = self * self
      let t = (self * (x2 * c + 1) * k).tanh()
      let du = (x2 * (3 * c) + 1) * k
      let second = (1 - t * t) * (du - self * t * du * du + x2 * (3 * k * c))
      return [g * second]
    }
  }

  /// `log(1 + e^(βx)) / β`, or `x` where `βx > threshold` (PyTorch `softplus`, defaults `β = 1`,
  /// threshold 20). Derivative: `σ(βx)`, or 1 where `βx > threshold`.
  public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
    let out = applyFloatMap(SoftplusMap(beta: beta, threshold: threshold), self, "softplus")
    return record("softplus", out, inputs: [self]) { g, _ in
      [
        Descent.where(
          maskAbove(self, scale: beta, threshold: threshold), g, g * (self * beta).sigmoid())
      ]
    }
  }

  /// The sigmoid linear unit `x σ(x)` (also called swish), as PyTorch `silu`.
  /// Derivative: `σ(x) (1 + x (1 − σ(x)))`, a fused op.
  public func silu() -> Tensor {
    let out = mapFloatUnary(SiLUFunction.self, self, "silu")
    return record("silu", out, inputs: [self]) { g, _ in [g * self.siluDerivative()] }
  }

  /// `σ(x) (1 + x (1 − σ(x)))`. Its derivative is `σ(1 − σ) (2 + x (1 − 2σ))`.
  func siluDerivative() -> Tensor {
    let out = mapFloatUnary(SiLUDerivativeFunction.self, self, "silu")
    return record("siluDerivative", out, inputs: [self]) { g, _ in
      let s = self.sigmoid()
      return [g * (s * (1 - s) * (2 + self * (1 - 2 * s)))]
    }
  }
}

// MARK: - Kernels

enum ReluFunction: UnaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ x: T) -> T { x <= 0 ? 0 : x }
}

struct LeakyReluMap: FloatElementMap {
  let slope: Double
  @inline(__always) func callAsFunction<T: TensorFloat>(_ x: T) -> T {
    x > 0 ? x : x * T(slope)
  }
}

/// `scale · (x > 0 ? x : α (eˣ − 1))`: ELU (`scale` 1) and SELU.
struct ELUMap: FloatElementMap {
  let alpha: Double
  let scale: Double
  @inline(__always) func callAsFunction<T: TensorFloat>(_ x: T) -> T {
    T(scale) * (x > 0 ? x : T(alpha) * fastExpMinusOne(x))
  }
}

struct SoftplusMap: FloatElementMap {
  let beta: Double
  let threshold: Double
  @inline(__always) func callAsFunction<T: TensorFloat>(_ x: T) -> T {
    let bx = x * T(beta)
    return bx > T(threshold) ? x : logOnePlusExp(bx) / T(beta)
  }
}

enum GELUFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T {
    x * normalCDF(x)
  }
}

enum GELUDerivativeFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T {
    let cdf = normalCDF(x)
    let pdf = fastExp(-0.5 * x * x) * 0.398_942_280_401_432_7  // 1/√(2π)
    return cdf + x * pdf
  }
}

enum GELUTanhFunction: FloatUnaryFunction {
  // Literals, not computed `static let`s: a lazily initialized global in the loop would stop it
  // from vectorizing.
  static var k: Double { 0.797_884_560_802_865_4 }  // √(2/π)
  static var c: Double { 0.044715 }
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T {
    let u: T = 0.797_884_560_802_865_4 * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1 + fastTanh(u))
  }
}

enum GELUTanhDerivativeFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T {
    let (k, c) = (T(GELUTanhFunction.k), T(GELUTanhFunction.c))
    let t = fastTanh(k * (x + c * x * x * x))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
  }
}

enum SiLUFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { x * SigmoidFunction.apply(x) }
}

enum SiLUDerivativeFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T {
    let s = SigmoidFunction.apply(x)
    return s * (1 + x * (1 - s))
  }
}
