import Descent

/// A lookup table, PyTorch's `nn.Embedding`: `int32` indices of any shape `S` give `S + [dim]`,
/// row `i` of `weight` (`[count, dim]`) for index `i`. Default initialization `N(0, 1)`.
/// Differentiable in `weight` (the gradient adds into the looked-up rows). Path: `weight`.
public struct Embedding: Layer {
  public var weight: Tensor

  public init(_ count: Int, _ dimension: Int, dtype: DType = .float32, key: RandomKey) {
    weight = Initializer.normal([count, dimension], dtype: dtype, key: key)
  }

  public init(weight: Tensor) {
    precondition(weight.rank == 2, "Embedding: weight must be [count, dim], got \(weight.shape)")
    self.weight = weight
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    precondition(input.dtype == .int32, "Embedding: indices must be int32, got \(input.dtype)")
    return weight.indexSelect(axis: 0, indices: input.reshaped([input.count]))
      .reshaped(input.shape + [weight.shape[1]])
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weight", &weight, .parameter)
  }
}

/// The stable embedding of the 8-bit optimizers paper (Dettmers et al. 2022, "8-bit Optimizers via
/// Block-wise Quantization", arXiv:2110.02861, §2.3), as bitsandbytes' `nn.StableEmbedding`:
/// an ``Embedding`` with Xavier-uniform initialization followed by a ``LayerNorm`` over the
/// embedding dimension, which keeps the output variance near 1 and the training stable with
/// low-precision optimizer state. As bitsandbytes does, the layer asks for 32-bit optimizer state
/// for its `weight` (``FullPrecisionState``: the path is in the model's
/// ``Layer/fullPrecisionStatePaths``, which `descent train` hands to an 8-bit optimizer).
/// Paths: `weight`, `norm.weight`, `norm.bias`.
public struct StableEmbedding: Layer {
  public var weight: Tensor
  public var norm: LayerNorm

  public init(_ count: Int, _ dimension: Int, dtype: DType = .float32, key: RandomKey) {
    weight = Initializer.xavierUniform([count, dimension], dtype: dtype, key: key)
    norm = LayerNorm(dimension, dtype: dtype)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    norm(Embedding(weight: weight)(input, context: context), context: context.child("norm"))
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weight", &weight, .parameter)
    FullPrecisionState.declare(prefix + "weight")
    norm.visitParameters(prefix: prefix + "norm.", visit)
  }
}
