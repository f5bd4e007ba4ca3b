/// A scalar function of one element, generic over the element type so that one definition serves
/// every dtype and each use is specialized into a tight loop.
protocol UnaryScalarFunction {
  static func apply<T: TensorScalar>(_ x: T) -> T
}

/// A scalar function of one floating-point element.
protocol FloatUnaryFunction {
  static func apply<T: TensorFloat>(_ x: T) -> T
}

/// A scalar function of two elements of the same type.
protocol BinaryScalarFunction {
  static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T
}

/// A scalar function of two floating-point elements.
protocol FloatBinaryFunction {
  static func apply<T: TensorFloat>(_ a: T, _ b: T) -> T
}

/// A predicate on two elements; comparisons produce `uint8` tensors of 0 and 1.
protocol ScalarComparison {
  static func apply<T: TensorScalar>(_ a: T, _ b: T) -> Bool
}

// MARK: - Typed loops

extension Tensor {
  /// Typed pointer to the elements (no copy-on-write check: for reading, or for a fresh tensor).
  @inlinable func pointer<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
    storage.pointer.assumingMemoryBound(to: T.self)
  }
}

/// An elementwise function of one element as a type, so that a kernel specialized for it inlines
/// the function into its loop even when the loop runs on a worker thread (a closure captured by
/// the worker's closure would be called indirectly for every element).
protocol UnaryKernel {
  associatedtype Input: TensorScalar
  associatedtype Output: TensorScalar
  static func apply(_ x: Input) -> Output
}

/// An elementwise function of two elements as a type (see ``UnaryKernel``).
protocol BinaryKernel {
  associatedtype Input: TensorScalar
  associatedtype Output: TensorScalar
  static func apply(_ a: Input, _ b: Input) -> Output
}

struct UnaryOp<F: UnaryScalarFunction, T: TensorScalar>: UnaryKernel {
  @inline(__always) static func apply(_ x: T) -> T { F.apply(x) }
}
struct FloatUnaryOp<F: FloatUnaryFunction, T: TensorFloat>: UnaryKernel {
  @inline(__always) static func apply(_ x: T) -> T { F.apply(x) }
}
struct BinaryOp<F: BinaryScalarFunction, T: TensorScalar>: BinaryKernel {
  @inline(__always) static func apply(_ a: T, _ b: T) -> T { F.apply(a, b) }
}
struct FloatBinaryOp<F: FloatBinaryFunction, T: TensorFloat>: BinaryKernel {
  @inline(__always) static func apply(_ a: T, _ b: T) -> T { F.apply(a, b) }
}
struct ComparisonOp<F: ScalarComparison, T: TensorScalar>: BinaryKernel {
  @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { F.apply(a, b) ? 1 : 0 }
}

/// `K.apply` over every element of `x`, in parallel chunks.
func runUnary<K: UnaryKernel>(_ x: Tensor, _ kernel: K.Type) -> Tensor {
  let out = Tensor.uninitialized(shape: x.shape, dtype: K.Output.dtype)
  let src = x.pointer(K.Input.self)
  let dst = out.pointer(K.Output.self)
  parallelChunks(count: x.count) { range in
    for i in range { dst[i] = K.apply(src[i]) }
  }
  return out
}

/// `K.apply` over the elements of `a` and `b` broadcast together, in parallel chunks.
func runBinary<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ kernel: K.Type) -> Tensor {
  let pa = a.pointer(K.Input.self)
  let pb = b.pointer(K.Input.self)
  if a.shape == b.shape {
    let out = Tensor.uninitialized(shape: a.shape, dtype: K.Output.dtype)
    let dst = out.pointer(K.Output.self)
    parallelChunks(count: a.count) { range in
      for i in range { dst[i] = K.apply(pa[i], pb[i]) }
    }
    return out
  }
  guard let shape = broadcastShape(a.shape, b.shape) else {
    preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
  }
  let out = Tensor.uninitialized(shape: shape, dtype: K.Output.dtype)
  let dst = out.pointer(K.Output.self)
  if b.count == 1 && shape == a.shape {
    let scalar = pb[0]
    parallelChunks(count: a.count) { range in
      for i in range { dst[i] = K.apply(pa[i], scalar) }
    }
    return out
  }
  if a.count == 1 && shape == b.shape {
    let scalar = pa[0]
    parallelChunks(count: b.count) { range in
      for i in range { dst[i] = K.apply(scalar, pb[i]) }
    }
    return out
  }
  let rows = BroadcastRows(shape: shape, operands: [a.shape, b.shape])
  let n = rows.rowLength
  let sa = rows.rowStrides[0]
  let sb = rows.rowStrides[1]
  let grainRows = max(1, Parallelism.elementwiseGrain / max(n, 1))
  parallelChunks(count: rows.rowCount, grain: grainRows, alignment: 1) { rowRange in
    for row in rowRange {
      let offsets = rows.offsets(ofRow: row)
      let ra = pa + offsets[0]
      let rb = pb + offsets[1]
      let rd = dst + row * n
      switch (sa, sb) {
      case (1, 1): for j in 0..<n { rd[j] = K.apply(ra[j], rb[j]) }
      case (1, 0):
        let s = rb[0]
        for j in 0..<n { rd[j] = K.apply(ra[j], s) }
      case (0, 1):
        let s = ra[0]
        for j in 0..<n { rd[j] = K.apply(s, rb[j]) }
      default: for j in 0..<n { rd[j] = K.apply(ra[j * sa], rb[j * sb]) }
      }
    }
  }
  return out
}

/// `f` over every element (for one-off kernels; the protocol-typed ``runUnary(_:_:)`` is faster
/// on several threads).
@inline(__always)
func mapElements<T: TensorScalar, U: TensorScalar>(
  _ x: Tensor, _ t: T.Type, to u: U.Type, _ f: (T) -> U
) -> Tensor {
  let out = Tensor.uninitialized(shape: x.shape, dtype: U.dtype)
  let src = x.pointer(T.self)
  let dst = out.pointer(U.self)
  parallelChunks(count: x.count) { range in
    for i in range { dst[i] = f(src[i]) }
  }
  return out
}

/// `f` over the elements of `a` and `b` broadcast together (for one-off kernels).
@inline(__always)
func zipElements<T: TensorScalar, U: TensorScalar>(
  _ a: Tensor, _ b: Tensor, _ t: T.Type, to u: U.Type, _ f: (T, T) -> U
) -> Tensor {
  guard let shape = broadcastShape(a.shape, b.shape) else {
    preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
  }
  let out = Tensor.uninitialized(shape: shape, dtype: U.dtype)
  let pa = a.pointer(T.self)
  let pb = b.pointer(T.self)
  let dst = out.pointer(U.self)
  let rows = BroadcastRows(shape: shape, operands: [a.shape, b.shape])
  let n = rows.rowLength
  let sa = rows.rowStrides[0]
  let sb = rows.rowStrides[1]
  let grainRows = max(1, Parallelism.elementwiseGrain / max(n, 1))
  parallelChunks(count: rows.rowCount, grain: grainRows, alignment: 1) { rowRange in
    for row in rowRange {
      let offsets = rows.offsets(ofRow: row)
      let rd = dst + row * n
      for j in 0..<n { rd[j] = f(pa[offsets[0] + j * sa], pb[offsets[1] + j * sb]) }
    }
  }
  return out
}

// MARK: - Dtype dispatch

func applyUnary<F: UnaryScalarFunction>(_ f: F.Type, _ x: Tensor) -> Tensor {
  switch x.dtype {
  case .float32: runUnary(x, UnaryOp<F, Float>.self)
  case .float64: runUnary(x, UnaryOp<F, Double>.self)
  case .int32: runUnary(x, UnaryOp<F, Int32>.self)
  case .uint8: runUnary(x, UnaryOp<F, UInt8>.self)
  }
}

func applyFloatUnary<F: FloatUnaryFunction>(_ f: F.Type, _ x: Tensor, _ name: String) -> Tensor {
  switch x.dtype {
  case .float32: return runUnary(x, FloatUnaryOp<F, Float>.self)
  case .float64: return runUnary(x, FloatUnaryOp<F, Double>.self)
  default: preconditionFailure("\(name): needs a floating-point tensor, got \(x.dtype)")
  }
}

func checkSameDType(_ a: Tensor, _ b: Tensor, _ name: String) {
  precondition(
    a.dtype == b.dtype, "\(name): dtypes differ (\(a.dtype) \(a.shape) and \(b.dtype) \(b.shape))")
}

func applyBinary<F: BinaryScalarFunction>(_ f: F.Type, _ a: Tensor, _ b: Tensor, _ name: String) -> Tensor {
  checkSameDType(a, b, name)
  switch a.dtype {
  case .float32: return runBinary(a, b, BinaryOp<F, Float>.self)
  case .float64: return runBinary(a, b, BinaryOp<F, Double>.self)
  case .int32: return runBinary(a, b, BinaryOp<F, Int32>.self)
  case .uint8: return runBinary(a, b, BinaryOp<F, UInt8>.self)
  }
}

func applyFloatBinary<F: FloatBinaryFunction>(_ f: F.Type, _ a: Tensor, _ b: Tensor, _ name: String)
  -> Tensor
{
  checkSameDType(a, b, name)
  switch a.dtype {
  case .float32: return runBinary(a, b, FloatBinaryOp<F, Float>.self)
  case .float64: return runBinary(a, b, FloatBinaryOp<F, Double>.self)
  default: preconditionFailure("\(name): needs floating-point tensors, got \(a.dtype)")
  }
}

func applyComparison<F: ScalarComparison>(_ f: F.Type, _ a: Tensor, _ b: Tensor, _ name: String)
  -> Tensor
{
  checkSameDType(a, b, name)
  switch a.dtype {
  case .float32: return runBinary(a, b, ComparisonOp<F, Float>.self)
  case .float64: return runBinary(a, b, ComparisonOp<F, Double>.self)
  case .int32: return runBinary(a, b, ComparisonOp<F, Int32>.self)
  case .uint8: return runBinary(a, b, ComparisonOp<F, UInt8>.self)
  }
}
