import Descent

/// One layer of linear self-attention with the in-context-learning query mask, as in Mahankali,
/// Hashimoto and Ma, "One Step of Gradient Descent is Provably the Optimal In-Context Learner with
/// One Layer of Linear Self-Attention" (ICLR 2024, arXiv:2307.03576), and von Oswald et al.,
/// "Transformers learn in-context by gradient descent" (ICML 2023):
///
///     f(Z) = Z + W^{PV} · Z · M · (Zᵀ · W^{KQ} · Z) / n,      M = diag(1, …, 1, 0)
///
/// The input is a prompt `Z` `[D, N]` (or a batch `[B, D, N]`) whose columns are tokens: `N − 1 = n`
/// context tokens and a last (query) token; `M` removes the query from the keys and values, so the
/// output at every token attends to the n context tokens only. There is no softmax: the attention
/// scores `Zᵀ W^{KQ} Z` enter linearly (W^{KQ} = W_Kᵀ W_Q merged, W^{PV} = W_P W_V merged, as in the
/// paper). Parameters `value_projection` (W^{PV}) and `key_query` (W^{KQ}), both `[D, D]`.
///
/// For in-context linear regression (``prediction(_:)``) the prompt is
/// `Z = [x₁ … xₙ x_q; y₁ … yₙ 0]` (`D = d + 1`) and the prediction is the output's bottom-right
/// entry. Writing h = (1/n)Σ yᵢxᵢ, that entry is x_qᵀ Γ h plus terms without h, with the effective
/// preconditioner of ``effectivePreconditioner``: the layer computes one preconditioned gradient
/// step from w = 0 on the context's least-squares loss whenever the other terms vanish, which is
/// what the paper proves the pre-training optimum does.
public struct LinearSelfAttention: Layer {
  /// W^{PV} `[D, D]`: the merged projection-value matrix.
  public var valueProjection: Tensor
  /// W^{KQ} `[D, D]`: the merged key-query matrix.
  public var keyQuery: Tensor

  /// A layer on tokens of `tokenDimension` entries with both matrices drawn `N(0, std²)`.
  public init(tokenDimension: Int, std: Double = 0.1, dtype: DType = .float32, key: RandomKey) {
    precondition(tokenDimension >= 1, "LinearSelfAttention: tokenDimension must be ≥ 1")
    let (a, b) = key.split()
    let shape = [tokenDimension, tokenDimension]
    valueProjection = Tensor.normal(shape, std: std, dtype: dtype, key: a)
    keyQuery = Tensor.normal(shape, std: std, dtype: dtype, key: b)
  }

  /// A layer with the given matrices, both `[D, D]`.
  public init(valueProjection: Tensor, keyQuery: Tensor) {
    precondition(
      valueProjection.rank == 2 && valueProjection.shape[0] == valueProjection.shape[1]
        && keyQuery.shape == valueProjection.shape,
      "LinearSelfAttention: W^{PV} \(valueProjection.shape) and W^{KQ} \(keyQuery.shape) "
        + "must be the same square shape")
    self.valueProjection = valueProjection
    self.keyQuery = keyQuery
  }

  /// D, the entries of one token.
  public var tokenDimension: Int { keyQuery.shape[0] }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    if input.rank == 2 {
      return self(input.unsqueezed(axis: 0), context: context).squeezed(axes: [0])
    }
    let (contextTokens, scores) = attentionTerms(input)
    // W^{PV} · (Z M Zᵀ / n) · W^{KQ} · Z: the masked second-moment matrix first, so that the
    // products stay [D, D] until the last one.
    return input + valueProjection.matmul(contextTokens).matmul(scores)
  }

  /// The bottom-right entry of the output for each prompt `[B, D, N]`: the prediction ŷ_q of an
  /// in-context regression prompt (the input's own bottom-right entry, 0 in such a prompt, is
  /// included as the residual connection says). Returns `[B]`.
  public func prediction(_ prompts: Tensor) -> Tensor {
    precondition(prompts.rank == 3, "LinearSelfAttention.prediction: prompts must be [B, D, N]")
    let d = tokenDimension, n = prompts.shape[2]
    let (contextTokens, _) = attentionTerms(prompts)
    let query = prompts.slice(axis: 2, start: n - 1)  // [B, D, 1]
    let lastRow = valueProjection.slice(axis: 0, start: d - 1)  // [1, D]
    let update = lastRow.matmul(contextTokens).matmul(keyQuery).matmul(query)  // [B, 1, 1]
    let residual = query.slice(axis: 1, start: d - 1)
    return (residual + update).reshaped([prompts.shape[0]])
  }

  /// Γ `[d, d]` (d = D − 1) with ŷ_q = x_qᵀ Γ h + (terms without h) for h = (1/n)Σ yᵢxᵢ:
  /// Γ = (p_y K_x + p_x K_y)ᵀ, where p = (p_x, p_y) is W^{PV}'s last row and K_x, K_y are the
  /// first d and the last row of W^{KQ}'s first d columns. Detached, float64.
  public var effectivePreconditioner: Tensor {
    let big = tokenDimension, d = big - 1
    let pv = valueProjection.cast(to: .float64).detached()
    let kq = keyQuery.cast(to: .float64).detached()
    let py = pv[element: d, d]
    var gamma = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d {
        // A = p_y K_x + p_x ⊗ K_y, Γ = Aᵀ: Γ[i, j] = A[j, i].
        gamma[i * d + j] = py * kq[element: j, i] + pv[element: d, j] * kq[element: d, i]
      }
    }
    return Tensor(gamma, shape: [d, d], dtype: .float64)
  }

  /// The two factors of the attention term, regrouped so that no `[N, N]` score matrix is formed:
  /// W^{PV} Z M (Zᵀ W^{KQ} Z) / n = W^{PV} · (Z M Zᵀ / n) · (W^{KQ} Z). Returns the masked second
  /// moment Z M Zᵀ / n `[B, D, D]` and W^{KQ} Z `[B, D, N]`.
  private func attentionTerms(_ prompts: Tensor) -> (Tensor, Tensor) {
    precondition(
      prompts.rank == 3 && prompts.shape[1] == tokenDimension && prompts.shape[2] >= 2,
      "LinearSelfAttention: prompts \(prompts.shape) must be [B, \(tokenDimension), N] with N ≥ 2")
    let n = prompts.shape[2] - 1
    let context = prompts.slice(axis: 2, start: 0, end: n)  // Z M: the query column dropped
    let secondMoment = context.matmulTransposed(context) * prompts.scalar(1 / Double(n))
    return (secondMoment, keyQuery.matmul(prompts))
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "value_projection", &valueProjection, .parameter)
    visit(prefix + "key_query", &keyQuery, .parameter)
  }
}
