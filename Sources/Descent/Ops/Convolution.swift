// 2-D convolution, NCHW like PyTorch, as im2col (`unfold`) + batched matmul. `unfold` and `fold`
// are each other's derivative (they are adjoint linear maps), so every order of derivative of a
// convolution comes from matmul's and theirs.

/// A pair of extents (height, width) for kernel sizes, strides, paddings and dilations. Written as
/// one integer for both (`stride: 2`) or as `[height, width]` (`kernelSize: [3, 5]`).
public struct Size2D: Equatable, Hashable, Sendable, ExpressibleByIntegerLiteral,
  ExpressibleByArrayLiteral, CustomStringConvertible
{
  public var height: Int
  public var width: Int

  public init(_ height: Int, _ width: Int) {
    self.height = height
    self.width = width
  }

  /// The same extent in both dimensions.
  public init(_ both: Int) { self.init(both, both) }

  public init(integerLiteral value: Int) { self.init(value) }

  public init(arrayLiteral elements: Int...) {
    precondition(elements.count == 2, "Size2D: needs [height, width], got \(elements)")
    self.init(elements[0], elements[1])
  }

  public var description: String { "(\(height), \(width))" }
}

extension Tensor {
  /// Extracts sliding local blocks (im2col), exactly `torch.nn.functional.unfold`:
  /// `[N, C, H, W] → [N, C·kh·kw, L]`, where row `c·kh·kw + ki·kw + kj` and column `oh·outW + ow`
  /// hold `x[n, c, oh·sH − pH + ki·dH, ow·sW − pW + kj·dW]` (zero in the padding), and
  /// `L = outH·outW` with `outH = ⌊(H + 2pH − dH(kh − 1) − 1)/sH⌋ + 1` (likewise `outW`).
  ///
  /// Derivative: ``fold(outputSize:kernelSize:stride:padding:dilation:)`` of the gradient.
  public func unfold(
    kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0, dilation: Size2D = 1
  ) -> Tensor {
    precondition(rank == 4, "unfold: needs [N, C, H, W], got \(shape)")
    let geometry = WindowGeometry(
      inputHeight: shape[2], inputWidth: shape[3], kernel: kernelSize, stride: stride,
      padding: padding, dilation: dilation)
    geometry.validate("unfold", shape)
    let planes = shape[0] * shape[1]
    let out = Tensor.uninitialized(
      shape: [shape[0], shape[1] * geometry.windowSize, geometry.positions], dtype: dtype)
    func run<T: TensorScalar>(_ t: T.Type) {
      im2col(pointer(T.self), out.pointer(T.self), planes: planes, geometry)
    }
    switch dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int32: run(Int32.self)
    case .uint8: run(UInt8.self)
    }
    let size = Size2D(shape[2], shape[3])
    return record("unfold", out, inputs: [self]) { g, _ in
      [
        g.fold(
          outputSize: size, kernelSize: kernelSize, stride: stride, padding: padding,
          dilation: dilation)
      ]
    }
  }

  /// Combines sliding local blocks into a tensor (col2im), exactly `torch.nn.functional.fold`:
  /// `[N, C·kh·kw, L] → [N, C, H, W]` with `(H, W) = outputSize`, summing where blocks overlap.
  /// The adjoint of ``unfold(kernelSize:stride:padding:dilation:)`` (not its inverse).
  ///
  /// Derivative: `unfold` of the gradient.
  public func fold(
    outputSize: Size2D, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
    dilation: Size2D = 1
  ) -> Tensor {
    let geometry = WindowGeometry(
      inputHeight: outputSize.height, inputWidth: outputSize.width, kernel: kernelSize,
      stride: stride, padding: padding, dilation: dilation)
    precondition(rank == 3, "fold: needs [N, C·kh·kw, L], got \(shape)")
    geometry.validate("fold", shape)
    precondition(
      shape[1] % geometry.windowSize == 0,
      "fold: dimension 1 of \(shape) is not a multiple of the kernel size \(kernelSize)")
    precondition(
      shape[2] == geometry.positions,
      "fold: \(shape) has \(shape[2]) blocks but output size \(outputSize), kernel \(kernelSize), "
        + "stride \(stride), padding \(padding), dilation \(dilation) give \(geometry.positions)")
    let channels = shape[1] / geometry.windowSize
    let out = Tensor.uninitialized(
      shape: [shape[0], channels, outputSize.height, outputSize.width], dtype: dtype)
    func run<T: TensorScalar>(_ t: T.Type) {
      col2im(pointer(T.self), out.pointer(T.self), planes: shape[0] * channels, geometry)
    }
    switch dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int32: run(Int32.self)
    case .uint8: run(UInt8.self)
    }
    return record("fold", out, inputs: [self]) { g, _ in
      [g.unfold(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation)]
    }
  }
}

/// 2-D convolution (cross-correlation), `torch.nn.functional.conv2d`:
/// `out[n, o, i, j] = bias[o] + Σ_{c, ki, kj} weight[o, c, ki, kj] · x[n, g·C/groups + c, i·sH − pH + ki·dH, j·sW − pW + kj·dW]`
/// where `g = o / (O/groups)` is the output channel's group.
///
/// - Parameters:
///   - input: `[N, C, H, W]`.
///   - weight: `[O, C/groups, kh, kw]`; `O` must be a multiple of `groups`.
///   - bias: `[O]` or `nil`.
/// - Returns: `[N, O, outH, outW]` (sizes as in ``Tensor/unfold(kernelSize:stride:padding:dilation:)``).
///
/// Computed by batched im2col + one GEMM per group and chunk of images (see
/// `ConvolutionKernels.swift`), without storing the unfolded input: memory is the input's and the
/// output's. Derivatives: the input's is the transposed convolution of the gradient, the weight's
/// the correlation of the input with the gradient (one GEMM over the whole batch), the bias's the
/// gradient's sum over `N, outH, outW`. The three products are bilinear and each one's derivatives
/// are the other two, so derivatives of every order are available.
public func conv2d(
  _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
  dilation: Size2D = 1, groups: Int = 1
) -> Tensor {
  precondition(
    input.rank == 4 && weight.rank == 4,
    "conv2d: needs input [N, C, H, W] and weight [O, C/groups, kh, kw], got \(input.shape) and "
      + "\(weight.shape)")
  let (n, channels) = (input.shape[0], input.shape[1])
  let outChannels = weight.shape[0]
  precondition(
    groups >= 1 && channels % groups == 0 && outChannels % groups == 0
      && weight.shape[1] == channels / groups,
    "conv2d: input \(input.shape), weight \(weight.shape) and groups \(groups) do not agree "
      + "(needs weight [O, C/groups, kh, kw] with C and O multiples of groups)")
  checkSameDType(input, weight, "conv2d")
  let geometry = WindowGeometry(
    inputHeight: input.shape[2], inputWidth: input.shape[3],
    kernel: Size2D(weight.shape[2], weight.shape[3]), stride: stride, padding: padding,
    dilation: dilation)
  geometry.validate("conv2d", input.shape)
  if let bias {
    precondition(
      bias.shape == [outChannels], "conv2d: bias \(bias.shape) must be [\(outChannels)]")
    checkSameDType(input, bias, "conv2d")
  }
  let shape = ConvolutionShape(
    batch: n, channels: channels, outputChannels: outChannels, groups: groups, geometry: geometry)
  return convolved(input, weight, bias: bias, shape)
}
