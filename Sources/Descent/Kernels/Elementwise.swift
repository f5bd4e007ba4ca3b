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

@inline(__always)
func zipElements<T: TensorScalar, U: TensorScalar>(
  _ a: Tensor, _ b: Tensor, _ t: T.Type, to u: U.Type, _ f: (T, T) -> U
) -> Tensor {
  if a.shape == b.shape {
    let out = Tensor.uninitialized(shape: a.shape, dtype: U.dtype)
    let pa = a.pointer(T.self)
    let pb = b.pointer(T.self)
    let dst = out.pointer(U.self)
    parallelChunks(count: a.count) { range in
      for i in range { dst[i] = f(pa[i], pb[i]) }
    }
    return out
  }
  guard let shape = broadcastShape(a.shape, b.shape) else {
    preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
  }
  let out = Tensor.uninitialized(shape: shape, dtype: U.dtype)
  let pa = a.pointer(T.self)
  let pb = b.pointer(T.self)
  let dst = out.pointer(U.self)
  if b.count == 1 && shape == a.shape {
    let scalar = pb[0]
    parallelChunks(count: a.count) { range in
      for i in range { dst[i] = f(pa[i], scalar) }
    }
    return out
  }
  if a.count == 1 && shape == b.shape {
    let scalar = pa[0]
    parallelChunks(count: b.count) { range in
      for i in range { dst[i] = f(scalar, pb[i]) }
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
      case (1, 1): for j in 0..<n { rd[j] = f(ra[j], rb[j]) }
      case (1, 0):
        let s = rb[0]
        for j in 0..<n { rd[j] = f(ra[j], s) }
      case (0, 1):
        let s = ra[0]
        for j in 0..<n { rd[j] = f(s, rb[j]) }
      default: for j in 0..<n { rd[j] = f(ra[j * sa], rb[j * sb]) }
      }
    }
  }
  return out
}

// MARK: - Dtype dispatch

func applyUnary<F: UnaryScalarFunction>(_ f: F.Type, _ x: Tensor) -> Tensor {
  switch x.dtype {
  case .float32: mapElements(x, Float.self, to: Float.self) { F.apply($0) }
  case .float64: mapElements(x, Double.self, to: Double.self) { F.apply($0) }
  case .int32: mapElements(x, Int32.self, to: Int32.self) { F.apply($0) }
  case .uint8: mapElements(x, UInt8.self, to: UInt8.self) { F.apply($0) }
  }
}

func applyFloatUnary<F: FloatUnaryFunction>(_ f: F.Type, _ x: Tensor, _ name: String) -> Tensor {
  switch x.dtype {
  case .float32: return mapElements(x, Float.self, to: Float.self) { F.apply($0) }
  case .float64: return mapElements(x, Double.self, to: Double.self) { F.apply($0) }
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
  case .float32: return zipElements(a, b, Float.self, to: Float.self) { F.apply($0, $1) }
  case .float64: return zipElements(a, b, Double.self, to: Double.self) { F.apply($0, $1) }
  case .int32: return zipElements(a, b, Int32.self, to: Int32.self) { F.apply($0, $1) }
  case .uint8: return zipElements(a, b, UInt8.self, to: UInt8.self) { F.apply($0, $1) }
  }
}

func applyFloatBinary<F: FloatBinaryFunction>(_ f: F.Type, _ a: Tensor, _ b: Tensor, _ name: String)
  -> Tensor
{
  checkSameDType(a, b, name)
  switch a.dtype {
  case .float32: return zipElements(a, b, Float.self, to: Float.self) { F.apply($0, $1) }
  case .float64: return zipElements(a, b, Double.self, to: Double.self) { F.apply($0, $1) }
  default: preconditionFailure("\(name): needs floating-point tensors, got \(a.dtype)")
  }
}

func applyComparison<F: ScalarComparison>(_ f: F.Type, _ a: Tensor, _ b: Tensor, _ name: String)
  -> Tensor
{
  checkSameDType(a, b, name)
  switch a.dtype {
  case .float32: return zipElements(a, b, Float.self, to: UInt8.self) { F.apply($0, $1) ? 1 : 0 }
  case .float64: return zipElements(a, b, Double.self, to: UInt8.self) { F.apply($0, $1) ? 1 : 0 }
  case .int32: return zipElements(a, b, Int32.self, to: UInt8.self) { F.apply($0, $1) ? 1 : 0 }
  case .uint8: return zipElements(a, b, UInt8.self, to: UInt8.self) { F.apply($0, $1) ? 1 : 0 }
  }
}
