import CDescentKernels

/// The geometry of a 2-D sliding window over `[N, C, H, W]` planes (PyTorch's conventions): the
/// window at output position `(oh, ow)` reads input rows `oh·strideH − padH + ki·dilationH` and
/// columns `ow·strideW − padW + kj·dilationW`; out-of-range positions are padding.
struct WindowGeometry: Equatable {
  var inputHeight: Int
  var inputWidth: Int
  var kernel: Size2D
  var stride: Size2D
  var padding: Size2D
  var dilation: Size2D

  /// `⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1`, as in PyTorch.
  var outputHeight: Int {
    Self.outputExtent(inputHeight, kernel.height, stride.height, padding.height, dilation.height)
  }
  var outputWidth: Int {
    Self.outputExtent(inputWidth, kernel.width, stride.width, padding.width, dilation.width)
  }
  var windowSize: Int { kernel.height * kernel.width }
  var positions: Int { outputHeight * outputWidth }

  static func outputExtent(
    _ input: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ dilation: Int
  )
    -> Int
  {
    let span = input + 2 * padding - dilation * (kernel - 1) - 1
    return span < 0 ? 0 : span / stride + 1
  }

  /// Checks the parameters; `name` and `shape` go into the message.
  func validate(_ name: String, _ shape: [Int]) {
    precondition(
      kernel.height > 0 && kernel.width > 0 && stride.height > 0 && stride.width > 0
        && dilation.height > 0 && dilation.width > 0 && padding.height >= 0 && padding.width >= 0,
      "\(name): kernel \(kernel), stride \(stride), dilation \(dilation) must be positive and "
        + "padding \(padding) non-negative")
    precondition(
      outputHeight > 0 && outputWidth > 0,
      "\(name): kernel \(kernel) with dilation \(dilation) and padding \(padding) does not fit the "
        + "\(inputHeight)×\(inputWidth) input of shape \(shape)")
  }
}

/// Planes per chunk so that each chunk moves at least ~32K elements.
private func planeGrain(_ elementsPerPlane: Int) -> Int {
  max(1, 32_768 / max(elementsPerPlane, 1))
}

/// The output positions `ow` whose input position `ow·stride + offset` lies in `0..<input`.
@inline(__always)
private func validOutputs(offset: Int, stride: Int, input: Int, output: Int) -> Range<Int> {
  func ceilingDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
  let start = min(max(0, ceilingDivision(-offset, stride)), output)
  let end = min(max(start, ceilingDivision(input - offset, stride)), output)
  return start..<end
}

/// im2col: each of `planes` input planes `[H, W]` becomes a `[kh·kw, L]` block of `columns`,
/// row `ki·kw + kj`, column `oh·outW + ow` (zeros where the window meets padding).
func im2col<T: TensorScalar>(
  _ input: UnsafePointer<T>, _ columns: UnsafeMutablePointer<T>, planes: Int, _ g: WindowGeometry
) {
  let block = g.windowSize * g.positions
  parallelChunks(count: planes, grain: planeGrain(block), alignment: 1) { range in
    for plane in range {
      im2colPlane(
        input + plane * g.inputHeight * g.inputWidth, columns + plane * block,
        rowStride: g.positions, g)
    }
  }
}

/// im2col of one `[H, W]` plane into `kh·kw` rows of `L = outH·outW` values, row `ki·kw + kj`
/// starting at `columns + (ki·kw + kj)·rowStride` (so rows of several images can interleave, as in
/// the batched convolution's `[C·kh·kw, images·L]` layout). For each kernel offset the range of
/// valid output columns is computed once: the inner loop has no bounds test and, for unit stride,
/// is a contiguous copy. float32 runs the C kernel `descent_im2col_plane_f32` (the same loops,
/// vectorized).
@inline(__always)
func im2colPlane<T: TensorScalar>(
  _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, rowStride: Int, _ g: WindowGeometry
) {
  if T.self == Float.self {
    descent_im2col_plane_f32(
      UnsafeRawPointer(src).assumingMemoryBound(to: Float.self),
      UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self), rowStride,
      g.inputHeight, g.inputWidth, g.kernel.height, g.kernel.width, g.stride.height,
      g.stride.width, g.padding.height, g.padding.width, g.dilation.height, g.dilation.width,
      g.outputHeight, g.outputWidth)
    return
  }
  let (h, w) = (g.inputHeight, g.inputWidth)
  let (outH, outW) = (g.outputHeight, g.outputWidth)
  for ki in 0..<g.kernel.height {
    for kj in 0..<g.kernel.width {
      let row = dst + (ki * g.kernel.width + kj) * rowStride
      let rowOffset = ki * g.dilation.height - g.padding.height
      let columnOffset = kj * g.dilation.width - g.padding.width
      let valid = validOutputs(
        offset: columnOffset, stride: g.stride.width, input: w, output: outW)
      for oh in 0..<outH {
        let ih = oh * g.stride.height + rowOffset
        let out = row + oh * outW
        if ih < 0 || ih >= h {
          out.update(repeating: 0, count: outW)
          continue
        }
        let line = src + ih * w + columnOffset
        out.update(repeating: 0, count: valid.lowerBound)
        if g.stride.width == 1 {
          (out + valid.lowerBound).update(from: line + valid.lowerBound, count: valid.count)
        } else {
          for ow in valid { out[ow] = line[ow * g.stride.width] }
        }
        (out + valid.upperBound).update(repeating: 0, count: outW - valid.upperBound)
      }
    }
  }
}

/// col2im, the adjoint of ``im2col``: sums each `[kh·kw, L]` block of `columns` back into its
/// `[H, W]` plane of `output` (overlapping windows add up; padding positions are dropped).
func col2im<T: TensorScalar>(
  _ columns: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, planes: Int, _ g: WindowGeometry
) {
  let block = g.windowSize * g.positions
  parallelChunks(count: planes, grain: planeGrain(block), alignment: 1) { range in
    for plane in range {
      col2imPlane(
        columns + plane * block, output + plane * g.inputHeight * g.inputWidth,
        rowStride: g.positions, g)
    }
  }
}

/// col2im of one plane, the adjoint of ``im2colPlane``: overwrites the `[H, W]` plane `dst` with
/// the sums of the `kh·kw` rows at `src + r·rowStride`. Each output element receives its terms in
/// the fixed order of kernel offsets, so the result does not depend on the threads.
@inline(__always)
func col2imPlane<T: TensorScalar>(
  _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, rowStride: Int, _ g: WindowGeometry
) {
  if T.self == Float.self {
    descent_col2im_plane_f32(
      UnsafeRawPointer(src).assumingMemoryBound(to: Float.self),
      UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self), rowStride,
      g.inputHeight, g.inputWidth, g.kernel.height, g.kernel.width, g.stride.height,
      g.stride.width, g.padding.height, g.padding.width, g.dilation.height, g.dilation.width,
      g.outputHeight, g.outputWidth)
    return
  }
  let (h, w) = (g.inputHeight, g.inputWidth)
  let (outH, outW) = (g.outputHeight, g.outputWidth)
  dst.update(repeating: 0, count: h * w)
  for ki in 0..<g.kernel.height {
    for kj in 0..<g.kernel.width {
      let row = src + (ki * g.kernel.width + kj) * rowStride
      let rowOffset = ki * g.dilation.height - g.padding.height
      let columnOffset = kj * g.dilation.width - g.padding.width
      let valid = validOutputs(
        offset: columnOffset, stride: g.stride.width, input: w, output: outW)
      for oh in 0..<outH {
        let ih = oh * g.stride.height + rowOffset
        if ih < 0 || ih >= h { continue }
        let line = dst + ih * w + columnOffset
        let values = row + oh * outW
        if g.stride.width == 1 {
          for ow in valid { line[ow] += values[ow] }
        } else {
          for ow in valid { line[ow * g.stride.width] += values[ow] }
        }
      }
    }
  }
}

/// For max pooling: the index within its plane (`ih·W + iw`) of the largest element of each window,
/// padding excluded (as if padded with −∞). Ties go to the first in row-major window order and a
/// NaN wins, as in PyTorch. `indices` is `[planes, outH·outW]`.
func windowArgmax<T: TensorScalar>(
  _ input: UnsafePointer<T>, _ indices: UnsafeMutablePointer<Int32>, planes: Int,
  _ g: WindowGeometry
) {
  let (h, w) = (g.inputHeight, g.inputWidth)
  let (outH, outW) = (g.outputHeight, g.outputWidth)
  parallelChunks(count: planes, grain: planeGrain(outH * outW * g.windowSize), alignment: 1) {
    range in
    for plane in range {
      let src = input + plane * h * w
      let dst = indices + plane * outH * outW
      for oh in 0..<outH {
        for ow in 0..<outW {
          var best = -1
          var bestValue = T.lowest
          for ki in 0..<g.kernel.height {
            let ih = oh * g.stride.height - g.padding.height + ki * g.dilation.height
            if ih < 0 || ih >= h { continue }
            for kj in 0..<g.kernel.width {
              let iw = ow * g.stride.width - g.padding.width + kj * g.dilation.width
              if iw < 0 || iw >= w { continue }
              let value = src[ih * w + iw]
              if best < 0 || value > bestValue || value != value {
                best = ih * w + iw
                bestValue = value
                if value != value { break }
              }
            }
            if bestValue != bestValue { break }
          }
          dst[oh * outW + ow] = Int32(best)
        }
      }
    }
  }
}

/// `output[p, i] = input[p, indices[p, i]]` for each of `planes` planes.
func gatherInPlanes<T: TensorScalar>(
  _ input: UnsafePointer<T>, planeSize: Int, _ indices: UnsafePointer<Int32>, perPlane: Int,
  _ output: UnsafeMutablePointer<T>, planes: Int
) {
  parallelChunks(count: planes, grain: planeGrain(perPlane), alignment: 1) { range in
    for plane in range {
      let src = input + plane * planeSize
      let index = indices + plane * perPlane
      let dst = output + plane * perPlane
      for i in 0..<perPlane { dst[i] = src[Int(index[i])] }
    }
  }
}

/// The adjoint of ``gatherInPlanes``: `output[p, indices[p, i]] += values[p, i]`, from zeros.
func scatterAddInPlanes<T: TensorScalar>(
  _ values: UnsafePointer<T>, perPlane: Int, _ indices: UnsafePointer<Int32>,
  _ output: UnsafeMutablePointer<T>, planeSize: Int, planes: Int
) {
  parallelChunks(count: planes, grain: planeGrain(perPlane + planeSize), alignment: 1) { range in
    for plane in range {
      let dst = output + plane * planeSize
      dst.update(repeating: 0, count: planeSize)
      let index = indices + plane * perPlane
      let src = values + plane * perPlane
      for i in 0..<perPlane { dst[Int(index[i])] += src[i] }
    }
  }
}
