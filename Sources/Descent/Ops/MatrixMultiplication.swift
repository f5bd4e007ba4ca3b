extension Tensor {
  /// Matrix product with NumPy's `matmul` semantics: the last two dimensions are matrices, leading
  /// dimensions are batch dimensions and broadcast; a 1-D operand is a vector (a row on the left,
  /// a column on the right) and its dimension is removed from the result.
  public func matmul(_ other: Tensor) -> Tensor {
    precondition(rank >= 1 && other.rank >= 1, "matmul: scalar operand (\(shape) · \(other.shape))")
    let a = rank == 1 ? reshaped([1, shape[0]]) : self
    let b = other.rank == 1 ? other.reshaped([other.shape[0], 1]) : other
    let result = batchedMatmul(a, b, transposeA: false, transposeB: false)
    if rank > 1 && other.rank > 1 { return result }
    var shape = result.shape
    if other.rank == 1 { shape.removeLast() }
    if rank == 1 { shape.remove(at: shape.count - (other.rank == 1 ? 1 : 2)) }
    return result.reshaped(shape)
  }

  /// `self · otherᵀ` over the last two dimensions (batch dimensions broadcast): the product of a
  /// linear layer, `x · Wᵀ` with `W` stored `[out, in]` as in PyTorch, without materializing the
  /// transpose (BLAS reads `W` transposed; the derivative rules do the same).
  public func matmulTransposed(_ other: Tensor) -> Tensor {
    precondition(
      rank >= 2 && other.rank >= 2,
      "matmulTransposed: needs rank ≥ 2 operands, got \(shape) and \(other.shape)")
    return batchedMatmul(self, other, transposeA: false, transposeB: true)
  }

  /// The dot product of two vectors.
  public func dot(_ other: Tensor) -> Tensor {
    precondition(
      rank == 1 && other.rank == 1 && shape == other.shape,
      "dot: needs two vectors of equal length, got \(shape) and \(other.shape)")
    return matmul(other)
  }

  /// The outer product of two vectors: `[m] ⊗ [n] → [m, n]`.
  public func outer(_ other: Tensor) -> Tensor {
    precondition(rank == 1 && other.rank == 1, "outer: needs two vectors, got \(shape) and \(other.shape)")
    return reshaped([shape[0], 1]).matmul(other.reshaped([1, other.shape[0]]))
  }
}

/// `op(A) · op(B)` over broadcast batch dimensions, both operands of rank ≥ 2. Its derivative rules
/// use the same primitive with the transpose flags moved, so no transpose is ever materialized.
func batchedMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
  checkSameDType(a, b, "matmul")
  let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
  let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
  let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
  let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
  precondition(
    k == kb,
    "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
  let batchA = Array(a.shape.dropLast(2))
  let batchB = Array(b.shape.dropLast(2))
  guard let batch = broadcastShape(batchA, batchB) else {
    preconditionFailure("matmul: batch dimensions \(batchA) and \(batchB) do not broadcast")
  }
  let out = Tensor.uninitialized(shape: batch + [m, n], dtype: a.dtype)
  let batchCount = shapeElementCount(batch)
  let stridesA = broadcastStrides(batchA, to: batch)
  let stridesB = broadcastStrides(batchB, to: batch)
  func offset(_ index: Int, _ strides: [Int]) -> Int {
    var remainder = index
    var result = 0
    for d in stride(from: batch.count - 1, through: 0, by: -1) {
      result += (remainder % batch[d]) * strides[d]
      remainder /= batch[d]
    }
    return result
  }
  // Every (batch entry, block) is one single-threaded GEMM; the blocks depend on the shapes only,
  // so the result does not depend on the thread count (see `gemm`).
  let partition = GEMMPartition(m: m, n: n, k: k)
  let blocks = partition.blocks
  let extent = partition.splitsColumns ? n : m
  let perBlock = (extent + blocks - 1) / blocks
  let lda = transposeA ? m : k
  let ldb = transposeB ? k : n
  func run<T: TensorScalar>(_ t: T.Type) {
    let pa = a.pointer(T.self)
    let pb = b.pointer(T.self)
    let pc = out.pointer(T.self)
    let matrixA = m * k
    let matrixB = k * n
    parallelFor(batchCount * blocks) { task in
      let (i, block) = task.quotientAndRemainder(dividingBy: blocks)
      let start = block * perBlock
      let size = Swift.min(extent, start + perBlock) - start
      if size <= 0 { return }
      let aBase = pa + offset(i, stridesA) * matrixA
      let bBase = pb + offset(i, stridesB) * matrixB
      let cBase = pc + i * m * n
      if partition.splitsColumns {
        // C[:, start..<start+size] = op(A) · op(B)[:, start..<start+size]
        gemm(
          aBase, transposeB ? bBase + start * k : bBase + start, cBase + start, m: m, n: size, k: k,
          transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: n)
      } else {
        // C[start..<start+size, :] = op(A)[start..<start+size, :] · op(B)
        gemm(
          transposeA ? aBase + start : aBase + start * k, bBase, cBase + start * n, m: size, n: n,
          k: k, transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: n)
      }
    }
  }
  switch a.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  return record("matmul", out, inputs: [a, b]) { g, _ in
    let ga: Tensor?
    let gb: Tensor?
    switch (transposeA, transposeB) {
    case (false, false):
      ga = a.isTracked ? batchedMatmul(g, b, transposeA: false, transposeB: true) : nil
      gb = b.isTracked ? batchedMatmul(a, g, transposeA: true, transposeB: false) : nil
    case (true, false):
      ga = a.isTracked ? batchedMatmul(b, g, transposeA: false, transposeB: true) : nil
      gb = b.isTracked ? batchedMatmul(a, g, transposeA: false, transposeB: false) : nil
    case (false, true):
      ga = a.isTracked ? batchedMatmul(g, b, transposeA: false, transposeB: false) : nil
      gb = b.isTracked ? batchedMatmul(g, a, transposeA: true, transposeB: false) : nil
    case (true, true):
      ga = a.isTracked ? batchedMatmul(b, g, transposeA: true, transposeB: true) : nil
      gb = b.isTracked ? batchedMatmul(g, a, transposeA: true, transposeB: true) : nil
    }
    return [ga?.sumToShape(a.shape), gb?.sumToShape(b.shape)]
  }
}
