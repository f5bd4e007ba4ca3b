extension Tensor {
  /// The sum over `axes` (all when `nil`), removing them unless `keepDims`.
  ///
  /// Deterministic: blocked summation with a fixed order, whatever the thread count.
  public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    let axes = normalizedAxes(axes, rank: rank, "sum")
    let kept = reducedShape(shape, axes: axes, keepDims: true)
    let out = reduceAxes(self, axes: axes, SumReduction.self).reshapedStorage(
      reducedShape(shape, axes: axes, keepDims: keepDims))
    let inputShape = shape
    return record("sum", out, inputs: [self]) { g, _ in
      [g.reshaped(kept).expanded(to: inputShape)]
    }
  }

  /// The sum over one axis.
  public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

  /// The mean over `axes` (all when `nil`).
  public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    let normalized = normalizedAxes(axes, rank: rank, "mean")
    let n = normalized.reduce(1) { $0 * shape[$1] }
    return sum(axes: normalized, keepDims: keepDims) / Double(n)
  }

  /// The mean over one axis.
  public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }
}
