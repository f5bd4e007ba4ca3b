// The three bilinear products of a 2-D convolution as differentiable ops: the convolution
// `y = W ⋆ x`, its input gradient (the transposed convolution `Wᵀ ⋆ᵀ ḡ`) and its weight gradient
// (the correlation `ḡ ⋆ x`). The derivatives of each are the other two, so `conv2d` has derivatives
// of every order without storing its unfolded input. Kernels: ConvolutionKernels.swift.

/// Runs `body` with the element type of `dtype`.
private func withScalarType(_ dtype: DType, _ body: some ConvolutionBody) {
  switch dtype {
  case .float32: body.run(Float.self)
  case .float64: body.run(Double.self)
  case .int32: body.run(Int32.self)
  case .uint8: body.run(UInt8.self)
  }
}

private protocol ConvolutionBody {
  func run<T: TensorScalar>(_ type: T.Type)
}

/// `y = W ⋆ x (+ bias)`, `[N, O, outH, outW]`.
func convolved(_ x: Tensor, _ w: Tensor, bias: Tensor?, _ s: ConvolutionShape) -> Tensor {
  let y = Tensor.uninitialized(
    shape: [s.batch, s.outputChannels, s.geometry.outputHeight, s.geometry.outputWidth],
    dtype: x.dtype)
  struct Forward: ConvolutionBody {
    let x: Tensor, w: Tensor, bias: Tensor?, y: Tensor, s: ConvolutionShape
    func run<T: TensorScalar>(_ type: T.Type) {
      convolutionForward(
        x.pointer(T.self), w.pointer(T.self), bias: bias.map { UnsafePointer($0.pointer(T.self)) },
        y.pointer(T.self), s)
    }
  }
  withScalarType(x.dtype, Forward(x: x, w: w, bias: bias, y: y, s: s))
  let inputs = bias.map { [x, w, $0] } ?? [x, w]
  return record("conv2d", y, inputs: inputs) { g, _ in
    var gradients =
      x.isTracked && w.isTracked && !GradMode.isRecording
      ? convolutionGradients(x, g, w, s)
      : [
        x.isTracked ? convolutionInputGradient(g, w, s) : nil,
        w.isTracked ? convolutionWeightGradient(x, g, s) : nil,
      ]
    if let bias { gradients.append(bias.isTracked ? g.sum(axes: [0, 2, 3]) : nil) }
    return gradients
  }
}

/// Both gradients of ``convolved(_:_:bias:_:)`` from one pass over the chunks (`[ḡx, ḡW]`),
/// untracked: for a backward pass that is not recorded.
private func convolutionGradients(_ x: Tensor, _ g: Tensor, _ w: Tensor, _ s: ConvolutionShape)
  -> [Tensor?]
{
  let gx = Tensor.uninitialized(shape: x.shape, dtype: x.dtype)
  let gw = Tensor.uninitialized(shape: w.shape, dtype: w.dtype)
  struct Backward: ConvolutionBody {
    let x: Tensor, g: Tensor, w: Tensor, gx: Tensor, gw: Tensor, s: ConvolutionShape
    func run<T: TensorScalar>(_ type: T.Type) {
      convolutionBackward(
        x.pointer(T.self), g.pointer(T.self), w.pointer(T.self), inputGradient: gx.pointer(T.self),
        weightGradient: gw.pointer(T.self), s)
    }
  }
  withScalarType(x.dtype, Backward(x: x, g: g, w: w, gx: gx, gw: gw, s: s))
  return [gx, gw]
}

/// `ḡx = Wᵀ ⋆ᵀ ḡ`, `[N, C, H, W]`: the derivative of ``convolved(_:_:bias:_:)`` with respect to
/// its input, linear in `g` and in `w`.
func convolutionInputGradient(_ g: Tensor, _ w: Tensor, _ s: ConvolutionShape) -> Tensor {
  let gx = Tensor.uninitialized(
    shape: [s.batch, s.channels, s.geometry.inputHeight, s.geometry.inputWidth], dtype: g.dtype)
  struct InputGradient: ConvolutionBody {
    let g: Tensor, w: Tensor, gx: Tensor, s: ConvolutionShape
    func run<T: TensorScalar>(_ type: T.Type) {
      convolutionInputGradient(g.pointer(T.self), w.pointer(T.self), gx.pointer(T.self), s)
    }
  }
  withScalarType(g.dtype, InputGradient(g: g, w: w, gx: gx, s: s))
  return record("conv2dInputGradient", gx, inputs: [g, w]) { h, _ in
    // ⟨h, Wᵀ ⋆ᵀ g⟩ = ⟨W ⋆ h, g⟩ = ⟨g ⋆ h, W⟩
    [
      g.isTracked ? convolved(h, w, bias: nil, s) : nil,
      w.isTracked ? convolutionWeightGradient(h, g, s) : nil,
    ]
  }
}

/// `ḡW = ḡ ⋆ x`, `[O, C/G, kh, kw]`: the derivative of ``convolved(_:_:bias:_:)`` with respect to
/// its weight, linear in `x` and in `g`.
func convolutionWeightGradient(_ x: Tensor, _ g: Tensor, _ s: ConvolutionShape) -> Tensor {
  let gw = Tensor.uninitialized(
    shape: [
      s.outputChannels, s.channels / s.groups, s.geometry.kernel.height, s.geometry.kernel.width,
    ], dtype: x.dtype)
  struct WeightGradient: ConvolutionBody {
    let x: Tensor, g: Tensor, gw: Tensor, s: ConvolutionShape
    func run<T: TensorScalar>(_ type: T.Type) {
      convolutionWeightGradient(x.pointer(T.self), g.pointer(T.self), gw.pointer(T.self), s)
    }
  }
  withScalarType(x.dtype, WeightGradient(x: x, g: g, gw: gw, s: s))
  return record("conv2dWeightGradient", gw, inputs: [x, g]) { h, _ in
    // ⟨h, g ⋆ x⟩ = ⟨Wₕ ⋆ x, g⟩ = ⟨Wₕᵀ ⋆ᵀ g, x⟩ with Wₕ = h
    [
      x.isTracked ? convolutionInputGradient(g, h, s) : nil,
      g.isTracked ? convolved(x, h, bias: nil, s) : nil,
    ]
  }
}
