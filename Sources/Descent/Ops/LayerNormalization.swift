// Fused layer normalization, forward and backward.

import CDescentKernels

extension Tensor {
  /// Layer normalization (Ba, Kiros & Hinton 2016, arXiv:1607.06450) over the trailing axes that
  /// `weight`/`bias` span (or the last `axisCount` axes), PyTorch's `F.layer_norm`:
  ///
  ///     y = (x − μ) · r · γ + β,   μ = mean(x),  σ² = mean((x − μ)²) (biased),  r = 1/√(σ² + ε)
  ///
  /// per row of the normalized size `n` (float32: a vectorized C kernel whose sums use 16 fixed
  /// lanes; float64: Swift loops summing in index order). One fused pass per row (mean, variance, normalize, scale
  /// and shift), keeping only `μ` and `r` per row for the backward pass, which with
  /// `x̂ = (x − μ) r` and `ĝ = g γ` is
  ///
  ///     dx = r (ĝ − mean(ĝ) − x̂ · mean(ĝ x̂)),   dγ = Σ_rows g x̂,   dβ = Σ_rows g,
  ///
  /// rows in parallel for `dx`, and `dγ`, `dβ` summed over rows in row order (so the bits do not
  /// depend on the thread count). When the backward pass is itself recorded (higher orders) the
  /// gradient is that of ``compositeLayerNormalized(axisCount:weight:bias:epsilon:)``.
  public func layerNormalized(
    axisCount: Int = 1, weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5
  ) -> Tensor {
    precondition(dtype.isFloatingPoint, "layerNormalized: needs a floating-point tensor, got \(dtype)")
    precondition(
      axisCount >= 1 && axisCount <= rank,
      "layerNormalized: cannot normalize \(axisCount) trailing axes of a rank-\(rank) tensor")
    let normalizedShape = Array(shape.suffix(axisCount))
    for (name, p) in [("weight", weight), ("bias", bias)] {
      guard let p else { continue }
      precondition(
        p.shape == normalizedShape && p.dtype == dtype,
        "layerNormalized: \(name) \(p.dtype) \(p.shape) must be \(dtype) \(normalizedShape)")
    }
    let n = shapeElementCount(normalizedShape)
    let rows = n == 0 ? 0 : count / n
    let out = Tensor.uninitialized(shape: shape, dtype: dtype)
    let statistics = Tensor.uninitialized(shape: [2, rows], dtype: dtype)  // μ, r
    switch dtype {
    case .float32:
      layerNormForward(self, weight, bias, out, statistics, Float.self, n, Float(epsilon))
    case .float64: layerNormForward(self, weight, bias, out, statistics, Double.self, n, epsilon)
    default: preconditionFailure("layerNormalized: needs a floating-point tensor, got \(dtype)")
    }
    let x = self
    var inputs = [self]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    return record("layerNorm", out, inputs: inputs) { g, _ in
      if GradMode.isRecording {
        return recordedVJP(at: inputs, cotangent: g) { v in
          v[0].compositeLayerNormalized(
            axisCount: axisCount, weight: weight == nil ? nil : v[1],
            bias: bias == nil ? nil : v[weight == nil ? 1 : 2], epsilon: epsilon)
        }
      }
      let dx = Tensor.uninitialized(shape: x.shape, dtype: x.dtype)
      let dw = weight.map { Tensor.uninitialized(shape: $0.shape, dtype: $0.dtype) }
      let db = bias.map { Tensor.uninitialized(shape: $0.shape, dtype: $0.dtype) }
      switch x.dtype {
      case .float32: layerNormBackward(x, weight, g, statistics, dx, dw, db, Float.self, n)
      default: layerNormBackward(x, weight, g, statistics, dx, dw, db, Double.self, n)
      }
      var result: [Tensor?] = [dx]
      if weight != nil { result.append(weight!.isTracked ? dw : nil) }
      if bias != nil { result.append(bias!.isTracked ? db : nil) }
      return result
    }
  }

  /// ``layerNormalized(axisCount:weight:bias:epsilon:)`` composed of differentiable core ops
  /// (mean, subtract, multiply, rsqrt): the reference for tests and the higher-order fallback.
  public func compositeLayerNormalized(
    axisCount: Int = 1, weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5
  ) -> Tensor {
    let axes = Array((rank - axisCount)..<rank)
    let mean = self.mean(axes: axes, keepDims: true)
    let centered = self - mean
    let variance = (centered * centered).mean(axes: axes, keepDims: true)
    var y = centered * (variance + epsilon).rsqrt()
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
  }
}

private func layerNormForward<S: TensorFloat>(
  _ x: Tensor, _ weight: Tensor?, _ bias: Tensor?, _ out: Tensor, _ statistics: Tensor,
  _ type: S.Type, _ n: Int, _ epsilon: S
) {
  let rows = statistics.shape[1]
  let src = x.pointer(S.self)
  let dst = out.pointer(S.self)
  let means = statistics.pointer(S.self)
  let scales = means + rows
  let w = weight?.pointer(S.self)
  let b = bias?.pointer(S.self)
  let inverseN = 1 / S(n)
  parallelChunks(count: rows, grain: max(1, (1 << 14) / max(n, 1)), alignment: 1) { range in
    if S.self == Float.self {
      // float32: the vectorized C kernel (16 fixed lanes per sum).
      func f(_ p: UnsafeMutablePointer<S>?) -> UnsafeMutablePointer<Float>? {
        p.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) }
      }
      let o = range.lowerBound
      descent_layer_norm_forward_f32(
        f(src + o * n), f(w), f(b), f(dst + o * n), f(means + o), f(scales + o), range.count, n,
        unsafeBitCast(epsilon, to: Float.self))
      return
    }
    for row in range {
      let xr = src + row * n
      let yr = dst + row * n
      var sum: S = 0
      for j in 0..<n { sum += xr[j] }
      let mean = sum * inverseN
      var squares: S = 0
      for j in 0..<n {
        let c = xr[j] - mean
        squares += c * c
      }
      let r = 1 / (squares * inverseN + epsilon).squareRoot()
      means[row] = mean
      scales[row] = r
      switch (w, b) {
      case let (w?, b?): for j in 0..<n { yr[j] = (xr[j] - mean) * r * w[j] + b[j] }
      case let (w?, nil): for j in 0..<n { yr[j] = (xr[j] - mean) * r * w[j] }
      case let (nil, b?): for j in 0..<n { yr[j] = (xr[j] - mean) * r + b[j] }
      case (nil, nil): for j in 0..<n { yr[j] = (xr[j] - mean) * r }
      }
    }
  }
}

private func layerNormBackward<S: TensorFloat>(
  _ x: Tensor, _ weight: Tensor?, _ outputGradient: Tensor, _ statistics: Tensor, _ dx: Tensor,
  _ dw: Tensor?, _ db: Tensor?, _ type: S.Type, _ n: Int
) {
  let rows = statistics.shape[1]
  let src = x.pointer(S.self)
  let g = outputGradient.pointer(S.self)
  let means = statistics.pointer(S.self)
  let scales = means + rows
  let w = weight?.pointer(S.self)
  let dst = dx.pointer(S.self)
  let inverseN = 1 / S(n)
  parallelChunks(count: rows, grain: max(1, (1 << 14) / max(n, 1)), alignment: 1) { range in
    if S.self == Float.self {
      func f(_ p: UnsafeMutablePointer<S>?) -> UnsafeMutablePointer<Float>? {
        p.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) }
      }
      let o = range.lowerBound
      descent_layer_norm_backward_f32(
        f(src + o * n), f(w), f(g + o * n), f(means + o), f(scales + o), f(dst + o * n),
        range.count, n)
      return
    }
    for row in range {
      let xr = src + row * n
      let gr = g + row * n
      let dr = dst + row * n
      let (mean, r) = (means[row], scales[row])
      var sumG: S = 0
      var sumGX: S = 0
      for j in 0..<n {
        let gh = w.map { gr[j] * $0[j] } ?? gr[j]
        sumG += gh
        sumGX += gh * ((xr[j] - mean) * r)
      }
      let a = sumG * inverseN
      let c = sumGX * inverseN
      for j in 0..<n {
        let gh = w.map { gr[j] * $0[j] } ?? gr[j]
        dr[j] = r * (gh - a - (xr[j] - mean) * r * c)
      }
    }
  }
  if let dw {
    let p = dw.pointer(S.self)
    p.update(repeating: 0, count: n)
    for row in 0..<rows {
      let (xr, gr) = (src + row * n, g + row * n)
      let (mean, r) = (means[row], scales[row])
      for j in 0..<n { p[j] += gr[j] * ((xr[j] - mean) * r) }
    }
  }
  if let db {
    let p = db.pointer(S.self)
    p.update(repeating: 0, count: n)
    for row in 0..<rows {
      let gr = g + row * n
      for j in 0..<n { p[j] += gr[j] }
    }
  }
}
