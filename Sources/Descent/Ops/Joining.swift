// Joining and splitting along an axis, and repetition. The derivative of a concatenation is a
// slice of the gradient per input; of a slice, the gradient embedded in zeros.

extension Tensor {
  /// The tensors joined along an existing `axis` (NumPy's `concatenate`, PyTorch's `cat`).
  ///
  /// All must have the same rank (≥ 1), dtype, and extents except along `axis`.
  /// Derivative: the slice of the gradient that each input occupies.
  public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concatenate: no tensors")
    let first = tensors[0]
    precondition(first.rank >= 1, "concatenate: cannot concatenate rank-0 tensors")
    let a = checkedAxis(axis, rank: first.rank, "concatenate")
    for t in tensors {
      checkSameDType(first, t, "concatenate")
      var expected = first.shape
      expected[a] = t.rank == first.rank ? t.shape[a] : -1
      precondition(
        t.shape == expected,
        "concatenate: shapes \(first.shape) and \(t.shape) differ outside axis \(a)")
    }
    if tensors.count == 1 { return first }
    let sizes = tensors.map { $0.shape[a] }
    let total = sizes.reduce(0, +)
    var outShape = first.shape
    outShape[a] = total
    let out = Tensor.uninitialized(shape: outShape, dtype: first.dtype)
    let (outer, _, inner) = axisLayout(outShape, axis: a)
    var offset = 0
    var offsets: [Int] = []
    for (t, n) in zip(tensors, sizes) {
      copyAlongAxis(
        from: t, srcN: n, srcStart: 0, srcStep: 1, to: out, dstN: total, dstStart: offset,
        dstStep: 1, count: n, outer: outer, inner: inner)
      offsets.append(offset)
      offset += n
    }
    return record("concatenate", out, inputs: tensors) { g, _ in
      zip(tensors, zip(offsets, sizes)).map { t, range in
        t.isTracked ? g.slice(axis: a, start: range.0, end: range.0 + range.1) : nil
      }
    }
  }

  /// The tensors, all of one shape, joined along a new dimension at `axis` (NumPy's and
  /// PyTorch's `stack`); `axis` may be `-1` for a new last dimension.
  public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "stack: no tensors")
    let shape = tensors[0].shape
    for t in tensors {
      precondition(t.shape == shape, "stack: shapes \(shape) and \(t.shape) differ")
    }
    let a = axis < 0 ? axis + shape.count + 1 : axis
    precondition(
      a >= 0 && a <= shape.count, "stack: axis \(axis) out of range for rank \(shape.count + 1)")
    return concatenate(tensors.map { $0.unsqueezed(axis: a) }, axis: a)
  }

  /// Consecutive pieces of the given `sizes` along `axis`, which must add up to its extent
  /// (PyTorch's `split` with a list). Derivative: each piece's gradient lands in its place.
  public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
    precondition(rank >= 1, "split: cannot split a rank-0 tensor")
    let a = checkedAxis(axis, rank: rank, "split")
    precondition(
      sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
      "split: sizes \(sizes) do not add up to \(shape[a]), axis \(a) of \(shape)")
    var start = 0
    return sizes.map { n in
      defer { start += n }
      return slice(axis: a, start: start, end: start + n)
    }
  }

  /// `count` equal pieces along `axis`, whose extent `count` must divide (NumPy's `split` with a
  /// number).
  public func split(count: Int, axis: Int = 0) -> [Tensor] {
    precondition(rank >= 1, "split: cannot split a rank-0 tensor")
    let a = checkedAxis(axis, rank: rank, "split")
    precondition(
      count >= 1 && shape[a] % count == 0,
      "split: \(count) equal pieces do not divide extent \(shape[a]) of axis \(a) of \(shape)")
    return split(sizes: Array(repeating: shape[a] / count, count: count), axis: a)
  }

  /// The tensor repeated `multiples[d]` times along each dimension `d` (PyTorch's `repeat`,
  /// NumPy's `tile` with one multiple per dimension). Built from reshape and broadcast, so its
  /// derivative sums the gradient over the copies.
  public func tiled(_ multiples: [Int]) -> Tensor {
    precondition(
      multiples.count == rank && multiples.allSatisfy { $0 >= 0 },
      "tiled: need \(rank) non-negative multiples for shape \(shape), got \(multiples)")
    let interleaved = shape.flatMap { [1, $0] }
    let target = zip(multiples, shape).flatMap { [$0, $1] }
    return reshaped(interleaved).expanded(to: target).reshaped(
      zip(multiples, shape).map { $0 * $1 })
  }

  /// Each element repeated `repeats` times in place along `axis` (PyTorch's `repeat_interleave`,
  /// NumPy's `repeat`): `[a, b]` → `[a, a, b, b]`. Derivative: sums over the copies.
  public func repeated(_ repeats: Int, axis: Int) -> Tensor {
    precondition(rank >= 1, "repeated: cannot repeat along an axis of a rank-0 tensor")
    let a = checkedAxis(axis, rank: rank, "repeated")
    precondition(repeats >= 0, "repeated: repeats must be non-negative, got \(repeats)")
    var withCopies = shape
    withCopies.insert(1, at: a + 1)
    var target = withCopies
    target[a + 1] = repeats
    var outShape = shape
    outShape[a] *= repeats
    return reshaped(withCopies).expanded(to: target).reshaped(outShape)
  }
}
