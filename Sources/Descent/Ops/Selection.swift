// Selection: `where(_:_:_:)`, `clamp(min:max:)`, `maximum(_:_:)`, `minimum(_:_:)`. Each is one
// pass over the elements; each gradient routes `g` through a mask computed from the values, so the
// rules are differentiable in `g` and second derivatives (zero almost everywhere) come out right.

/// `condition ? a : b` elementwise, NumPy/PyTorch `where`, broadcasting all three operands.
///
/// `condition` may have any dtype: nonzero (and NaN) means true. `a` and `b` must share a dtype,
/// which the result has. Derivatives: `g` where the condition holds for `a`, elsewhere for `b`
/// (each summed back to its operand's shape); the condition gets none.
public func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
  checkSameDType(a, b, "where")
  let mask = condition.dtype == .uint8 ? condition : (condition .!= 0)
  let out: Tensor
  switch a.dtype {
  case .float32: out = selectElements(mask, a, b, Float.self)
  case .float64: out = selectElements(mask, a, b, Double.self)
  case .int32: out = selectElements(mask, a, b, Int32.self)
  case .uint8: out = selectElements(mask, a, b, UInt8.self)
  }
  return record("where", out, inputs: [a, b]) { g, _ in
    [
      a.isTracked ? Descent.where(mask, g, 0).sumToShape(a.shape) : nil,
      b.isTracked ? Descent.where(mask, 0, g).sumToShape(b.shape) : nil,
    ]
  }
}

/// `where` with a scalar for the false branch; it takes the dtype of `a`.
public func `where`(_ condition: Tensor, _ a: Tensor, _ b: Double) -> Tensor {
  Descent.where(condition, a, a.scalar(b))
}

/// `where` with a scalar for the true branch; it takes the dtype of `b`.
public func `where`(_ condition: Tensor, _ a: Double, _ b: Tensor) -> Tensor {
  Descent.where(condition, b.scalar(a), b)
}

extension Tensor {
  /// This tensor where `condition` holds, `other` elsewhere: PyTorch's `Tensor.where(condition,
  /// other)`, the method form of ``where(_:_:_:)`` (which Swift spells with backticks, since
  /// `where` is a keyword).
  public func `where`(_ condition: Tensor, _ other: Tensor) -> Tensor {
    Descent.where(condition, self, other)
  }

  /// This tensor where `condition` holds, the scalar `other` elsewhere.
  public func `where`(_ condition: Tensor, _ other: Double) -> Tensor {
    Descent.where(condition, self, scalar(other))
  }
}

/// The elementwise maximum of `a` and `b`, broadcasting (PyTorch `maximum`): NaN if either is NaN.
///
/// Derivative: `g` goes to the larger operand; where they are equal it is split half and half, as
/// in PyTorch.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
  let out = applyBinary(MaximumFunction.self, a, b, "maximum")
  return record("maximum", out, inputs: [a, b]) { g, _ in
    [
      a.isTracked ? (g * preferenceWeight(GreaterFunction.self, a, b)).sumToShape(a.shape) : nil,
      b.isTracked ? (g * preferenceWeight(GreaterFunction.self, b, a)).sumToShape(b.shape) : nil,
    ]
  }
}

/// The elementwise minimum of `a` and `b`, broadcasting (PyTorch `minimum`): NaN if either is NaN.
///
/// Derivative: `g` goes to the smaller operand; where they are equal it is split half and half.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
  let out = applyBinary(MinimumFunction.self, a, b, "minimum")
  return record("minimum", out, inputs: [a, b]) { g, _ in
    [
      a.isTracked ? (g * preferenceWeight(LessFunction.self, a, b)).sumToShape(a.shape) : nil,
      b.isTracked ? (g * preferenceWeight(LessFunction.self, b, a)).sumToShape(b.shape) : nil,
    ]
  }
}

/// `maximum` with a scalar, which takes the tensor's dtype.
public func maximum(_ a: Tensor, _ b: Double) -> Tensor { maximum(a, a.scalar(b)) }
/// `maximum` with a scalar, which takes the tensor's dtype.
public func maximum(_ a: Double, _ b: Tensor) -> Tensor { maximum(b.scalar(a), b) }
/// `minimum` with a scalar, which takes the tensor's dtype.
public func minimum(_ a: Tensor, _ b: Double) -> Tensor { minimum(a, a.scalar(b)) }
/// `minimum` with a scalar, which takes the tensor's dtype.
public func minimum(_ a: Double, _ b: Tensor) -> Tensor { minimum(b.scalar(a), b) }

extension Tensor {
  /// Each element limited to `[min, max]` (PyTorch `clamp`); either bound may be omitted. NaN
  /// stays NaN; if `min > max` every element becomes `max`, as in PyTorch. For integer dtypes the
  /// bounds are converted to the dtype (truncated toward zero, saturating).
  ///
  /// Derivative: 1 where `min ≤ x ≤ max` (bounds included, as PyTorch), 0 elsewhere.
  public func clamp(min: Double? = nil, max: Double? = nil) -> Tensor {
    precondition(
      min != nil || max != nil, "clamp: give at least one of min and max (shape \(shape))")
    let lower = min ?? -.infinity
    let upper = max ?? .infinity
    let out: Tensor
    switch dtype {
    case .float32: out = clampElements(self, Float(lower), Float(upper))
    case .float64: out = clampElements(self, lower, upper)
    case .int32:
      out = clampElements(self, Int32(exactlyOrClamping: lower), Int32(exactlyOrClamping: upper))
    case .uint8:
      out = clampElements(self, UInt8(exactlyOrClamping: lower), UInt8(exactlyOrClamping: upper))
    }
    return record("clamp", out, inputs: [self]) { g, _ in
      let inside: Tensor
      switch self.dtype {
      case .float32:
        let (lo, hi) = (Float(lower), Float(upper))
        inside = mapElements(self, Float.self, to: UInt8.self) { $0 >= lo && $0 <= hi ? 1 : 0 }
      default:
        inside = mapElements(self, Double.self, to: UInt8.self) {
          $0 >= lower && $0 <= upper ? 1 : 0
        }
      }
      return [Descent.where(inside, g, 0)]
    }
  }
}

// MARK: - Kernels

enum MaximumFunction: BinaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T {
    a > b || a != a ? a : b
  }
}
enum MinimumFunction: BinaryScalarFunction {
  @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T {
    a < b || a != a ? a : b
  }
}

/// The share of the gradient of `maximum`/`minimum` that goes to `a`: 1 where `F(a, b)` holds,
/// ½ where `a = b`, else 0; broadcast to the result's shape, in the operands' float dtype.
func preferenceWeight<F: ScalarComparison>(_ f: F.Type, _ a: Tensor, _ b: Tensor) -> Tensor {
  switch a.dtype {
  case .float32:
    zipElements(a, b, Float.self, to: Float.self) { F.apply($0, $1) ? 1 : ($0 == $1 ? 0.5 : 0) }
  default:
    zipElements(a, b, Double.self, to: Double.self) { F.apply($0, $1) ? 1 : ($0 == $1 ? 0.5 : 0) }
  }
}

/// `min(max(x, lower), upper)` with NaN passing through (as PyTorch `clamp`).
@inline(__always)
func clampElements<T: TensorScalar>(_ x: Tensor, _ lower: T, _ upper: T) -> Tensor {
  mapElements(x, T.self, to: T.self) { v in
    let raised = v < lower ? lower : v
    return raised > upper ? upper : raised
  }
}

/// `mask ? a : b` over the broadcast shape of the three; `mask` is `uint8`, `a` and `b` are `T`.
/// Both branches are loaded before the choice so that the loops compile to vector blends.
func selectElements<T: TensorScalar>(_ mask: Tensor, _ a: Tensor, _ b: Tensor, _ t: T.Type)
  -> Tensor
{
  guard let partial = broadcastShape(a.shape, b.shape),
    let shape = broadcastShape(mask.shape, partial)
  else {
    preconditionFailure(
      "where: shapes \(mask.shape) (condition), \(a.shape) and \(b.shape) do not broadcast")
  }
  let out = Tensor.uninitialized(shape: shape, dtype: T.dtype)
  let pm = mask.pointer(UInt8.self)
  let pa = a.pointer(T.self)
  let pb = b.pointer(T.self)
  let dst = out.pointer(T.self)
  if mask.shape == shape && a.shape == shape && b.shape == shape {
    parallelChunks(count: out.count) { range in
      for i in range {
        let (x, y) = (pa[i], pb[i])
        dst[i] = pm[i] != 0 ? x : y
      }
    }
    return out
  }
  if mask.shape == shape && a.shape == shape && b.count == 1 {
    let s = pb[0]
    parallelChunks(count: out.count) { range in
      for i in range {
        let x = pa[i]
        dst[i] = pm[i] != 0 ? x : s
      }
    }
    return out
  }
  if mask.shape == shape && a.count == 1 && b.shape == shape {
    let s = pa[0]
    parallelChunks(count: out.count) { range in
      for i in range {
        let y = pb[i]
        dst[i] = pm[i] != 0 ? s : y
      }
    }
    return out
  }
  let rows = BroadcastRows(shape: shape, operands: [mask.shape, a.shape, b.shape])
  let n = rows.rowLength
  let (sm, sa, sb) = (rows.rowStrides[0], rows.rowStrides[1], rows.rowStrides[2])
  let grainRows = max(1, Parallelism.elementwiseGrain / max(n, 1))
  parallelChunks(count: rows.rowCount, grain: grainRows, alignment: 1) { rowRange in
    for row in rowRange {
      let offsets = rows.offsets(ofRow: row)
      let (rm, ra, rb) = (pm + offsets[0], pa + offsets[1], pb + offsets[2])
      let rd = dst + row * n
      if sm == 1 && sa == 1 && sb == 0 {
        let s = rb[0]
        for j in 0..<n {
          let x = ra[j]
          rd[j] = rm[j] != 0 ? x : s
        }
      } else if sm == 1 && sa == 0 && sb == 1 {
        let s = ra[0]
        for j in 0..<n {
          let y = rb[j]
          rd[j] = rm[j] != 0 ? s : y
        }
      } else {
        for j in 0..<n {
          let (x, y) = (ra[j * sa], rb[j * sb])
          rd[j] = rm[j * sm] != 0 ? x : y
        }
      }
    }
  }
  return out
}
