import CDescentKernels

// 2-D pooling over NCHW tensors, PyTorch's semantics (floor mode, no ceil_mode).

extension Tensor {
  /// Max pooling, `torch.nn.functional.max_pool2d` (`ceil_mode=False`): the largest element of
  /// each `kernelSize` window, windows `stride` apart (default: `kernelSize`), the input padded with
  /// −∞ by `padding` (at most half the kernel, as in PyTorch). Ties go to the first element of the
  /// window in row-major order; a NaN in a window is the result.
  ///
  /// Derivative: the gradient goes to the element that was the maximum (a gather by the argmax
  /// indices, whose adjoint is a scatter-add), so second derivatives are those of the selected
  /// elements (zero through the selection itself).
  public func maxPool2d(
    kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1
  ) -> Tensor {
    precondition(rank == 4, "maxPool2d: needs [N, C, H, W], got \(shape)")
    precondition(dtype.isFloatingPoint, "maxPool2d: needs float32 or float64, got \(dtype)")
    let geometry = WindowGeometry(
      inputHeight: shape[2], inputWidth: shape[3], kernel: kernelSize, stride: stride ?? kernelSize,
      padding: padding, dilation: dilation)
    geometry.validate("maxPool2d", shape)
    precondition(
      2 * padding.height <= kernelSize.height && 2 * padding.width <= kernelSize.width,
      "maxPool2d: padding \(padding) must be at most half the kernel size \(kernelSize)")
    let planes = shape[0] * shape[1]
    let indices = PlaneIndices(
      planes: planes, perPlane: geometry.positions, planeSize: shape[2] * shape[3])
    if dtype == .float32 && padding == Size2D(0) {
      // Argmax and values in one pass (C kernel), then the gather's node without re-gathering.
      let values = Tensor.uninitialized(shape: [planes, geometry.positions], dtype: dtype)
      let source = pointer(Float.self)
      let perChunk = Swift.max(1, (1 << 15) / Swift.max(1, shape[2] * shape[3]))
      indices.values.withUnsafeMutableBufferPointer { buffer in
        let index = buffer.baseAddress!
        parallelChunks(count: planes, grain: perChunk, alignment: 1) { range in
          let offset = range.lowerBound * geometry.positions
          descent_maxpool_unpadded_f32(
            source + range.lowerBound * shape[2] * shape[3], values.pointer(Float.self) + offset,
            index + offset, range.count, shape[2], shape[3], kernelSize.height, kernelSize.width,
            geometry.stride.height, geometry.stride.width, dilation.height, dilation.width,
            geometry.outputHeight, geometry.outputWidth)
        }
      }
      return gathered(by: indices, precomputed: values).reshaped(
        [shape[0], shape[1], geometry.outputHeight, geometry.outputWidth])
    }
    indices.values.withUnsafeMutableBufferPointer { buffer in
      if dtype == .float64 {
        windowArgmax(pointer(Double.self), buffer.baseAddress!, planes: planes, geometry)
      } else {
        windowArgmax(pointer(Float.self), buffer.baseAddress!, planes: planes, geometry)
      }
    }
    return gathered(by: indices).reshaped(
      [shape[0], shape[1], geometry.outputHeight, geometry.outputWidth])
  }

  /// Average pooling, `torch.nn.functional.avg_pool2d` with PyTorch's defaults
  /// (`count_include_pad=True`, `ceil_mode=False`): the mean of each `kernelSize` window, windows
  /// `stride` apart (default: `kernelSize`), zero padding counted in the mean (every window is
  /// divided by `kh·kw`). Linear: its derivative spreads `ḡ/(kh·kw)` over each window.
  public func avgPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) -> Tensor {
    precondition(rank == 4, "avgPool2d: needs [N, C, H, W], got \(shape)")
    precondition(
      2 * padding.height <= kernelSize.height && 2 * padding.width <= kernelSize.width,
      "avgPool2d: padding \(padding) must be at most half the kernel size \(kernelSize)")
    let stride = stride ?? kernelSize
    let geometry = WindowGeometry(
      inputHeight: shape[2], inputWidth: shape[3], kernel: kernelSize, stride: stride,
      padding: padding, dilation: 1)
    geometry.validate("avgPool2d", shape)
    let columns = unfold(kernelSize: kernelSize, stride: stride, padding: padding)
    return columns.reshaped([shape[0], shape[1], geometry.windowSize, geometry.positions])
      .mean(axis: 2)
      .reshaped([shape[0], shape[1], geometry.outputHeight, geometry.outputWidth])
  }

  /// Adaptive average pooling, `torch.nn.functional.adaptive_avg_pool2d`: output cell `(i, j)` is
  /// the mean of input rows `⌊iH/outH⌋ ..< ⌈(i+1)H/outH⌉` and the analogous columns. Computed as
  /// `Pₕ · x · Pᵥᵀ` with constant averaging matrices, so it is linear and differentiable.
  public func adaptiveAvgPool2d(outputSize: Size2D) -> Tensor {
    precondition(rank == 4, "adaptiveAvgPool2d: needs [N, C, H, W], got \(shape)")
    precondition(
      outputSize.height > 0 && outputSize.width > 0,
      "adaptiveAvgPool2d: output size \(outputSize) must be positive")
    let rows = adaptiveAveragingMatrix(input: shape[2], output: outputSize.height, dtype: dtype)
    let columns = adaptiveAveragingMatrix(input: shape[3], output: outputSize.width, dtype: dtype)
    return rows.matmul(self).matmul(columns.transposed())
  }

  /// Global average pooling: `[N, C, H, W] → [N, C]`, the mean of each plane.
  public func globalAvgPool2d() -> Tensor {
    precondition(rank == 4, "globalAvgPool2d: needs [N, C, H, W], got \(shape)")
    return mean(axes: [2, 3])
  }

  /// `result[p, i] = self[p, indices[p, i]]` over planes of `indices.planeSize` elements,
  /// shaped `[planes, perPlane]`. Derivative: ``scatteredAdd(by:)``.
  /// `precomputed`: the gathered values when the caller already has them.
  fileprivate func gathered(by indices: PlaneIndices, precomputed: Tensor? = nil) -> Tensor {
    let out =
      precomputed ?? Tensor.uninitialized(shape: [indices.planes, indices.perPlane], dtype: dtype)
    if precomputed == nil { fillGathered(out, by: indices) }
    let inputShape = shape
    return record("gather", out, inputs: [self]) { g, _ in
      [g.scatteredAdd(by: indices).reshaped(inputShape)]
    }
  }

  /// Writes `self[p, indices[p, i]]` into `out`.
  private func fillGathered(_ out: Tensor, by indices: PlaneIndices) {
    indices.values.withUnsafeBufferPointer { index in
      func run<T: TensorFloat>(_ t: T.Type) {
        gatherInPlanes(
          pointer(T.self), planeSize: indices.planeSize, index.baseAddress!,
          perPlane: indices.perPlane, out.pointer(T.self), planes: indices.planes)
      }
      if dtype == .float64 { run(Double.self) } else { run(Float.self) }
    }
  }

  /// The adjoint of ``gathered(by:)``: `[planes, perPlane]` values added into zero planes,
  /// `[planes, planeSize]`. Derivative: ``gathered(by:)``.
  fileprivate func scatteredAdd(by indices: PlaneIndices) -> Tensor {
    let source = reshaped([indices.planes, indices.perPlane])
    let out = Tensor.uninitialized(shape: [indices.planes, indices.planeSize], dtype: dtype)
    indices.values.withUnsafeBufferPointer { index in
      func run<T: TensorFloat>(_ t: T.Type) {
        scatterAddInPlanes(
          source.pointer(T.self), perPlane: indices.perPlane, index.baseAddress!,
          out.pointer(T.self), planeSize: indices.planeSize, planes: indices.planes)
      }
      if dtype == .float64 { run(Double.self) } else { run(Float.self) }
    }
    return record("scatterAdd", out, inputs: [source]) { g, _ in [g.gathered(by: indices)] }
  }
}

/// Per-plane element indices (`[planes, perPlane]`, each in `0..<planeSize`), shared by the
/// gather and scatter rules of max pooling without copying.
private final class PlaneIndices: @unchecked Sendable {
  let planes: Int
  let perPlane: Int
  let planeSize: Int
  var values: [Int32]

  init(planes: Int, perPlane: Int, planeSize: Int) {
    self.planes = planes
    self.perPlane = perPlane
    self.planeSize = planeSize
    values = [Int32](repeating: 0, count: planes * perPlane)
  }
}

/// `[output, input]`: row `i` averages inputs `⌊i·input/output⌋ ..< ⌈(i+1)·input/output⌉`.
private func adaptiveAveragingMatrix(input: Int, output: Int, dtype: DType) -> Tensor {
  var values = [Double](repeating: 0, count: output * input)
  for i in 0..<output {
    let start = (i * input) / output
    let end = ((i + 1) * input + output - 1) / output
    for j in start..<end { values[i * input + j] = 1 / Double(end - start) }
  }
  return Tensor(values, shape: [output, input], dtype: dtype)
}
