import Descent

/// A LeNet-5-style CNN (LeCun et al. 1998) for `[N, C, S, S]` images:
///
///     conv1 = Conv2d(C, 6, 5, padding: 2) → ReLU → MaxPool2d(2)
///     conv2 = Conv2d(6, 16, 5)            → ReLU → MaxPool2d(2) → flatten
///     fc1 = Linear(16·s·s, 120) → ReLU → fc2 = Linear(120, 84) → ReLU → fc3 = Linear(84, classes)
///
/// with `s = (S/2 − 4)/2` (5 for MNIST's 28×28). ReLU and max pooling replace the original's
/// scaled tanh and subsampling, as in most modern renditions. Paths: `conv1.weight`, …, `fc3.bias`.
public struct LeNet: Layer {
  public var conv1: Conv2d
  public var conv2: Conv2d
  public var fc1: Linear
  public var fc2: Linear
  public var fc3: Linear

  public init(
    inputChannels: Int = 1, imageSize: Int = 28, classCount: Int = 10, dtype: DType = .float32,
    key: RandomKey
  ) {
    let side = (imageSize / 2 - 4) / 2
    precondition(
      imageSize / 2 - 4 >= 2, "LeNet: image size \(imageSize) is too small (needs at least 12)")
    let keys = key.split(into: 5)
    conv1 = Conv2d(inputChannels, 6, kernelSize: 5, padding: 2, dtype: dtype, key: keys[0])
    conv2 = Conv2d(6, 16, kernelSize: 5, dtype: dtype, key: keys[1])
    fc1 = Linear(16 * side * side, 120, dtype: dtype, key: keys[2])
    fc2 = Linear(120, 84, dtype: dtype, key: keys[3])
    fc3 = Linear(84, classCount, dtype: dtype, key: keys[4])
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    var x = conv1(input, context: context).relu().maxPool2d(kernelSize: 2)
    x = conv2(x, context: context).relu().maxPool2d(kernelSize: 2)
    x = x.reshaped([x.shape[0], x.count / x.shape[0]])
    x = fc1(x, context: context).relu()
    x = fc2(x, context: context).relu()
    return fc3(x, context: context)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    conv1.visitParameters(prefix: prefix + "conv1.", visit)
    conv2.visitParameters(prefix: prefix + "conv2.", visit)
    fc1.visitParameters(prefix: prefix + "fc1.", visit)
    fc2.visitParameters(prefix: prefix + "fc2.", visit)
    fc3.visitParameters(prefix: prefix + "fc3.", visit)
  }
}
