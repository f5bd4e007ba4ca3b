import CDescentKernels

/// An associative reduction with an identity.
protocol ReductionFunction {
  static func identity<T: TensorScalar>(_ type: T.Type) -> T
  static func combine<T: TensorScalar>(_ a: T, _ b: T) -> T
}

enum SumReduction: ReductionFunction {
  @inline(__always) static func identity<T: TensorScalar>(_ type: T.Type) -> T { 0 }
  @inline(__always) static func combine<T: TensorScalar>(_ a: T, _ b: T) -> T { a + b }
}

enum ProductReduction: ReductionFunction {
  @inline(__always) static func identity<T: TensorScalar>(_ type: T.Type) -> T { 1 }
  @inline(__always) static func combine<T: TensorScalar>(_ a: T, _ b: T) -> T { a * b }
}

/// Maximum; NaN propagates (a NaN anywhere makes the result NaN), as in PyTorch.
enum MaxReduction: ReductionFunction {
  @inline(__always) static func identity<T: TensorScalar>(_ type: T.Type) -> T { T.lowest }
  @inline(__always) static func combine<T: TensorScalar>(_ a: T, _ b: T) -> T {
    a != a ? a : (b != b || b > a ? b : a)
  }
}

/// Minimum; NaN propagates.
enum MinReduction: ReductionFunction {
  @inline(__always) static func identity<T: TensorScalar>(_ type: T.Type) -> T { T.highest }
  @inline(__always) static func combine<T: TensorScalar>(_ a: T, _ b: T) -> T {
    a != a ? a : (b != b || b < a ? b : a)
  }
}

/// Elements per block of a contiguous reduction. Fixed, so that results do not depend on the
/// number of threads: blocks are reduced with interleaved accumulators (eight; 32 in the C kernel
/// for float32 sums) and the block results are combined pairwise in index order.
let reductionBlock = 4096

/// Reduces `n` contiguous elements starting at `x`: blocked, eight lanes, pairwise over blocks.
@inline(__always)
func reduceContiguous<T: TensorScalar, R: ReductionFunction>(
  _ x: UnsafePointer<T>, _ n: Int, _ r: R.Type, parallel: Bool
) -> T {
  if n <= reductionBlock { return reduceBlock(x, n, r) }
  let blocks = (n + reductionBlock - 1) / reductionBlock
  var partial = [T](repeating: R.identity(T.self), count: blocks)
  partial.withUnsafeMutableBufferPointer { out in
    let out = out.baseAddress!
    let body: (Range<Int>) -> Void = { range in
      for b in range {
        let start = b * reductionBlock
        out[b] = reduceBlock(x + start, min(reductionBlock, n - start), r)
      }
    }
    if parallel { parallelChunks(count: blocks, grain: 8, alignment: 1, body) } else { body(0..<blocks) }
  }
  return combinePairwise(&partial, r)
}

@inline(__always)
func reduceBlock<T: TensorScalar, R: ReductionFunction>(_ x: UnsafePointer<T>, _ n: Int, _ r: R.Type) -> T {
  if T.self == Float.self && R.self == SumReduction.self {
    // The vectorized C kernel (32 fixed lanes: the same bits on every CPU).
    let sum = descent_sum_block_f32(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), n)
    return unsafeBitCast(sum, to: T.self)
  }
  let id = R.identity(T.self)
  var a0 = id, a1 = id, a2 = id, a3 = id, a4 = id, a5 = id, a6 = id, a7 = id
  var i = 0
  while i + 8 <= n {
    a0 = R.combine(a0, x[i])
    a1 = R.combine(a1, x[i + 1])
    a2 = R.combine(a2, x[i + 2])
    a3 = R.combine(a3, x[i + 3])
    a4 = R.combine(a4, x[i + 4])
    a5 = R.combine(a5, x[i + 5])
    a6 = R.combine(a6, x[i + 6])
    a7 = R.combine(a7, x[i + 7])
    i += 8
  }
  var tail = id
  while i < n {
    tail = R.combine(tail, x[i])
    i += 1
  }
  let left = R.combine(R.combine(a0, a1), R.combine(a2, a3))
  let right = R.combine(R.combine(a4, a5), R.combine(a6, a7))
  return R.combine(R.combine(left, right), tail)
}

@inline(__always)
func combinePairwise<T: TensorScalar, R: ReductionFunction>(_ values: inout [T], _ r: R.Type) -> T {
  var count = values.count
  if count == 0 { return R.identity(T.self) }
  while count > 1 {
    let half = count / 2
    for i in 0..<half { values[i] = R.combine(values[2 * i], values[2 * i + 1]) }
    if count % 2 == 1 {
      values[half] = values[count - 1]
      count = half + 1
    } else {
      count = half
    }
  }
  return values[0]
}

/// Reduces the middle dimension of a `[outer, n, inner]` layout into `[outer, inner]`.
@inline(__always)
func reduceMiddle<T: TensorScalar, R: ReductionFunction>(
  _ x: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int, _ r: R.Type
) {
  if inner == 1 {
    if outer == 1 {
      out[0] = reduceContiguous(x, n, r, parallel: true)
    } else {
      parallelChunks(count: outer, grain: max(1, (1 << 15) / max(n, 1)), alignment: 1) { rows in
        for o in rows { out[o] = reduceContiguous(x + o * n, n, r, parallel: false) }
      }
    }
    return
  }
  // Accumulate whole rows in index order into a local buffer: vectorizes across `inner` (no
  // aliasing with the input), deterministic over `n` (column chunking does not change any
  // column's summation order). Wide chunks keep the reads sequential; split further only to
  // give every thread work.
  var width = min(inner, 8192)
  let threads = Parallelism.threadCount
  if outer * ((inner + width - 1) / width) < threads {
    width = max(256, (inner + threads - 1) / threads)
  }
  let columnChunks = (inner + width - 1) / width
  let tasks = outer * columnChunks
  parallelChunks(count: tasks, grain: max(1, (1 << 15) / max(n * width, 1)), alignment: 1) { range in
    withUnsafeTemporaryAllocation(of: T.self, capacity: width) { buffer in
      let acc = buffer.baseAddress!
      for task in range {
        let o = task / columnChunks
        let c0 = (task % columnChunks) * width
        let w = min(inner, c0 + width) - c0
        let src = x + o * n * inner + c0
        acc.initialize(repeating: R.identity(T.self), count: w)
        if T.self == Float.self && R.self == SumReduction.self {
          let floatAcc = UnsafeMutableRawPointer(acc).assumingMemoryBound(to: Float.self)
          let floatSrc = UnsafeRawPointer(src).assumingMemoryBound(to: Float.self)
          descent_accumulate_rows_f32(floatAcc, floatSrc, inner, n, w)
        } else {
          for j in 0..<n {
            let row = src + j * inner
            for c in 0..<w { acc[c] = R.combine(acc[c], row[c]) }
          }
        }
        (out + o * inner + c0).update(from: acc, count: w)
      }
    }
  }
}

/// Dispatches a reduction over one contiguous run of axes `[first, last]` of `x`.
func reduceAxisRun<R: ReductionFunction>(_ x: Tensor, first: Int, last: Int, _ r: R.Type) -> Tensor {
  let outer = shapeElementCount(Array(x.shape[..<first]))
  let n = shapeElementCount(Array(x.shape[first...last]))
  let inner = shapeElementCount(Array(x.shape[(last + 1)...]))
  let shape = Array(x.shape[..<first]) + Array(x.shape[(last + 1)...])
  let out = Tensor.uninitialized(shape: shape, dtype: x.dtype)
  func run<T: TensorScalar>(_ t: T.Type) {
    if n == 0 {
      out.pointer(T.self).initialize(repeating: R.identity(T.self), count: out.count)
    } else {
      reduceMiddle(UnsafePointer(x.pointer(T.self)), into: out.pointer(T.self), outer: outer, n: n, inner: inner, r)
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

/// Reduces `x` over `axes` (normalized, sorted, unique), removing them from the shape.
func reduceAxes<R: ReductionFunction>(_ x: Tensor, axes: [Int], _ r: R.Type) -> Tensor {
  if axes.isEmpty { return x }
  // Runs of consecutive axes are reduced in one pass each, from the last run to the first.
  var runs: [(Int, Int)] = []
  for axis in axes {
    if let last = runs.last, last.1 + 1 == axis { runs[runs.count - 1].1 = axis } else { runs.append((axis, axis)) }
  }
  var result = x
  for (first, last) in runs.reversed() { result = reduceAxisRun(result, first: first, last: last, r) }
  return result
}

/// Normalizes possibly negative axes for a tensor of `rank`, sorted and unique. `nil` means all.
func normalizedAxes(_ axes: [Int]?, rank: Int, _ name: String) -> [Int] {
  guard let axes else { return Array(0..<rank) }
  let normalized = axes.map { axis -> Int in
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "\(name): axis \(axis) out of range for rank \(rank)")
    return a
  }
  let unique = Array(Set(normalized)).sorted()
  precondition(unique.count == normalized.count, "\(name): repeated axis in \(axes)")
  return unique
}

/// The shape after reducing `axes` with `keepDims`.
func reducedShape(_ shape: [Int], axes: [Int], keepDims: Bool) -> [Int] {
  var result: [Int] = []
  for (i, d) in shape.enumerated() {
    if axes.contains(i) {
      if keepDims { result.append(1) }
    } else {
      result.append(d)
    }
  }
  return result
}
