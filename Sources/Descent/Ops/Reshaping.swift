extension Tensor {
  /// The same elements with another shape of the same count. One dimension may be `-1` (inferred).
  public func reshaped(_ newShape: [Int]) -> Tensor {
    let resolved = resolveShape(newShape)
    if resolved == shape { return self }
    let out = reshapedStorage(resolved)
    let inputShape = shape
    return record("reshape", out, inputs: [self]) { g, _ in [g.reshaped(inputShape)] }
  }

  /// Reshape without recording (shares storage).
  func reshapedStorage(_ newShape: [Int]) -> Tensor {
    Tensor(storage: storage, shape: newShape, dtype: dtype, gradNode: nil)
  }

  private func resolveShape(_ newShape: [Int]) -> [Int] {
    var result = newShape
    let inferred = newShape.indices.filter { newShape[$0] == -1 }
    precondition(inferred.count <= 1, "reshaped: more than one -1 in \(newShape)")
    if let i = inferred.first {
      let known = newShape.enumerated().reduce(1) { $1.offset == i ? $0 : $0 * $1.element }
      precondition(
        known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) into \(newShape)")
      result[i] = count / known
    }
    precondition(
      result.allSatisfy { $0 >= 0 } && shapeElementCount(result) == count,
      "reshaped: cannot reshape \(shape) (\(count) elements) into \(newShape)")
    return result
  }

  /// All elements as one dimension.
  public func flattened() -> Tensor { reshaped([count]) }

  /// Broadcasts to `target` (NumPy rules), materializing the repeated values.
  public func expanded(to target: [Int]) -> Tensor {
    if target == shape { return self }
    precondition(
      broadcastShape(shape, target) == target, "expanded(to:): shape \(shape) does not broadcast to \(target)")
    let out = zipElementsExpand(self, target)
    let inputShape = shape
    return record("expand", out, inputs: [self]) { g, _ in [g.sumToShape(inputShape)] }
  }

  /// Inserts a dimension of size 1 at `axis`.
  public func unsqueezed(axis: Int) -> Tensor {
    let a = axis < 0 ? axis + rank + 1 : axis
    precondition(a >= 0 && a <= rank, "unsqueezed: axis \(axis) out of range for rank \(rank)")
    var s = shape
    s.insert(1, at: a)
    return reshaped(s)
  }

  /// Removes dimensions of size 1 (`axes` of them, or all).
  public func squeezed(axes: [Int]? = nil) -> Tensor {
    let axes = normalizedAxes(axes ?? shape.indices.filter { shape[$0] == 1 }, rank: rank, "squeezed")
    for a in axes { precondition(shape[a] == 1, "squeezed: axis \(a) of \(shape) is not 1") }
    return reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
  }

  /// The dimensions reordered: result dimension `i` is input dimension `permutation[i]`.
  public func permuted(_ permutation: [Int]) -> Tensor {
    precondition(
      permutation.sorted() == Array(0..<rank),
      "permuted: \(permutation) is not a permutation of the \(rank) axes of \(shape)")
    if permutation == Array(0..<rank) { return self }
    let out = permuteKernel(self, permutation)
    var inverse = [Int](repeating: 0, count: rank)
    for (i, p) in permutation.enumerated() { inverse[p] = i }
    return record("permute", out, inputs: [self]) { g, _ in [g.permuted(inverse)] }
  }

  /// Swaps two axes (default: the last two, a matrix transpose).
  public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
    precondition(rank >= 2 || (rank == 1 && axis0 == -2), "transposed: rank \(rank) tensor")
    if rank < 2 { return self }
    let a = axis0 < 0 ? axis0 + rank : axis0
    let b = axis1 < 0 ? axis1 + rank : axis1
    var p = Array(0..<rank)
    p.swapAt(a, b)
    return permuted(p)
  }

  /// The matrix transpose of a rank-2 tensor.
  public var T: Tensor { transposed() }
}

/// Materializes `x` broadcast to `target`: a fill for a single value, else row copies (a row of
/// the source repeated, or one value spread along the row).
func zipElementsExpand(_ x: Tensor, _ target: [Int]) -> Tensor {
  let out = Tensor.uninitialized(shape: target, dtype: x.dtype)
  if out.count == 0 { return out }
  func run<T: TensorScalar>(_ t: T.Type) {
    let src = x.pointer(T.self)
    let dst = out.pointer(T.self)
    if x.count == 1 {
      let value = src[0]
      parallelChunks(count: out.count) { range in
        (dst + range.lowerBound).update(repeating: value, count: range.count)
      }
      return
    }
    let rows = BroadcastRows(shape: target, operands: [x.shape])
    let n = rows.rowLength
    let stride = rows.rowStrides[0]
    parallelChunks(count: rows.rowCount, grain: Swift.max(1, Parallelism.elementwiseGrain / Swift.max(n, 1)), alignment: 1) {
      range in
      for row in range {
        let source = src + rows.offsets(ofRow: row)[0]
        let destination = dst + row * n
        if stride == 1 {
          destination.update(from: source, count: n)
        } else {
          destination.update(repeating: source[0], count: n)
        }
      }
    }
  }
  switch x.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  return out
}

/// Copies `x` into the permuted layout.
func permuteKernel(_ x: Tensor, _ permutation: [Int]) -> Tensor {
  let outShape = permutation.map { x.shape[$0] }
  let inStrides = x.strides
  let readStrides = permutation.map { inStrides[$0] }
  let out = Tensor.uninitialized(shape: outShape, dtype: x.dtype)
  func run<T: TensorScalar>(_ t: T.Type) {
    let src = x.pointer(T.self)
    let dst = out.pointer(T.self)
    let rank = outShape.count
    let n = outShape[rank - 1]
    let lastStride = readStrides[rank - 1]
    let rows = out.count / max(n, 1)
    let outer = Array(outShape.dropLast())
    let outerStrides = Array(readStrides.dropLast())
    parallelChunks(count: rows, grain: max(1, 4096 / max(n, 1)), alignment: 1) { range in
      for row in range {
        var remainder = row
        var offset = 0
        for d in stride(from: outer.count - 1, through: 0, by: -1) {
          offset += (remainder % outer[d]) * outerStrides[d]
          remainder /= outer[d]
        }
        let o = dst + row * n
        for j in 0..<n { o[j] = src[offset + j * lastStride] }
      }
    }
  }
  if out.count == 0 { return out }
  switch x.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  return out
}
