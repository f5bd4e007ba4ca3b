import Descent

/// An affine map `y = x Wᵀ + b`, PyTorch's `nn.Linear`: `weight` is `[out, in]`, `bias` `[out]`,
/// the input `[…, in]` and the output `[…, out]`.
///
/// Default initialization as PyTorch: weight and bias `U(±1/√in)` (`kaiming_uniform_(a=√5)`).
/// Paths: `weight`, `bias`.
public struct Linear: Layer {
  public var weight: Tensor
  public var bias: Tensor?

  /// A layer from `inputSize` to `outputSize` features with PyTorch's default initialization.
  public init(
    _ inputSize: Int, _ outputSize: Int, bias: Bool = true, dtype: DType = .float32,
    key: RandomKey
  ) {
    let (weightKey, biasKey) = key.split()
    weight = Initializer.torchDefaultWeight([outputSize, inputSize], dtype: dtype, key: weightKey)
    self.bias =
      bias
      ? Initializer.torchDefaultBias(outputSize, fanIn: inputSize, dtype: dtype, key: biasKey) : nil
  }

  /// A layer with the given weight `[out, in]` and bias `[out]`.
  public init(weight: Tensor, bias: Tensor? = nil) {
    precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
    precondition(
      bias == nil || bias!.shape == [weight.shape[0]],
      "Linear: bias \(bias!.shape) must be [\(weight.shape[0])]")
    self.weight = weight
    self.bias = bias
  }

  public var inputSize: Int { weight.shape[1] }
  public var outputSize: Int { weight.shape[0] }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.mappingFeatureRows(inputSize: inputSize, outputSize: outputSize, layer: "Linear") {
      let y = $0.matmulTransposed(weight)
      return bias.map { y + $0 } ?? y
    }
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weight", &weight, .parameter)
    if bias != nil { visit(prefix + "bias", &bias!, .parameter) }
  }
}
