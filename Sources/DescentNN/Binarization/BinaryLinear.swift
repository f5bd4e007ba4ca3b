import Descent

/// A binarized affine layer (1-bit weights, and 1-bit activations unless kept full precision), as
/// ReSTE's `BinarizeConv2d` for a dense layer (Wu et al., ICCV 2023, arXiv:2308.06689; reference
/// DravenALG/ReSTE at 0d3c36a):
///
///     b_w = sign(W) · mean|W|      one scalar per layer, differentiated through as well
///     b_a = sign(x)                (x itself with `binarizesActivations` false: the "1W/32A" option)
///     y   = b_a b_wᵀ (+ bias)
///
/// sign is backpropagated by `estimator` (``BinarizationEstimator``). The full-precision weight is
/// the trained parameter. ReSTE schedules o by epoch: set ``estimator`` between epochs.
///
/// Paths: `weight` `[out, in]`, `bias` `[out]` (when present), as `Linear`.
public struct BinaryLinear: Layer {
  public var weight: Tensor
  public var bias: Tensor?
  public var estimator: BinarizationEstimator
  public var binarizesActivations: Bool

  /// A layer from `inputSize` to `outputSize` with PyTorch's default `Linear` initialization.
  public init(
    _ inputSize: Int, _ outputSize: Int, bias: Bool = false,
    estimator: BinarizationEstimator = .straightThrough, binarizesActivations: Bool = true,
    dtype: DType = .float32, key: RandomKey
  ) {
    let dense = Linear(inputSize, outputSize, bias: bias, dtype: dtype, key: key)
    weight = dense.weight
    self.bias = dense.bias
    self.estimator = estimator
    self.binarizesActivations = binarizesActivations
  }

  public var inputSize: Int { weight.shape[1] }
  public var outputSize: Int { weight.shape[0] }

  /// sign(W)·mean|W|, the weight the forward pass uses.
  public var binarizedWeight: Tensor { weight.binarized(estimator) * weight.abs().mean() }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.mappingFeatureRows(inputSize: inputSize, outputSize: outputSize, layer: "BinaryLinear") {
      let activations = binarizesActivations ? $0.binarized(estimator) : $0
      let y = activations.matmulTransposed(binarizedWeight)
      return bias.map { y + $0 } ?? y
    }
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weight", &weight, .parameter)
    if bias != nil { visit(prefix + "bias", &bias!, .parameter) }
  }
}
