import Descent

/// 2-D convolution over `[N, C, H, W]`, PyTorch's `nn.Conv2d`: `weight` is
/// `[out, in/groups, kh, kw]`, `bias` `[out]`; stride, zero padding, dilation and groups as there
/// (see ``Descent/conv2d(_:_:bias:stride:padding:dilation:groups:)`` for the formula).
///
/// Default initialization as PyTorch: weight and bias `U(±1/√fanIn)` with
/// `fanIn = in/groups · kh · kw`. Paths: `weight`, `bias`.
public struct Conv2d: Layer {
  public var weight: Tensor
  public var bias: Tensor?
  public var stride: Size2D
  public var padding: Size2D
  public var dilation: Size2D
  public var groups: Int

  public init(
    _ inputChannels: Int, _ outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
    padding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
    dtype: DType = .float32, key: RandomKey
  ) {
    precondition(
      groups >= 1 && inputChannels % groups == 0 && outputChannels % groups == 0,
      "Conv2d: channels \(inputChannels) → \(outputChannels) must be multiples of groups \(groups)")
    let shape = [outputChannels, inputChannels / groups, kernelSize.height, kernelSize.width]
    let (weightKey, biasKey) = key.split()
    weight = Initializer.torchDefaultWeight(shape, dtype: dtype, key: weightKey)
    self.bias =
      bias
      ? Initializer.torchDefaultBias(
        outputChannels, fanIn: Initializer.fans(shape).fanIn, dtype: dtype, key: biasKey) : nil
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    conv2d(
      input, weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
      groups: groups)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weight", &weight, .parameter)
    if bias != nil { visit(prefix + "bias", &bias!, .parameter) }
  }
}
