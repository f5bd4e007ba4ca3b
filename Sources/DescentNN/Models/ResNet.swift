import Descent

/// How a residual block whose shape changes (stride 2, more channels) carries its input to the
/// sum (He et al. 2016, "Deep Residual Learning for Image Recognition", arXiv:1512.03385, §4.2).
public enum ResNetShortcut: Sendable {
  /// Option A, the paper's choice for CIFAR: subsample by taking every second pixel and pad the new
  /// channels with zeros. No parameters.
  case zeroPadding
  /// Option B: a 1×1 convolution with the block's stride and a batch norm, paths
  /// `shortcut.0.weight`, `shortcut.1.*`.
  case projection
}

/// The two-convolution residual block of the CIFAR ResNets:
/// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, 3×3 convolutions without bias.
/// Paths: `conv1.weight`, `bn1.*`, `conv2.weight`, `bn2.*`, and `shortcut.*` for a projection.
public struct BasicBlock: Layer {
  public var conv1: Conv2d
  public var bn1: BatchNorm
  public var conv2: Conv2d
  public var bn2: BatchNorm
  /// The projection shortcut (option B), or `nil`.
  public var shortcut: Sequential?
  /// Whether the identity shortcut subsamples and zero-pads (option A with a shape change).
  public let padsShortcut: Bool
  public let outputChannels: Int

  public init(
    _ inputChannels: Int, _ outputChannels: Int, stride: Int = 1,
    shortcut kind: ResNetShortcut = .zeroPadding, dtype: DType = .float32, key: RandomKey
  ) {
    let keys = key.split(into: 3)
    func convolution(_ i: Int, _ o: Int, _ k: Int, _ s: Int, _ key: RandomKey) -> Conv2d {
      var conv = Conv2d(
        i, o, kernelSize: Size2D(k), stride: Size2D(s), padding: Size2D(k / 2), bias: false,
        dtype: dtype, key: key)
      conv.weight = Initializer.kaimingNormal(conv.weight.shape, dtype: dtype, key: key)
      return conv
    }
    conv1 = convolution(inputChannels, outputChannels, 3, stride, keys[0])
    bn1 = BatchNorm(outputChannels, dtype: dtype)
    conv2 = convolution(outputChannels, outputChannels, 3, 1, keys[1])
    bn2 = BatchNorm(outputChannels, dtype: dtype)
    let reshapes = stride != 1 || inputChannels != outputChannels
    if reshapes && kind == .projection {
      shortcut = Sequential(
        convolution(inputChannels, outputChannels, 1, stride, keys[2]),
        BatchNorm(outputChannels, dtype: dtype))
    }
    padsShortcut = reshapes && kind == .zeroPadding
    if padsShortcut {
      precondition(
        stride == 2 && outputChannels == 2 * inputChannels,
        "BasicBlock: the zero-padding shortcut needs stride 2 and doubled channels")
    }
    self.outputChannels = outputChannels
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    var y = bn1(conv1(input, context: context), context: context.child("bn1")).relu()
    y = bn2(conv2(y, context: context), context: context.child("bn2"))
    let carried: Tensor
    if let shortcut {
      carried = shortcut(input, context: context.child("shortcut"))
    } else if padsShortcut {
      let pad = (outputChannels - input.shape[1]) / 2
      carried = input.slice(axis: 2, step: 2).slice(axis: 3, step: 2)
        .pad([(0, 0), (pad, pad), (0, 0), (0, 0)])
    } else {
      carried = input
    }
    return (y + carried).relu()
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    conv1.visitParameters(prefix: prefix + "conv1.", visit)
    bn1.visitParameters(prefix: prefix + "bn1.", visit)
    conv2.visitParameters(prefix: prefix + "conv2.", visit)
    bn2.visitParameters(prefix: prefix + "bn2.", visit)
    shortcut?.visitParameters(prefix: prefix + "shortcut.", visit)
  }
}

/// The CIFAR ResNets of He et al. 2016 (§4.2): a 3×3 convolution to 16 channels, three stages of
/// `n` ``BasicBlock``s at 16, 32, 64 channels (the 2nd and 3rd starting with stride 2), global
/// average pooling and a linear classifier; depth `6n + 2` (ResNet-20: n = 3, 0.27M parameters;
/// ResNet-32: n = 5, 0.46M). Option A (zero-padding) shortcuts by default, as in the paper.
///
/// Laid out as the widely used PyTorch rendition (Yerlan Idelbayev's `resnet.py`), so its
/// `state_dict` loads unchanged: `conv1.weight`, `bn1.*`, `layer1.0.conv1.weight`, …,
/// `layer3.2.bn2.*`, `linear.weight`, `linear.bias`. Convolution weights Kaiming-normal (fan-in,
/// gain √2) as there; the classifier's bias PyTorch's default.
public struct ResNet: Layer {
  public var conv1: Conv2d
  public var bn1: BatchNorm
  public var stages: [[BasicBlock]]
  public var linear: Linear

  public init(
    blocksPerStage n: Int, classCount: Int = 10, inputChannels: Int = 3,
    shortcut: ResNetShortcut = .zeroPadding, dtype: DType = .float32, key: RandomKey
  ) {
    precondition(n >= 1, "ResNet: blocksPerStage must be positive, got \(n)")
    let keys = key.split(into: 3 * n + 2)
    conv1 = Conv2d(
      inputChannels, 16, kernelSize: 3, padding: 1, bias: false, dtype: dtype, key: keys[0])
    conv1.weight = Initializer.kaimingNormal(conv1.weight.shape, dtype: dtype, key: keys[0])
    bn1 = BatchNorm(16, dtype: dtype)
    var stages: [[BasicBlock]] = []
    var channels = 16
    for (s, width) in [16, 32, 64].enumerated() {
      stages.append(
        (0..<n).map { b in
          defer { channels = width }
          return BasicBlock(
            channels, width, stride: s > 0 && b == 0 ? 2 : 1, shortcut: shortcut, dtype: dtype,
            key: keys[1 + s * n + b])
        })
    }
    self.stages = stages
    var linear = Linear(64, classCount, dtype: dtype, key: keys[3 * n + 1])
    linear.weight = Initializer.kaimingNormal(
      linear.weight.shape, dtype: dtype, key: keys[3 * n + 1])
    self.linear = linear
  }

  /// ResNet-20 (three blocks per stage).
  public static func resnet20(classCount: Int = 10, dtype: DType = .float32, key: RandomKey)
    -> ResNet
  {
    ResNet(blocksPerStage: 3, classCount: classCount, dtype: dtype, key: key)
  }

  /// ResNet-32 (five blocks per stage).
  public static func resnet32(classCount: Int = 10, dtype: DType = .float32, key: RandomKey)
    -> ResNet
  {
    ResNet(blocksPerStage: 5, classCount: classCount, dtype: dtype, key: key)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    var x = bn1(conv1(input, context: context), context: context.child("bn1")).relu()
    for (s, stage) in stages.enumerated() {
      for (b, block) in stage.enumerated() { x = block(x, context: context.child(s * 100 + b)) }
    }
    return linear(x.globalAvgPool2d(), context: context)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    conv1.visitParameters(prefix: prefix + "conv1.", visit)
    bn1.visitParameters(prefix: prefix + "bn1.", visit)
    for s in stages.indices {
      for b in stages[s].indices {
        stages[s][b].visitParameters(prefix: prefix + "layer\(s + 1).\(b).", visit)
      }
    }
    linear.visitParameters(prefix: prefix + "linear.", visit)
  }
}
