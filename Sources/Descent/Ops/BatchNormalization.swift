import CDescentKernels

/// The result of ``Tensor/batchNormalized(weight:bias:epsilon:)``: the normalized output and the
/// batch statistics it used (per channel, detached).
public struct BatchNormalization {
  /// `(x − μ_B)/√(σ²_B + ε) · γ + β`, the input's shape.
  public var output: Tensor
  /// `μ_B`, `[C]`.
  public var mean: Tensor
  /// `σ²_B`, the biased variance, `[C]`.
  public var variance: Tensor
}

extension Tensor {
  /// Training-mode batch normalization (Ioffe & Szegedy 2015, arXiv:1502.03167) over every axis
  /// but the channel axis 1 of `[N, C, …]`: `y = (x − μ_B)/√(σ²_B + ε) · γ + β` with the batch mean
  /// and biased variance of each channel; `weight` (γ) and `bias` (β) are `[C]` or `nil`.
  ///
  /// Fused passes (C kernels, sums in double, channels split over threads, so the bits do not
  /// depend on the thread count): two for the statistics, one for the output; the backward pass
  /// reads `x` and `ḡ` once for `Σḡ` and `Σḡ·x̂` and writes
  /// `ḡx = (ḡ − Σḡ/m − x̂·Σḡx̂/m)·γ/√(σ² + ε)` (`m` values per channel), `ḡγ = Σḡ·x̂`, `ḡβ = Σḡ`.
  /// When the backward pass is itself recorded (higher-order derivatives) the same formula is
  /// built from differentiable ops instead, so every order of derivative is available.
  public func batchNormalized(weight: Tensor?, bias: Tensor?, epsilon: Double)
    -> BatchNormalization
  {
    precondition(rank >= 2, "batchNormalized: needs [N, C, …], got \(shape)")
    precondition(dtype.isFloatingPoint, "batchNormalized: needs float32 or float64, got \(dtype)")
    let (n, c) = (shape[0], shape[1])
    let p = c == 0 || n == 0 ? 0 : count / (n * c)
    precondition(
      n * p > 1, "batchNormalized: needs more than one value per channel, got \(shape)")
    for (name, t) in [("weight", weight), ("bias", bias)] {
      if let t {
        precondition(t.shape == [c], "batchNormalized: \(name) \(t.shape) must be [\(c)]")
        checkSameDType(self, t, "batchNormalized")
      }
    }
    var mean = [Double](repeating: 0, count: c)
    var variance = [Double](repeating: 0, count: c)
    let x = self
    mean.withUnsafeMutableBufferPointer { meanBuffer in
      variance.withUnsafeMutableBufferPointer { varianceBuffer in
        let (m, v) = (meanBuffer.baseAddress!, varianceBuffer.baseAddress!)
        parallelChunks(count: c, grain: channelGrain(n * p), alignment: 1) { range in
          let (begin, end) = (range.lowerBound, range.upperBound)
          if x.dtype == .float64 {
            descent_batchnorm_statistics_f64(x.pointer(Double.self), n, c, p, begin, end, m, v)
          } else {
            descent_batchnorm_statistics_f32(x.pointer(Float.self), n, c, p, begin, end, m, v)
          }
        }
      }
    }
    let rstd = variance.map { 1 / ($0 + epsilon).squareRoot() }
    let gamma = weight.map { $0.cast(to: .float64).scalars(as: Double.self) }
    let scale = (0..<c).map { rstd[$0] * (gamma?[$0] ?? 1) }
    let shift = bias.map { $0.cast(to: .float64).scalars(as: Double.self) } ?? Array(repeating: 0, count: c)
    let y = Tensor.uninitialized(shape: shape, dtype: dtype)
    func apply<T: TensorFloat>(_ t: T.Type, _ kernel: @escaping ApplyKernel<T>) {
      let (mu, s, b) = (mean.map { T($0) }, scale.map { T($0) }, shift.map { T($0) })
      parallelChunks(count: c, grain: channelGrain(n * p), alignment: 1) { range in
        kernel(
          x.pointer(T.self), y.pointer(T.self), n, c, p, range.lowerBound, range.upperBound, mu, s,
          b)
      }
    }
    if dtype == .float64 {
      apply(Double.self, descent_batchnorm_apply_f64)
    } else {
      apply(Float.self, descent_batchnorm_apply_f32)
    }
    let statistics = (
      mean: Tensor(mean, shape: [c], dtype: dtype), variance: Tensor(variance, shape: [c], dtype: dtype)
    )
    var inputs = [self]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    let output = record("batchNorm", y, inputs: inputs) { g, _ in
      let (gx, gGamma, gBeta) =
        GradMode.isRecording
        ? x.batchNormBackwardComposite(g, weight: weight, epsilon: epsilon)
        : x.batchNormBackwardFused(g, weight: weight, mean: mean, rstd: rstd)
      var result: [Tensor?] = [x.isTracked ? gx : nil]
      if let weight { result.append(weight.isTracked ? gGamma : nil) }
      if let bias { result.append(bias.isTracked ? gBeta : nil) }
      return result
    }
    return BatchNormalization(output: output, mean: statistics.mean, variance: statistics.variance)
  }

  /// The backward pass from the fused kernel: `(ḡx, Σḡ·x̂, Σḡ)`.
  private func batchNormBackwardFused(
    _ g: Tensor, weight: Tensor?, mean: [Double], rstd: [Double]
  ) -> (Tensor, Tensor, Tensor) {
    let (n, c) = (shape[0], shape[1])
    let p = count / (n * c)
    let gx = Tensor.uninitialized(shape: shape, dtype: dtype)
    var sumG = [Double](repeating: 0, count: c)
    var sumGXhat = [Double](repeating: 0, count: c)
    let x = self
    sumG.withUnsafeMutableBufferPointer { sg in
      sumGXhat.withUnsafeMutableBufferPointer { sgx in
        let (a, b) = (sg.baseAddress!, sgx.baseAddress!)
        parallelChunks(count: c, grain: channelGrain(n * p), alignment: 1) { range in
          let (begin, end) = (range.lowerBound, range.upperBound)
          if x.dtype == .float64 {
            descent_batchnorm_backward_f64(
              x.pointer(Double.self), g.pointer(Double.self), gx.pointer(Double.self), n, c, p,
              begin, end, mean, rstd, weight?.pointer(Double.self), a, b)
          } else {
            descent_batchnorm_backward_f32(
              x.pointer(Float.self), g.pointer(Float.self), gx.pointer(Float.self), n, c, p,
              begin, end, mean, rstd, weight?.pointer(Float.self), a, b)
          }
        }
      }
    }
    return (
      gx, Tensor(sumGXhat, shape: [c], dtype: dtype), Tensor(sumG, shape: [c], dtype: dtype)
    )
  }

  /// The same backward pass from differentiable ops (recomputing the statistics from `self`), for
  /// a recorded backward pass: `(ḡx, Σḡ·x̂, Σḡ)`.
  private func batchNormBackwardComposite(_ g: Tensor, weight: Tensor?, epsilon: Double)
    -> (Tensor, Tensor, Tensor)
  {
    let c = shape[1]
    let axes = [0] + Array(2..<rank)
    var channelShape = [Int](repeating: 1, count: rank)
    channelShape[1] = c
    let m = Double(count / c)
    let mean = self.mean(axes: axes, keepDims: true)
    let centered = self - mean
    let rstd = ((centered * centered).mean(axes: axes, keepDims: true) + epsilon).rsqrt()
    let xhat = centered * rstd
    let sumG = g.sum(axes: axes, keepDims: true)
    let sumGXhat = (g * xhat).sum(axes: axes, keepDims: true)
    var gx = (g - sumG / m - xhat * sumGXhat / m) * rstd
    if let weight { gx = gx * weight.reshaped(channelShape) }
    return (gx, sumGXhat.reshaped([c]), sumG.reshaped([c]))
  }
}

private typealias ApplyKernel<T> = (
  UnsafePointer<T>?, UnsafeMutablePointer<T>?, Int, Int, Int, Int, Int, UnsafePointer<T>?,
  UnsafePointer<T>?, UnsafePointer<T>?
) -> Void

/// Channels per chunk so that each chunk moves at least ~64K elements.
private func channelGrain(_ perChannel: Int) -> Int { max(1, (1 << 16) / max(perChannel, 1)) }
