import Descent

/// A pre-LayerNorm transformer block, as in GPT-2 and nanoGPT:
/// `x + dropout(attn(ln_1(x)))`, then `x + mlp(ln_2(x))` with
/// `mlp = Sequential(Linear(E, 4E), GELU, Linear(4E, E), Dropout)`.
/// Paths: `ln_1.*`, `attn.in_proj_weight`, `attn.in_proj_bias`, `attn.out_proj.*`, `ln_2.*`,
/// `mlp.0.*`, `mlp.2.*`.
public struct TransformerBlock: Layer {
  public var ln1: LayerNorm
  public var attention: MultiheadAttention
  public var ln2: LayerNorm
  public var mlp: Sequential
  public var dropout: Dropout

  public init(
    embeddingDimension e: Int, headCount: Int, dropout p: Double = 0, dtype: DType = .float32,
    key: RandomKey
  ) {
    let keys = key.split(into: 3)
    ln1 = LayerNorm(e, dtype: dtype)
    attention = MultiheadAttention(
      embeddingDimension: e, headCount: headCount, causal: true, dtype: dtype, key: keys[0])
    ln2 = LayerNorm(e, dtype: dtype)
    mlp = Sequential(
      Linear(e, 4 * e, dtype: dtype, key: keys[1]), Activation.gelu,
      Linear(4 * e, e, dtype: dtype, key: keys[2]), Dropout(probability: p))
    dropout = Dropout(probability: p)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    let attended = attention(ln1(input, context: context), context: context.child("attn"))
    let x = input + dropout(attended, context: context.child("dropout"))
    return x + mlp(ln2(x, context: context), context: context.child("mlp"))
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    ln1.visitParameters(prefix: prefix + "ln_1.", visit)
    attention.visitParameters(prefix: prefix + "attn.", visit)
    ln2.visitParameters(prefix: prefix + "ln_2.", visit)
    mlp.visitParameters(prefix: prefix + "mlp.", visit)
  }
}

/// A small character-level GPT in the style of nanoGPT (Karpathy), the model family of the Sophia
/// paper scaled down: token and position embeddings, `layerCount` pre-LayerNorm causal
/// ``TransformerBlock``s, a final LayerNorm and a linear head without bias.
///
/// Input `int32` tokens `[B, T]` (`T ≤ contextLength`), output logits `[B, T, vocabularySize]`.
/// Initialization as nanoGPT: every linear and embedding weight `N(0, 0.02²)`, the residual
/// projections (`attn.out_proj.weight`, `mlp.2.weight`) `N(0, 0.02²/(2·layerCount))`, biases 0.
/// The head is not tied to the token embedding (nanoGPT ties them). Paths:
/// `token_embedding.weight`, `position_embedding.weight`, `blocks.{i}.…`, `ln_f.*`,
/// `lm_head.weight`.
///
/// With ``Configuration/stableEmbedding`` the token embedding is the 8-bit optimizers paper's
/// ``StableEmbedding`` (Dettmers et al., ICLR 2022, arXiv:2110.02861, §2.3): Xavier-uniform
/// initialization, a LayerNorm after the lookup (``tokenEmbeddingNorm``, paths
/// `token_embedding.norm.weight` and `.bias`) and 32-bit optimizer state for
/// `token_embedding.weight` (``Layer/fullPrecisionStatePaths``) — the same weight, output and
/// declaration as `StableEmbedding(vocabularySize, embeddingDimension, key:)` with the key of
/// the plain embedding.
public struct GPT: Layer {
  public struct Configuration: Sendable {
    public var vocabularySize: Int
    public var contextLength: Int
    public var layerCount: Int
    public var headCount: Int
    public var embeddingDimension: Int
    public var dropout: Double
    /// The token embedding is a ``StableEmbedding`` (see ``GPT``).
    public var stableEmbedding: Bool

    public init(
      vocabularySize: Int, contextLength: Int = 64, layerCount: Int = 2, headCount: Int = 4,
      embeddingDimension: Int = 64, dropout: Double = 0, stableEmbedding: Bool = false
    ) {
      self.vocabularySize = vocabularySize
      self.contextLength = contextLength
      self.layerCount = layerCount
      self.headCount = headCount
      self.embeddingDimension = embeddingDimension
      self.dropout = dropout
      self.stableEmbedding = stableEmbedding
    }
  }

  public let configuration: Configuration
  public var tokenEmbedding: Embedding
  /// The LayerNorm after the token lookup of a ``Configuration/stableEmbedding`` model, else nil.
  public var tokenEmbeddingNorm: LayerNorm?
  public var positionEmbedding: Embedding
  public var blocks: [TransformerBlock]
  public var finalNorm: LayerNorm
  public var head: Linear
  public var dropout: Dropout

  public init(_ configuration: Configuration, dtype: DType = .float32, key: RandomKey) {
    let c = configuration
    self.configuration = c
    let keys = key.split(into: c.layerCount * 4 + 3)
    func normal(_ shape: [Int], _ std: Double, _ k: Int) -> Tensor {
      Initializer.normal(shape, std: std, dtype: dtype, key: keys[k])
    }
    let e = c.embeddingDimension
    if c.stableEmbedding {
      tokenEmbedding = Embedding(
        weight: Initializer.xavierUniform([c.vocabularySize, e], dtype: dtype, key: keys[0]))
      tokenEmbeddingNorm = LayerNorm(e, dtype: dtype)
    } else {
      tokenEmbedding = Embedding(weight: normal([c.vocabularySize, e], 0.02, 0))
    }
    positionEmbedding = Embedding(weight: normal([c.contextLength, e], 0.02, 1))
    let residualStd = 0.02 / Double(2 * c.layerCount).squareRoot()
    blocks = (0..<c.layerCount).map { i in
      var block = TransformerBlock(
        embeddingDimension: e, headCount: c.headCount, dropout: c.dropout, dtype: dtype,
        key: keys[3 + 4 * i])
      let k = 3 + 4 * i
      block.attention.inProjectionWeight = normal([3 * e, e], 0.02, k)
      block.attention.outProjection.weight = normal([e, e], residualStd, k + 1)
      block.mlp.layers[0] = Linear(
        weight: normal([4 * e, e], 0.02, k + 2), bias: .zeros([4 * e], dtype: dtype))
      block.mlp.layers[2] = Linear(
        weight: normal([e, 4 * e], residualStd, k + 3), bias: .zeros([e], dtype: dtype))
      return block
    }
    finalNorm = LayerNorm(e, dtype: dtype)
    head = Linear(weight: normal([c.vocabularySize, e], 0.02, 2))
    dropout = Dropout(probability: c.dropout)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    precondition(
      input.rank == 2 && input.dtype == .int32,
      "GPT: input must be int32 tokens [B, T], got \(input.dtype) \(input.shape)")
    let t = input.shape[1]
    precondition(
      t <= configuration.contextLength,
      "GPT: sequence length \(t) exceeds the context length \(configuration.contextLength)")
    let positions = Tensor(indices: Array(0..<t))
    var tokens = tokenEmbedding(input, context: context)
    if let tokenEmbeddingNorm { tokens = tokenEmbeddingNorm(tokens, context: context) }
    var x =
      tokens
      + positionEmbedding(positions, context: context).unsqueezed(axis: 0)
    x = dropout(x, context: context.child("dropout"))
    for (i, block) in blocks.enumerated() { x = block(x, context: context.child(i)) }
    return head(finalNorm(x, context: context), context: context)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    tokenEmbedding.visitParameters(prefix: prefix + "token_embedding.", visit)
    if tokenEmbeddingNorm != nil {
      FullPrecisionState.declare(prefix + "token_embedding.weight")
      tokenEmbeddingNorm!.visitParameters(prefix: prefix + "token_embedding.norm.", visit)
    }
    positionEmbedding.visitParameters(prefix: prefix + "position_embedding.", visit)
    for i in blocks.indices { blocks[i].visitParameters(prefix: prefix + "blocks.\(i).", visit) }
    finalNorm.visitParameters(prefix: prefix + "ln_f.", visit)
    head.visitParameters(prefix: prefix + "lm_head.", visit)
  }
}
