// Fused multi-head scaled dot-product self-attention on packed projections.

extension Tensor {
  /// Multi-head scaled dot-product attention (Vaswani et al. 2017, arXiv:1706.03762, §3.2.2) on
  /// packed projections, as `nn.MultiheadAttention` computes it between its two projections.
  ///
  /// `self` is `[B, T, 3E]`: each row holds the query, key and value projections of one position,
  /// each `E = H·d` wide with head `h` at columns `h·d ..< (h + 1)·d` (PyTorch's `in_proj` layout).
  /// The result is `[B, T, E]`, head `h` at the same columns:
  ///
  ///     head h: softmax(Q_h K_hᵀ · s + M) V_h,   s = scale (default 1/√d),
  ///     M = −∞ above the diagonal when `causal`, else 0.
  ///
  /// One fused op: every (batch, head) pair runs its products as strided GEMMs straight on the
  /// packed rows (no head split, permute or merge copies) and softmax only over the unmasked keys
  /// (masked probabilities are exactly 0; computing `exp(−∞)` would run through subnormal
  /// arithmetic). The attention probabilities `P` are kept for the backward pass:
  ///
  ///     dV = Pᵀ G,  dP = G Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)) · s,  dQ = dS K,  dK = dSᵀ Q,
  ///
  /// fused the same way. The pairs are independent and each writes its own columns, so the bits
  /// do not depend on the thread count. When the backward pass is itself recorded (higher
  /// orders), the gradient is that of the same function written in differentiable core ops
  /// (``compositeAttention(heads:causal:scale:)``), so every order is exact.
  public func attention(heads: Int, causal: Bool, scale: Double? = nil) -> Tensor {
    precondition(dtype.isFloatingPoint, "attention: needs a floating-point tensor, got \(dtype)")
    precondition(
      rank == 3 && heads > 0 && shape[2] % (3 * heads) == 0,
      "attention: input \(shape) must be [B, T, 3E] with E a multiple of heads = \(heads)")
    let (b, t, e) = (shape[0], shape[1], shape[2] / 3)
    let d = e / heads
    let s = scale ?? 1 / Double(d).squareRoot()
    let out = Tensor.uninitialized(shape: [b, t, e], dtype: dtype)
    let probabilities = Tensor.uninitialized(shape: [b, heads, t, t], dtype: dtype)
    switch dtype {
    case .float32: attentionForward(self, out, probabilities, Float.self, heads, causal, Float(s))
    case .float64: attentionForward(self, out, probabilities, Double.self, heads, causal, s)
    default: preconditionFailure("attention: needs a floating-point tensor, got \(dtype)")
    }
    let packed = self
    return record("attention", out, inputs: [self]) { g, _ in
      if GradMode.isRecording {
        return [
          recordedVJP(at: [packed], cotangent: g) {
            $0[0].compositeAttention(heads: heads, causal: causal, scale: s)
          }[0]
        ]
      }
      let gradient = Tensor.uninitialized(shape: packed.shape, dtype: packed.dtype)
      switch packed.dtype {
      case .float32:
        attentionBackward(packed, probabilities, g, gradient, Float.self, heads, causal, Float(s))
      default:
        attentionBackward(packed, probabilities, g, gradient, Double.self, heads, causal, s)
      }
      return [gradient]
    }
  }

  /// ``attention(heads:causal:scale:)`` composed of differentiable core ops (split, permute,
  /// batched matmul, `where`, softmax): the reference for tests and the higher-order fallback.
  public func compositeAttention(heads: Int, causal: Bool, scale: Double? = nil) -> Tensor {
    precondition(
      rank == 3 && heads > 0 && shape[2] % (3 * heads) == 0,
      "compositeAttention: input \(shape) must be [B, T, 3E] with E a multiple of heads = \(heads)")
    let (b, t, e) = (shape[0], shape[1], shape[2] / 3)
    let d = e / heads
    let s = scale ?? 1 / Double(d).squareRoot()
    // [B, T, 3E] → [3, B, H, T, d]
    let parts = reshaped([b, t, 3, heads, d]).permuted([2, 0, 3, 1, 4])
      .split(count: 3, axis: 0).map { $0.squeezed(axes: [0]) }
    var scores = parts[0].matmulTransposed(parts[1]) * s
    if causal { scores = Descent.where(causalMaskTensor(t), scores, -Double.infinity) }
    let attended = scores.softmax(axis: -1).matmul(parts[2])  // [B, H, T, d]
    return attended.permuted([0, 2, 1, 3]).reshaped([b, t, e])
  }
}

/// `[T, T]` `uint8`, 1 where key position `j ≤` query position `i`.
func causalMaskTensor(_ t: Int) -> Tensor {
  var values = [UInt8](repeating: 0, count: t * t)
  for i in 0..<t {
    for j in 0...i { values[i * t + j] = 1 }
  }
  return Tensor(scalars: values, shape: [t, t])
}

/// The gradient of `⟨composite(inputs), cotangent⟩` with respect to each input, recorded (the
/// inputs stay connected to their graphs): how a fused op's backward pass falls back to its
/// composite form when that pass is itself differentiated. `nil` for untracked inputs.
func recordedVJP(
  at inputs: [Tensor], cotangent: Tensor, _ composite: ([Tensor]) -> Tensor
) -> [Tensor?] {
  let variables = inputs.map { $0.trackingGradients() }
  let value = withGradients { composite(variables) }
  let found = gradients(of: value, withRespectTo: variables, seed: cotangent, createGraph: true)
  return zip(inputs, found).map { input, gradient in input.isTracked ? gradient : nil }
}

private func attentionForward<S: TensorFloat>(
  _ packed: Tensor, _ out: Tensor, _ probabilities: Tensor, _ type: S.Type, _ heads: Int,
  _ causal: Bool, _ scale: S
) {
  let (b, t, e3) = (packed.shape[0], packed.shape[1], packed.shape[2])
  let e = e3 / 3
  let d = e / heads
  let qkv = packed.pointer(S.self)
  let o = out.pointer(S.self)
  let p = probabilities.pointer(S.self)
  parallelFor(b * heads) { pair in
    let (batch, head) = pair.quotientAndRemainder(dividingBy: heads)
    let q = UnsafePointer(qkv + batch * t * e3 + head * d)
    let k = q + e
    let v = q + 2 * e
    let probs = p + pair * t * t
    // Scores Q Kᵀ into the probability buffer, then softmax row by row in place.
    gemm(q, k, probs, m: t, n: t, k: d, transposeA: false, transposeB: true, lda: e3, ldb: e3, ldc: t)
    // Each row max-shifted over its unmasked keys (masked entries 0 for now), one exp call over
    // the whole block, then normalized; masked probabilities set to exactly 0.
    for i in 0..<t {
      let row = probs + i * t
      let n = causal ? i + 1 : t
      var shift = -S.infinity
      for j in 0..<n {
        row[j] *= scale
        shift = Swift.max(shift, row[j])
      }
      if !shift.isFinite && !shift.isNaN { shift = 0 }
      for j in 0..<n { row[j] -= shift }
      if n < t { (row + n).update(repeating: 0, count: t - n) }
    }
    expInPlace(probs, t * t)
    for i in 0..<t {
      let row = probs + i * t
      let n = causal ? i + 1 : t
      var total: S = 0
      for j in 0..<n { total += row[j] }
      let inverse = 1 / total
      for j in 0..<n { row[j] *= inverse }
      if n < t { (row + n).update(repeating: 0, count: t - n) }
    }
    gemm(
      UnsafePointer(probs), v, o + batch * t * e + head * d, m: t, n: d, k: t, transposeA: false,
      transposeB: false, lda: t, ldb: e3, ldc: e)
  }
}

private func attentionBackward<S: TensorFloat>(
  _ packed: Tensor, _ probabilities: Tensor, _ outputGradient: Tensor, _ gradient: Tensor,
  _ type: S.Type, _ heads: Int, _ causal: Bool, _ scale: S
) {
  let (b, t, e3) = (packed.shape[0], packed.shape[1], packed.shape[2])
  let e = e3 / 3
  let d = e / heads
  let qkv = packed.pointer(S.self)
  let p = probabilities.pointer(S.self)
  let g = outputGradient.pointer(S.self)
  let dqkv = gradient.pointer(S.self)
  parallelFor(b * heads) { pair in
    let (batch, head) = pair.quotientAndRemainder(dividingBy: heads)
    let offset = batch * t * e3 + head * d
    let q = UnsafePointer(qkv + offset)
    let k = q + e
    let v = q + 2 * e
    let probs = UnsafePointer(p + pair * t * t)
    let gHead = UnsafePointer(g + batch * t * e + head * d)
    let scores = UnsafeMutablePointer<S>.allocate(capacity: t * t)
    defer { scores.deallocate() }
    // dV = Pᵀ G
    gemm(
      probs, gHead, dqkv + offset + 2 * e, m: t, n: d, k: t, transposeA: true, transposeB: false,
      lda: t, ldb: e, ldc: e3)
    // dP = G Vᵀ, then dS = P ⊙ (dP − Σ dP ⊙ P) · s in place (0 where masked).
    gemm(gHead, v, scores, m: t, n: t, k: d, transposeA: false, transposeB: true, lda: e, ldb: e3, ldc: t)
    for i in 0..<t {
      let row = scores + i * t
      let prow = probs + i * t
      let n = causal ? i + 1 : t
      var dot: S = 0
      for j in 0..<n { dot += row[j] * prow[j] }
      for j in 0..<n { row[j] = prow[j] * (row[j] - dot) * scale }
      if n < t { (row + n).update(repeating: 0, count: t - n) }
    }
    // dQ = dS K, dK = dSᵀ Q
    gemm(
      UnsafePointer(scores), k, dqkv + offset, m: t, n: d, k: t, transposeA: false,
      transposeB: false, lda: t, ldb: e3, ldc: e3)
    gemm(
      UnsafePointer(scores), q, dqkv + offset + e, m: t, n: d, k: t, transposeA: true,
      transposeB: false, lda: t, ldb: e3, ldc: e3)
  }
}
