import Descent

/// Max pooling over `[N, C, H, W]`, PyTorch's `nn.MaxPool2d` (floor mode). Stride defaults to the
/// kernel size. No parameters.
public struct MaxPool2d: Layer {
  public var kernelSize: Size2D
  public var stride: Size2D?
  public var padding: Size2D
  public var dilation: Size2D

  public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1)
  {
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {}
}

/// Average pooling over `[N, C, H, W]`, PyTorch's `nn.AvgPool2d` (padding counted in the mean,
/// floor mode). Stride defaults to the kernel size. No parameters.
public struct AvgPool2d: Layer {
  public var kernelSize: Size2D
  public var stride: Size2D?
  public var padding: Size2D

  public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {}
}

/// Global average pooling, `[N, C, H, W] → [N, C]`: PyTorch's `nn.AdaptiveAvgPool2d(1)` followed
/// by `flatten(1)`. No parameters.
public struct GlobalAvgPool2d: Layer {
  public init() {}

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.globalAvgPool2d()
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {}
}

/// Flattens axes `startAxis...endAxis` into one, PyTorch's `nn.Flatten` (defaults 1 and −1: keep
/// the batch axis). No parameters.
public struct Flatten: Layer {
  public var startAxis: Int
  public var endAxis: Int

  public init(startAxis: Int = 1, endAxis: Int = -1) {
    self.startAxis = startAxis
    self.endAxis = endAxis
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    let start = startAxis < 0 ? startAxis + input.rank : startAxis
    let end = endAxis < 0 ? endAxis + input.rank : endAxis
    precondition(
      0 <= start && start <= end && end < input.rank,
      "Flatten: axes \(startAxis)...\(endAxis) out of range for shape \(input.shape)")
    let merged = input.shape[start...end].reduce(1, *)
    return input.reshaped(
      Array(input.shape[..<start]) + [merged] + Array(input.shape[(end + 1)...]))
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {}
}
