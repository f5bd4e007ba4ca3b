import CDescentKernels

// Single-precision `exp`, `expm1`, `tanh`, `sigmoid`, `erfc` and `log(1 + eˣ)` written as branch-free arithmetic, so that loops
// calling them auto-vectorize (a libm call in a loop stays scalar: ~6 ns per element).
//
// Algorithms from Cephes (S. L. Moshier), the same family as PyTorch's SLEEF/Cephes-derived
// kernels: `exp` by range reduction `x = n ln2 + r` and a degree-6 polynomial for `eʳ`, then a
// scale by `2ⁿ` assembled from exponent bits in two halves (so subnormal results come out
// right); `tanh` by a polynomial for |x| < 0.625 and `1 − 2/(e²ˣ + 1)` above. Measured against
// float64 over dense grids in the tests: relative error within a few float32 ulps.
//
// Double precision keeps libm (through swift-numerics): gradient checks and solvers need every bit.

// `exp`, `tanh` and `sigmoid` are the scalar forms of CDescentKernels (one implementation, shared
// with the bulk AVX-512/AVX2 kernels behind `Tensor.exp()`, `tanh()` and `sigmoid()`); Swift
// inlines them into its loops.

@inline(__always)
func vectorizableExp(_ x: Float) -> Float { descent_exp_scalar(x) }

@inline(__always)
func vectorizableTanh(_ x: Float) -> Float { descent_tanh_scalar(x) }

/// `1/(1 + e⁻ˣ)` for `x ≥ 0`, `eˣ/(1 + eˣ)` below: never overflows, full relative precision down
/// to subnormal results.
@inline(__always)
func vectorizableSigmoid(_ x: Float) -> Float { descent_sigmoid_scalar(x) }

/// `eˣ − 1`: a degree-8 Taylor polynomial for |x| < ½ (truncation below 10⁻⁸ relative), else
/// `exp(x) − 1`, whose cancellation costs at most a factor 2.6 in relative error.
@inline(__always)
func vectorizableExpMinusOne(_ x: Float) -> Float {
  var p: Float = 1.0 / 40320
  p = p * x + 1.0 / 5040
  p = p * x + 1.0 / 720
  p = p * x + 1.0 / 120
  p = p * x + 1.0 / 24
  p = p * x + 1.0 / 6
  p = p * x + 0.5
  p = p * x + 1
  let small = p * x
  let large = vectorizableExp(x) - 1
  return x.magnitude < 0.5 ? small : large
}

/// `log(1 + u)` for `0 ≤ u ≤ 1` only: `2 atanh(s)` with `s = u/(2 + u) ≤ ⅓`, by its odd series
/// to `s¹⁵` (truncation below 10⁻⁸ relative).
@inline(__always)
func vectorizableLogOnePlusUnit(_ u: Float) -> Float {
  let s = u / (2 + u)
  let z = s * s
  var p: Float = 1.0 / 15
  p = p * z + 1.0 / 13
  p = p * z + 1.0 / 11
  p = p * z + 1.0 / 9
  p = p * z + 1.0 / 7
  p = p * z + 1.0 / 5
  p = p * z + 1.0 / 3
  p = p * z + 1
  return 2 * s * p
}

/// `log(1 + eˣ)` as `max(x, 0) + log(1 + e^(−|x|))`: no overflow, full relative precision for
/// very negative `x`.
@inline(__always)
func logOnePlusExp<T: TensorFloat>(_ x: T) -> T {
  let positive = x > 0 ? x : 0
  if T.self == Float.self {
    let f = unsafeBitCast(x, to: Float.self)
    let tail = vectorizableLogOnePlusUnit(vectorizableExp(-f.magnitude))
    return positive + unsafeBitCast(tail, to: T.self)
  }
  return positive + .log(onePlus: .exp(-x.magnitude))
}

@inline(__always)
func fastExpMinusOne<T: TensorFloat>(_ x: T) -> T {
  if T.self == Float.self {
    return unsafeBitCast(vectorizableExpMinusOne(unsafeBitCast(x, to: Float.self)), to: T.self)
  }
  return .expMinusOne(x)
}

/// `erfc x` from Numerical Recipes' `erfcc` (Chebyshev fit, relative error below 1.2·10⁻⁷ for all
/// x in exact arithmetic): `t exp(−z² + P(t))` with `z = |x|`, `t = 1/(1 + z/2)`; `2 − …` for
/// x < 0.
/// In float32 the rounding of `−z²` adds a relative error of about `z² · 1.2·10⁻⁷` in the far tail.
@inline(__always)
func vectorizableErfc(_ x: Float) -> Float {
  let z = x.magnitude
  let t = 1 / (1 + 0.5 * z)
  var p: Float = 0.170_872_77
  p = p * t - 0.822_152_23
  p = p * t + 1.488_515_87
  p = p * t - 1.135_203_98
  p = p * t + 0.278_868_07
  p = p * t - 0.186_288_06
  p = p * t + 0.096_784_18
  p = p * t + 0.374_091_96
  p = p * t + 1.000_023_68
  p = p * t - 1.265_512_23
  let tail = t * vectorizableExp(p - z * z)
  return x >= 0 ? tail : 2 - tail
}

/// The standard normal CDF `Φ(x) = ½ erfc(−x/√2)`: float32 through ``vectorizableErfc(_:)`` (full
/// relative precision in the lower tail, where PyTorch's `½(1 + erf)` cancels), float64 through
/// libm's `erfc`.
@inline(__always)
func normalCDF<T: TensorFloat>(_ x: T) -> T {
  if T.self == Float.self {
    let f = unsafeBitCast(x, to: Float.self)
    return unsafeBitCast(0.5 * vectorizableErfc(-f * 0.707_106_781), to: T.self)
  }
  return 0.5 * .erfc(-x * T(0.5.squareRoot()))
}

/// Float `exp`/`tanh`/`sigmoid` through the vectorizable versions, Double through libm; after
/// specialization the type test folds away.
@inline(__always)
func fastExp<T: TensorFloat>(_ x: T) -> T {
  if T.self == Float.self {
    return unsafeBitCast(vectorizableExp(unsafeBitCast(x, to: Float.self)), to: T.self)
  }
  return .exp(x)
}

@inline(__always)
func fastTanh<T: TensorFloat>(_ x: T) -> T {
  if T.self == Float.self {
    return unsafeBitCast(vectorizableTanh(unsafeBitCast(x, to: Float.self)), to: T.self)
  }
  return .tanh(x)
}

@inline(__always)
func fastSigmoid<T: TensorFloat>(_ x: T) -> T {
  if T.self == Float.self {
    return unsafeBitCast(vectorizableSigmoid(unsafeBitCast(x, to: Float.self)), to: T.self)
  }
  if x >= 0 { return 1 / (1 + .exp(-x)) }
  let e = T.exp(x)
  return e / (1 + e)
}

/// `F.apply` on every element of a floating-point tensor, with `F.apply` called directly in the
/// loop. Unlike `applyFloatUnary` (which goes through a closure that the optimizer inlines only
/// for small functions), this keeps larger bodies such as GELU inlined, so the loop vectorizes.
func mapFloatUnary<F: FloatUnaryFunction>(_ f: F.Type, _ x: Tensor, _ name: String) -> Tensor {
  switch x.dtype {
  case .float32: return floatUnaryLoop(F.self, x, Float.self)
  case .float64: return floatUnaryLoop(F.self, x, Double.self)
  default: preconditionFailure("\(name): needs a floating-point tensor, got \(x.dtype) \(x.shape)")
  }
}

@inline(__always)
func floatUnaryLoop<F: FloatUnaryFunction, T: TensorFloat>(_ f: F.Type, _ x: Tensor, _ t: T.Type)
  -> Tensor
{
  let out = Tensor.uninitialized(shape: x.shape, dtype: T.dtype)
  let src = x.pointer(T.self)
  let dst = out.pointer(T.self)
  parallelChunks(count: x.count) { range in
    for i in range { dst[i] = F.apply(src[i]) }
  }
  return out
}
