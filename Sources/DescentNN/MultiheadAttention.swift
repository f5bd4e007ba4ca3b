import Descent

/// Multi-head self-attention (Vaswani et al. 2017), compatible with PyTorch's
/// `nn.MultiheadAttention(E, H, batch_first=True)` called as `mha(x, x, x, need_weights=False)`
/// (with `attn_mask` the causal mask when `causal`):
///
///     [q k v] = x W_inᵀ + b_in                       W_in: [3E, E]  (q rows first, then k, v)
///     head h: softmax(q_h k_hᵀ / √d + M) v_h          d = E/H, M = −∞ above the diagonal if causal
///     y = concat_h(head h) W_outᵀ + b_out
///
/// Input `[B, T, E]` (or unbatched `[T, E]`), output the same shape. Initialization as PyTorch:
/// `in_proj_weight` Xavier-uniform, `in_proj_bias` and `out_proj.bias` zero, `out_proj.weight`
/// `U(±1/√E)`. No attention dropout. Paths: `in_proj_weight`, `in_proj_bias`, `out_proj.weight`,
/// `out_proj.bias`.
public struct MultiheadAttention: Layer {
  public var inProjectionWeight: Tensor
  public var inProjectionBias: Tensor?
  public var outProjection: Linear
  public let headCount: Int
  /// Whether position `t` attends only to positions `≤ t` (a decoder's causal mask).
  public var causal: Bool

  public init(
    embeddingDimension e: Int, headCount: Int, causal: Bool = false, bias: Bool = true,
    dtype: DType = .float32, key: RandomKey
  ) {
    precondition(
      headCount > 0 && e % headCount == 0,
      "MultiheadAttention: embedding dimension \(e) must be a multiple of headCount \(headCount)")
    let keys = key.split(into: 2)
    inProjectionWeight = Initializer.xavierUniform([3 * e, e], dtype: dtype, key: keys[0])
    inProjectionBias = bias ? Tensor.zeros([3 * e], dtype: dtype) : nil
    outProjection = Linear(e, e, bias: bias, dtype: dtype, key: keys[1])
    if bias { outProjection.bias = Tensor.zeros([e], dtype: dtype) }
    self.headCount = headCount
    self.causal = causal
  }

  public var embeddingDimension: Int { inProjectionWeight.shape[1] }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    let e = embeddingDimension
    if input.rank == 2 {
      return self(input.unsqueezed(axis: 0), context: context).squeezed(axes: [0])
    }
    precondition(
      input.rank == 3 && input.shape[2] == e,
      "MultiheadAttention: input \(input.shape) must be [B, T, \(e)] or [T, \(e)]")
    let (b, t) = (input.shape[0], input.shape[1])
    var qkv = input.reshaped([b * t, e]).matmulTransposed(inProjectionWeight)
    if let inProjectionBias { qkv = qkv + inProjectionBias }
    // The heads' products run as strided GEMMs on the packed [B, T, 3E] rows (Tensor.attention).
    let merged = qkv.reshaped([b, t, 3 * e]).attention(heads: headCount, causal: causal)
    return outProjection(merged, context: context.child("out_proj"))
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "in_proj_weight", &inProjectionWeight, .parameter)
    if inProjectionBias != nil { visit(prefix + "in_proj_bias", &inProjectionBias!, .parameter) }
    outProjection.visitParameters(prefix: prefix + "out_proj.", visit)
  }
}
