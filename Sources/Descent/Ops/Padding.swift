extension Tensor {
  /// Constant padding: `widths[d] = (before, after)` elements of `value` added around dimension
  /// `d` (NumPy's `pad(mode: "constant")`; PyTorch's `F.pad` lists the pairs last axis first).
  ///
  /// One pair per dimension, each non-negative. Derivative: the slice of the gradient that covers
  /// the original elements.
  public func pad(_ widths: [(Int, Int)], value: Double = 0) -> Tensor {
    precondition(
      widths.count == rank, "pad: \(widths.count) width pairs for a tensor of shape \(shape)")
    var result = self
    for (axis, (before, after)) in widths.enumerated() {
      precondition(
        before >= 0 && after >= 0,
        "pad: negative width (\(before), \(after)) for axis \(axis) of \(shape)")
      if before == 0 && after == 0 { continue }
      result = result.embedded(
        axis: axis, size: shape[axis] + before + after, start: before, step: 1, value: value)
    }
    return result
  }
}
