import Foundation

// Kernels that work along one axis of a contiguous row-major tensor, seen as `[outer, n, inner]`:
// slicing, padding, concatenation, index selection, gather/scatter, cumulative sums, softmax.
// Copies move whole `inner` blocks with `memcpy` (dtype-agnostic); arithmetic kernels are generic
// over the element type and specialized per dtype.

/// `axis` (possibly negative) as an index in `0..<rank`.
func checkedAxis(_ axis: Int, rank: Int, _ name: String) -> Int {
  let a = axis < 0 ? axis + rank : axis
  precondition(a >= 0 && a < rank, "\(name): axis \(axis) out of range for rank \(rank)")
  return a
}

/// The `[outer, n, inner]` view of `shape` around `axis`.
func axisLayout(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
  (
    shapeElementCount(Array(shape[..<axis])), shape[axis],
    shapeElementCount(Array(shape[(axis + 1)...]))
  )
}

/// For every outer index `o` and `k` in `0..<count`, copies the `inner` block
/// `src[o, srcStart + k·srcStep, :]` to `dst[o, dstStart + k·dstStep, :]`.
/// `srcN`/`dstN` are the extents of the axis in each tensor.
func copyAlongAxis(
  from src: Tensor, srcN: Int, srcStart: Int, srcStep: Int,
  to dst: Tensor, dstN: Int, dstStart: Int, dstStep: Int,
  count: Int, outer: Int, inner: Int
) {
  let byteSize = src.dtype.byteSize
  let block = inner * byteSize
  if count == 0 || outer == 0 || block == 0 { return }
  let s = UnsafeRawPointer(src.storage.pointer)
  let d = dst.storage.pointer
  let contiguous = srcStep == 1 && dstStep == 1
  let perOuter = count * block
  parallelChunks(count: outer, grain: max(1, (1 << 18) / perOuter), alignment: 1) { range in
    for o in range {
      let srcBase = s + (o * srcN + srcStart) * block
      let dstBase = d + (o * dstN + dstStart) * block
      if contiguous {
        memcpy(dstBase, srcBase, perOuter)
      } else {
        for k in 0..<count {
          memcpy(dstBase + k * dstStep * block, srcBase + k * srcStep * block, block)
        }
      }
    }
  }
}

/// Checks that every element of the `int32` tensor `indices` lies in `0..<bound`.
func checkIndices(_ indices: Tensor, bound: Int, _ name: String, axis: Int, shape: [Int]) {
  precondition(indices.dtype == .int32, "\(name): indices must be int32, got \(indices.dtype)")
  let p = indices.pointer(Int32.self)
  for i in 0..<indices.count where p[i] < 0 || Int(p[i]) >= bound {
    preconditionFailure(
      "\(name): index \(p[i]) at flat position \(i) out of range 0..<\(bound) for axis \(axis) of \(shape)"
    )
  }
}

// MARK: - Gather and scatter (torch.gather / torch.scatter_add semantics)

/// Walks `indices` (same rank as `x`) row by row, giving for each element its flat position in
/// `indices` and the flat offset in `x` it addresses along `axis`. Rows that share the dimensions
/// before `axis` run in order on one thread, so accumulation into `x` is deterministic.
@inline(__always)
func forEachGatherOffset(
  xShape: [Int], indices: Tensor, axis: Int, _ body: (_ position: Int, _ offset: Int) -> Void
) {
  let shape = indices.shape
  let rank = shape.count
  let xStrides = contiguousStrides(xShape)
  let last = shape[rank - 1]
  let rowShape = Array(shape.dropLast())
  let rowCount = shapeElementCount(rowShape)
  let outerCount = shapeElementCount(Array(shape[..<axis]))
  let rowsPerOuter = axis == rank - 1 ? 1 : shapeElementCount(Array(shape[axis..<(rank - 1)]))
  let idx = indices.pointer(Int32.self)
  let axisStride = xStrides[axis]
  let lastStride = xStrides[rank - 1]
  if rowCount == 0 || last == 0 { return }
  withoutActuallyEscaping(body) { body in
    nonisolated(unsafe) let body = body
    parallelChunks(
      count: outerCount, grain: max(1, (1 << 15) / max(rowsPerOuter * last, 1)), alignment: 1
    ) {
      range in
      for row in (range.lowerBound * rowsPerOuter)..<(range.upperBound * rowsPerOuter) {
        var remainder = row
        var base = 0
        for d in stride(from: rank - 2, through: 0, by: -1) {
          let i = remainder % rowShape[d]
          remainder /= rowShape[d]
          if d != axis { base += i * xStrides[d] }
        }
        let rowStart = row * last
        if axis == rank - 1 {
          for j in 0..<last { body(rowStart + j, base + Int(idx[rowStart + j]) * axisStride) }
        } else {
          for j in 0..<last {
            body(rowStart + j, base + j * lastStride + Int(idx[rowStart + j]) * axisStride)
          }
        }
      }
    }
  }
}

func gatherKernel(_ x: Tensor, axis: Int, indices: Tensor) -> Tensor {
  let out = Tensor.uninitialized(shape: indices.shape, dtype: x.dtype)
  func run<S: TensorScalar>(_ type: S.Type) {
    let src = x.pointer(S.self)
    let dst = out.pointer(S.self)
    forEachGatherOffset(xShape: x.shape, indices: indices, axis: axis) { dst[$0] = src[$1] }
  }
  switch x.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  return out
}

/// A copy of `base` with `values[p]` added at the element `indices[p]` addresses, in row-major
/// order of `p` for each destination.
func scatterAddKernel(_ base: Tensor, axis: Int, indices: Tensor, values: Tensor) -> Tensor {
  let out = Tensor(storage: base.storage.copy(), shape: base.shape, dtype: base.dtype)
  func run<S: TensorScalar>(_ type: S.Type) {
    let src = values.pointer(S.self)
    let dst = out.pointer(S.self)
    forEachGatherOffset(xShape: base.shape, indices: indices, axis: axis) { dst[$1] += src[$0] }
  }
  switch base.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  return out
}

// MARK: - Index select / index add

func indexSelectKernel(_ x: Tensor, axis: Int, indices: Tensor) -> Tensor {
  var shape = x.shape
  shape[axis] = indices.count
  let out = Tensor.uninitialized(shape: shape, dtype: x.dtype)
  let (outer, n, inner) = axisLayout(x.shape, axis: axis)
  let block = inner * x.dtype.byteSize
  let m = indices.count
  if out.count == 0 { return out }
  let s = UnsafeRawPointer(x.storage.pointer)
  let d = out.storage.pointer
  let idx = indices.pointer(Int32.self)
  parallelChunks(count: outer, grain: max(1, (1 << 18) / max(m * block, 1)), alignment: 1) {
    range in
    for o in range {
      for k in 0..<m {
        memcpy(d + (o * m + k) * block, s + (o * n + Int(idx[k])) * block, block)
      }
    }
  }
  return out
}

/// A copy of `base` with `values[:, k, :]` added to `base[:, indices[k], :]`, `k` in order.
func indexAddKernel(_ base: Tensor, axis: Int, indices: Tensor, values: Tensor) -> Tensor {
  let out = Tensor(storage: base.storage.copy(), shape: base.shape, dtype: base.dtype)
  let (outer, n, inner) = axisLayout(base.shape, axis: axis)
  let m = indices.count
  if values.count == 0 { return out }
  let idx = indices.pointer(Int32.self)
  func run<S: TensorScalar>(_ type: S.Type) {
    let src = values.pointer(S.self)
    let dst = out.pointer(S.self)
    parallelChunks(count: outer, grain: max(1, (1 << 15) / max(m * inner, 1)), alignment: 1) {
      range in
      for o in range {
        for k in 0..<m {
          let from = src + (o * m + k) * inner
          let to = dst + (o * n + Int(idx[k])) * inner
          for c in 0..<inner { to[c] += from[c] }
        }
      }
    }
  }
  switch base.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  return out
}

// MARK: - Cumulative sum

/// Running sums along `axis`, from the first element (or from the last when `reverse`).
func cumulativeSumKernel(_ x: Tensor, axis: Int, reverse: Bool) -> Tensor {
  let out = Tensor.uninitialized(shape: x.shape, dtype: x.dtype)
  if x.count == 0 { return out }
  let (outer, n, inner) = axisLayout(x.shape, axis: axis)
  func run<S: TensorScalar>(_ type: S.Type) {
    let src = x.pointer(S.self)
    let dst = out.pointer(S.self)
    parallelChunks(count: outer, grain: max(1, (1 << 15) / max(n * inner, 1)), alignment: 1) {
      range in
      for o in range {
        let s = src + o * n * inner
        let d = dst + o * n * inner
        if inner == 1 {
          var running: S = 0
          if reverse {
            for j in stride(from: n - 1, through: 0, by: -1) {
              running += s[j]
              d[j] = running
            }
          } else {
            for j in 0..<n {
              running += s[j]
              d[j] = running
            }
          }
          continue
        }
        let first = reverse ? n - 1 : 0
        let step = reverse ? -1 : 1
        for c in 0..<inner { d[first * inner + c] = s[first * inner + c] }
        var previous = first
        for t in 1..<max(n, 1) {
          let j = first + t * step
          for c in 0..<inner { d[j * inner + c] = d[previous * inner + c] + s[j * inner + c] }
          previous = j
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

// MARK: - Arg max / arg min

/// The index of the first maximum (`largest`) or minimum along the middle axis of
/// `[outer, n, inner]`, as `int32`; a NaN counts as the extreme value (PyTorch's convention).
func argExtremeKernel(_ x: Tensor, axis: Int, largest: Bool) -> Tensor {
  let (outer, n, inner) = axisLayout(x.shape, axis: axis)
  var outShape = x.shape
  outShape.remove(at: axis)
  let out = Tensor.uninitialized(shape: outShape, dtype: .int32)
  if out.count == 0 { return out }
  func run<S: TensorScalar>(_ type: S.Type) {
    let src = x.pointer(S.self)
    let dst = out.pointer(Int32.self)
    parallelChunks(count: outer * inner, grain: max(1, (1 << 15) / max(n, 1)), alignment: 1) {
      range in
      for lane in range {
        let o = lane / inner
        let c = lane % inner
        let s = src + o * n * inner + c
        var best = s[0]
        var bestIndex = 0
        if best == best {
          for j in 1..<max(n, 1) {
            let v = s[j * inner]
            if v != v {
              bestIndex = j
              break
            }
            if largest ? v > best : v < best {
              best = v
              bestIndex = j
            }
          }
        }
        dst[lane] = Int32(bestIndex)
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

// MARK: - Softmax

/// Softmax (or log-softmax) along the middle axis of `[outer, n, inner]`: max-shifted, with the
/// normalizer summed in index order.
func softmaxKernel(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
  let out = Tensor.uninitialized(shape: x.shape, dtype: x.dtype)
  if x.count == 0 { return out }
  let (outer, n, inner) = axisLayout(x.shape, axis: axis)
  func run<S: TensorFloat>(_ type: S.Type) {
    let src = x.pointer(S.self)
    let dst = out.pointer(S.self)
    if inner == 1 {
      parallelChunks(count: outer, grain: max(1, (1 << 14) / max(n, 1)), alignment: 1) { range in
        var o = range.lowerBound
        while o < range.upperBound {
          let rows = Swift.min(softmaxBlockRows(n), range.upperBound - o)
          softmaxRows(src + o * n, dst + o * n, rows: rows, n, log: log)
          o += rows
        }
      }
      return
    }
    parallelChunks(count: outer, grain: max(1, (1 << 14) / max(n * inner, 1)), alignment: 1) {
      range in
      // Lanes along `inner` are independent: every loop below runs over `c` innermost
      // (contiguous, vectorizable) and visits `j` in index order (deterministic).
      let shift = UnsafeMutablePointer<S>.allocate(capacity: inner)
      let total = UnsafeMutablePointer<S>.allocate(capacity: inner)
      defer {
        shift.deallocate()
        total.deallocate()
      }
      for o in range {
        let s = src + o * n * inner
        let d = dst + o * n * inner
        shift.update(repeating: -S.infinity, count: inner)
        total.update(repeating: 0, count: inner)
        for j in 0..<n {
          let row = s + j * inner
          for c in 0..<inner { shift[c] = MaxReduction.combine(shift[c], row[c]) }
        }
        for c in 0..<inner where !shift[c].isFinite && !shift[c].isNaN { shift[c] = 0 }
        for j in 0..<n {
          let row = s + j * inner
          let out = d + j * inner
          for c in 0..<inner { out[c] = row[c] - shift[c] }
          expInPlace(out, inner)
          for c in 0..<inner { total[c] += out[c] }
        }
        if log {
          // (x − m) − log Σ: subtracting the shift first keeps the small result accurate.
          for c in 0..<inner { total[c] = S.log(total[c]) }
          for j in 0..<n {
            for c in 0..<inner { d[j * inner + c] = (s[j * inner + c] - shift[c]) - total[c] }
          }
        } else {
          for c in 0..<inner { total[c] = 1 / total[c] }
          for j in 0..<n {
            for c in 0..<inner { d[j * inner + c] *= total[c] }
          }
        }
      }
    }
  }
  switch x.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  default: preconditionFailure("softmax: needs a floating-point tensor, got \(x.dtype)")
  }
  return out
}

/// Rows per block of ``softmaxRows(_:_:rows:_:log:)``: about 4096 values, so that the exp kernel
/// runs over whole vectors (a short row alone would spend most of its time in the scalar tail).
@inline(__always)
func softmaxBlockRows(_ n: Int) -> Int { Swift.max(1, 4096 / Swift.max(n, 1)) }

/// Softmax (or log-softmax) of `rows` contiguous rows of `n` values, `s` to `d` (the same buffer
/// only for softmax): each row max-shifted, one exp call over the whole block, then each row
/// normalized by its sum (summed in a fixed order, so the bits depend only on `n`).
func softmaxRows<S: TensorFloat>(
  _ s: UnsafeMutablePointer<S>, _ d: UnsafeMutablePointer<S>, rows: Int, _ n: Int, log: Bool
) {
  if n == 0 || rows == 0 { return }
  let shifts = UnsafeMutablePointer<S>.allocate(capacity: rows)
  defer { shifts.deallocate() }
  for r in 0..<rows {
    let (sr, dr) = (s + r * n, d + r * n)
    var shift = reduceContiguous(UnsafePointer(sr), n, MaxReduction.self, parallel: false)
    if !shift.isFinite && !shift.isNaN { shift = 0 }
    shifts[r] = shift
    for j in 0..<n { dr[j] = sr[j] - shift }
  }
  expInPlace(d, rows * n)
  for r in 0..<rows {
    let dr = d + r * n
    let total = reduceContiguous(UnsafePointer(dr), n, SumReduction.self, parallel: false)
    if log {
      // (x − m) − log Σ: subtracting the shift first keeps the small result accurate.
      let (sr, shift, logTotal) = (s + r * n, shifts[r], S.log(total))
      for j in 0..<n { dr[j] = (sr[j] - shift) - logTotal }
    } else {
      let scale = 1 / total
      for j in 0..<n { dr[j] *= scale }
    }
  }
}

/// `eˣ` in place over `n` values: the vectorized C kernel for float32 (CDescentKernels, within
/// 2 ulp), the C library for float64.
@inline(__always)
func expInPlace<S: TensorFloat>(_ values: UnsafeMutablePointer<S>, _ n: Int) {
  if S.self == Float.self {
    let p = UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self)
    VectorizedKernels.exp(p, p, n)
  } else {
    for i in 0..<n { values[i] = S.exp(values[i]) }
  }
}
