import Descent
import Foundation

/// Batch normalization's buffers: the running mean and variance per channel and the number of
/// batches seen. A reference type, so that a forward pass in training mode can update them
/// without the model being `mutating` — the same model value serves inside
/// `valueAndGrad(of:at:)` closures. Copies of a layer share them (as `with(parameters:)` should);
/// ``Layer/loadStateDict(_:strict:)`` gives the loading layer fresh ones. Thread-safe.
public final class RunningStatistics: @unchecked Sendable {
  private let lock = NSLock()
  private var _mean: Tensor
  private var _variance: Tensor
  private var _batchesTracked: Tensor

  init(mean: Tensor, variance: Tensor, batchesTracked: Tensor) {
    _mean = mean
    _variance = variance
    _batchesTracked = batchesTracked
  }

  /// `(running_mean, running_var, num_batches_tracked)`.
  public var values: (mean: Tensor, variance: Tensor, batchesTracked: Tensor) {
    lock.withLock { (_mean, _variance, _batchesTracked) }
  }

  /// `running ← (1 − momentum)·running + momentum·batch` for mean and (unbiased) variance, and one
  /// more batch tracked.
  func update(mean: Tensor, unbiasedVariance: Tensor, momentum: Double) {
    lock.withLock {
      _mean = _mean * (1 - momentum) + mean * momentum
      _variance = _variance * (1 - momentum) + unbiasedVariance * momentum
      _batchesTracked = _batchesTracked + _batchesTracked.scalar(1)
    }
  }
}

/// Batch normalization (Ioffe & Szegedy 2015, arXiv:1502.03167) with PyTorch's semantics, over
/// every axis but the channel axis 1: `[N, C]` and `[N, C, L]` (`nn.BatchNorm1d`),
/// `[N, C, H, W]` (`nn.BatchNorm2d`), `[N, C, D, H, W]`.
///
/// Training mode: `y = (x − μ_B)/√(σ²_B + ε) · γ + β` with the batch mean and *biased* variance;
/// then `running_mean ← (1 − m)·running_mean + m·μ_B` and
/// `running_var ← (1 − m)·running_var + m·σ²_B·n/(n − 1)` (unbiased, `n` values per channel),
/// `num_batches_tracked += 1`. Evaluation mode normalizes with the running statistics.
/// Defaults: momentum `m = 0.1`, `ε = 1e-5`, `γ = 1`, `β = 0`, running mean 0 and variance 1.
///
/// Paths: `weight` (γ), `bias` (β) — parameters; `running_mean`, `running_var`,
/// `num_batches_tracked` — buffers. `num_batches_tracked` is an `int32` scalar (PyTorch's is
/// int64).
public struct BatchNorm: Layer {
  public var weight: Tensor?
  public var bias: Tensor?
  public private(set) var statistics: RunningStatistics
  public var momentum: Double
  public var epsilon: Double
  public let featureCount: Int

  public init(
    _ featureCount: Int, epsilon: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true,
    dtype: DType = .float32
  ) {
    precondition(featureCount > 0, "BatchNorm: featureCount must be positive, got \(featureCount)")
    precondition(
      momentum >= 0 && momentum <= 1, "BatchNorm: momentum must be in [0, 1], got \(momentum)")
    self.featureCount = featureCount
    self.epsilon = epsilon
    self.momentum = momentum
    weight = affine ? Tensor.ones([featureCount], dtype: dtype) : nil
    bias = affine ? Tensor.zeros([featureCount], dtype: dtype) : nil
    statistics = RunningStatistics(
      mean: .zeros([featureCount], dtype: dtype), variance: .ones([featureCount], dtype: dtype),
      batchesTracked: .zeros([], dtype: .int32))
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    precondition(
      input.rank >= 2 && input.shape[1] == featureCount,
      "BatchNorm: input \(input.shape) must be [N, \(featureCount), …]")
    var channelShape = [Int](repeating: 1, count: input.rank)
    channelShape[1] = featureCount
    if context.training {
      let n = input.count / featureCount
      precondition(
        n > 1, "BatchNorm: training needs more than one value per channel, got \(input.shape)")
      // Fused statistics, normalization and affine map (and a fused backward pass).
      let result = input.batchNormalized(weight: weight, bias: bias, epsilon: epsilon)
      withoutGradients {
        statistics.update(
          mean: result.mean, unbiasedVariance: result.variance * (Double(n) / Double(n - 1)),
          momentum: momentum)
      }
      return result.output
    }
    let (mean, variance, _) = statistics.values
    var y =
      (input - mean.reshaped(channelShape)) * (variance.reshaped(channelShape) + epsilon).rsqrt()
    if let weight { y = y * weight.reshaped(channelShape) }
    if let bias { y = y + bias.reshaped(channelShape) }
    return y
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    if weight != nil { visit(prefix + "weight", &weight!, .parameter) }
    if bias != nil { visit(prefix + "bias", &bias!, .parameter) }
    var (mean, variance, count) = statistics.values
    let before = (mean, variance, count)
    visit(prefix + "running_mean", &mean, .buffer)
    visit(prefix + "running_var", &variance, .buffer)
    visit(prefix + "num_batches_tracked", &count, .buffer)
    if !mean.sharesStorage(with: before.0) || !variance.sharesStorage(with: before.1)
      || !count.sharesStorage(with: before.2)
    {
      statistics = RunningStatistics(mean: mean, variance: variance, batchesTracked: count)
    }
  }
}

/// PyTorch's `nn.BatchNorm1d`: ``BatchNorm`` on `[N, C]` or `[N, C, L]`.
public typealias BatchNorm1d = BatchNorm
/// PyTorch's `nn.BatchNorm2d`: ``BatchNorm`` on `[N, C, H, W]`.
public typealias BatchNorm2d = BatchNorm

/// Layer normalization (Ba et al. 2016, arXiv:1607.06450), PyTorch's `nn.LayerNorm`: over the
/// trailing axes `normalizedShape`, `y = (x − μ)/√(σ² + ε) · γ + β` with the biased variance;
/// `ε = 1e-5`, `γ = 1`, `β = 0` by default; the same in training and evaluation. One fused op
/// forward and backward (`Tensor.layerNormalized`). Paths: `weight`, `bias`.
public struct LayerNorm: Layer {
  public var weight: Tensor?
  public var bias: Tensor?
  public let normalizedShape: [Int]
  public var epsilon: Double

  public init(
    _ normalizedShape: [Int], epsilon: Double = 1e-5, elementwiseAffine: Bool = true,
    bias: Bool = true, dtype: DType = .float32
  ) {
    precondition(!normalizedShape.isEmpty, "LayerNorm: normalizedShape must not be empty")
    self.normalizedShape = normalizedShape
    self.epsilon = epsilon
    weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype) : nil
    self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape, dtype: dtype) : nil
  }

  /// Normalization over the last axis of size `featureCount`.
  public init(_ featureCount: Int, epsilon: Double = 1e-5, dtype: DType = .float32) {
    self.init([featureCount], epsilon: epsilon, dtype: dtype)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    let k = normalizedShape.count
    precondition(
      input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
      "LayerNorm: input \(input.shape) must end in \(normalizedShape)")
    return input.layerNormalized(axisCount: k, weight: weight, bias: bias, epsilon: epsilon)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    if weight != nil { visit(prefix + "weight", &weight!, .parameter) }
    if bias != nil { visit(prefix + "bias", &bias!, .parameter) }
  }
}
