// Slicing, gather/scatter and index selection. Each derivative is another op of this file
// (slice ↔ embed, gather ↔ scatterAdd, indexSelect ↔ indexAdd), so every order works.

extension Tensor {
  /// The elements `start, start + step, …` before `end` along `axis`, like Python's
  /// `x[..., start:end:step, ...]`.
  ///
  /// Negative `start`/`end` count from the end; both are then clamped to `0...n` (Python
  /// semantics, so an out-of-range bound gives a shorter or empty result rather than an error).
  /// `end` defaults to the end of the axis; `step` must be positive (as in PyTorch).
  /// Derivative: the gradient is placed back at the selected positions of a zero tensor.
  public func slice(axis: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Tensor {
    precondition(rank >= 1, "slice: cannot slice a rank-0 tensor")
    let a = checkedAxis(axis, rank: rank, "slice")
    precondition(step >= 1, "slice: step must be positive, got \(step)")
    let n = shape[a]
    func resolve(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + n : i, 0), n) }
    let from = resolve(start)
    let to = Swift.max(resolve(end ?? n), from)
    let count = (to - from + step - 1) / step
    if from == 0 && count == n && (step == 1 || n <= 1) { return self }
    var outShape = shape
    outShape[a] = count
    let out = Tensor.uninitialized(shape: outShape, dtype: dtype)
    let (outer, _, inner) = axisLayout(shape, axis: a)
    copyAlongAxis(
      from: self, srcN: n, srcStart: from, srcStep: step, to: out, dstN: count, dstStart: 0,
      dstStep: 1, count: count, outer: outer, inner: inner)
    return record("slice", out, inputs: [self]) { g, _ in
      [g.embedded(axis: a, size: n, start: from, step: step, value: 0)]
    }
  }

  /// A tensor of extent `size` along `axis`, filled with `value`, holding this tensor's elements
  /// at positions `start, start + step, …` (the derivative of ``slice(axis:start:end:step:)``, and
  /// one axis of ``pad(_:value:)``). Derivative: the slice at those positions.
  func embedded(axis: Int, size: Int, start: Int, step: Int, value: Double) -> Tensor {
    let n = shape[axis]
    precondition(
      start >= 0 && (n == 0 || start + (n - 1) * step < size),
      "embedded: \(n) elements from \(start) by \(step) do not fit in \(size) along axis \(axis) of \(shape)"
    )
    var outShape = shape
    outShape[axis] = size
    let out = Tensor.full(outShape, value: value, dtype: dtype)
    let (outer, _, inner) = axisLayout(shape, axis: axis)
    copyAlongAxis(
      from: self, srcN: n, srcStart: 0, srcStep: 1, to: out, dstN: size, dstStart: start,
      dstStep: step, count: n, outer: outer, inner: inner)
    return record("embed", out, inputs: [self]) { g, _ in
      [g.slice(axis: axis, start: start, end: start + n * step, step: step)]
    }
  }

  /// Picks elements along `axis` by `indices` (PyTorch's `torch.gather`): for rank 3 and axis 1,
  /// `out[i][j][k] = self[i][indices[i][j][k]][k]`.
  ///
  /// `indices` is `int32`, of the same rank as this tensor, no larger in any dimension other than
  /// `axis`, with values in `0..<shape[axis]`; the result has the shape of `indices`.
  /// Derivative: ``scatterAdd(axis:indices:values:)`` of the gradient into zeros.
  public func gather(axis: Int, indices: Tensor) -> Tensor {
    precondition(rank >= 1, "gather: cannot gather from a rank-0 tensor")
    let a = checkedAxis(axis, rank: rank, "gather")
    checkGatherShapes(indices, values: nil, axis: a, "gather")
    checkIndices(indices, bound: shape[a], "gather", axis: a, shape: shape)
    let out = gatherKernel(self, axis: a, indices: indices)
    let inputShape = shape
    let inputType = dtype
    return record("gather", out, inputs: [self]) { g, _ in
      [Tensor.zeros(inputShape, dtype: inputType).scatterAdd(axis: a, indices: indices, values: g)]
    }
  }

  /// This tensor with `values` added at the positions `indices` address along `axis` (PyTorch's
  /// `Tensor.scatter_add`): for rank 3 and axis 1, `out[i][indices[i][j][k]][k] += values[i][j][k]`.
  ///
  /// `values` has the shape of `indices` (see ``gather(axis:indices:)`` for the index rules).
  /// Deterministic: additions into one element happen in row-major order of `indices`, whatever
  /// the number of threads. Derivatives: the gradient itself for this tensor; its
  /// ``gather(axis:indices:)`` for `values`.
  public func scatterAdd(axis: Int, indices: Tensor, values: Tensor) -> Tensor {
    precondition(rank >= 1, "scatterAdd: cannot scatter into a rank-0 tensor")
    checkSameDType(self, values, "scatterAdd")
    let a = checkedAxis(axis, rank: rank, "scatterAdd")
    checkGatherShapes(indices, values: values, axis: a, "scatterAdd")
    checkIndices(indices, bound: shape[a], "scatterAdd", axis: a, shape: shape)
    let out = scatterAddKernel(self, axis: a, indices: indices, values: values)
    return record("scatterAdd", out, inputs: [self, values]) { g, _ in
      [g, values.isTracked ? g.gather(axis: a, indices: indices) : nil]
    }
  }

  private func checkGatherShapes(_ indices: Tensor, values: Tensor?, axis: Int, _ name: String) {
    precondition(
      indices.rank == rank,
      "\(name): indices \(indices.shape) must have the rank of the tensor \(shape)")
    for d in 0..<rank where d != axis {
      precondition(
        indices.shape[d] <= shape[d],
        "\(name): indices \(indices.shape) larger than the tensor \(shape) in dimension \(d)")
    }
    if let values {
      precondition(
        values.shape == indices.shape,
        "\(name): values \(values.shape) must have the shape of indices \(indices.shape)")
    }
  }

  /// The slices at `indices` along `axis`, in that order (PyTorch's `index_select`, NumPy's
  /// `take(axis:)`). `indices` is a 1-D `int32` tensor with values in `0..<shape[axis]`; repeats
  /// are allowed. Derivative: ``indexAdd(axis:indices:values:)`` of the gradient into zeros.
  public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
    precondition(rank >= 1, "indexSelect: cannot select from a rank-0 tensor")
    let a = checkedAxis(axis, rank: rank, "indexSelect")
    precondition(indices.rank == 1, "indexSelect: indices must be 1-D, got shape \(indices.shape)")
    checkIndices(indices, bound: shape[a], "indexSelect", axis: a, shape: shape)
    let out = indexSelectKernel(self, axis: a, indices: indices)
    let inputShape = shape
    let inputType = dtype
    return record("indexSelect", out, inputs: [self]) { g, _ in
      [Tensor.zeros(inputShape, dtype: inputType).indexAdd(axis: a, indices: indices, values: g)]
    }
  }

  /// This tensor with slice `k` of `values` added to slice `indices[k]` along `axis` (PyTorch's
  /// `index_add`). `values` has this tensor's shape except `indices.count` along `axis`.
  /// Deterministic: repeated indices accumulate in the order of `k`. Derivatives: the gradient
  /// for this tensor; its ``indexSelect(axis:indices:)`` for `values`.
  public func indexAdd(axis: Int, indices: Tensor, values: Tensor) -> Tensor {
    precondition(rank >= 1, "indexAdd: cannot add into a rank-0 tensor")
    checkSameDType(self, values, "indexAdd")
    let a = checkedAxis(axis, rank: rank, "indexAdd")
    precondition(indices.rank == 1, "indexAdd: indices must be 1-D, got shape \(indices.shape)")
    var expected = shape
    expected[a] = indices.count
    precondition(
      values.shape == expected,
      "indexAdd: values \(values.shape) must be \(expected) for \(indices.count) indices along axis \(a) of \(shape)"
    )
    checkIndices(indices, bound: shape[a], "indexAdd", axis: a, shape: shape)
    let out = indexAddKernel(self, axis: a, indices: indices, values: values)
    return record("indexAdd", out, inputs: [self, values]) { g, _ in
      [g, values.isTracked ? g.indexSelect(axis: a, indices: indices) : nil]
    }
  }

  /// One-hot encoding of `int32` class indices: shape `shape + [classes]`, 1 at each index and 0
  /// elsewhere (PyTorch's `one_hot`, but with a floating-point result). Not differentiable.
  public func oneHot(classes: Int, dtype resultType: DType = .float32) -> Tensor {
    precondition(dtype == .int32, "oneHot: needs int32 class indices, got \(dtype)")
    precondition(classes >= 0, "oneHot: classes must be non-negative, got \(classes)")
    checkIndices(self, bound: classes, "oneHot", axis: rank, shape: shape + [classes])
    let out = Tensor.zeros(shape + [classes], dtype: resultType)
    let idx = pointer(Int32.self)
    for i in 0..<count {
      let position = i * classes + Int(idx[i])
      switch resultType {
      case .float32: out.pointer(Float.self)[position] = 1
      case .float64: out.pointer(Double.self)[position] = 1
      case .int32: out.pointer(Int32.self)[position] = 1
      case .uint8: out.pointer(UInt8.self)[position] = 1
      }
    }
    return out
  }
}
