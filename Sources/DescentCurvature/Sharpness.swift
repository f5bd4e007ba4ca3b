import Descent

/// The linear-stability thresholds of a minimum for a learning rate `η`.
///
/// - Gradient descent: near a minimum `θ*` with Hessian `H`, GD's error evolves as
///   `δ ← (I − ηH)δ`, which is stable exactly when `λ_max(H) ≤ 2/η` — the "edge of stability" that
///   full-batch training's sharpness rises to and hovers at (Cohen et al., ICLR 2021).
/// - SGD: Wu and Su, "The Implicit Regularization of Dynamical Stability in Stochastic Gradient
///   Descent", ICML 2023 (arXiv:2305.17490), show that a global minimum that is linearly stable
///   for SGD has `Tr(H) ≤ 2/η`: the bound covers the whole spectrum, not only its top. Their
///   setting: squared loss `½(f(x) − y)²` averaged over the `n` examples, at an interpolating
///   minimum (`H = (1/n) Σ ∇f(xᵢ)∇f(xᵢ)ᵀ`), batch size 1. For batch size `B` we use `2B/η`, the
///   bound the same mean-square argument gives when the per-example gradients have equal norms
///   (`E[H_ξ²] ≈ H²+ (1/B)·Tr(H)·H`): our extension, not the paper's statement, and the exact
///   criterion for `B > 1` depends on the alignment of per-example Hessians (Mulayoff and
///   Michaeli, "Exact Mean Square Linear Stability Analysis for SGD", 2023). With batch size 1
///   it is exactly the paper's bound.
public struct StabilityThresholds: Sendable, Codable, Equatable {
  public let learningRate: Double
  public let batchSize: Int

  public init(learningRate: Double, batchSize: Int = 1) {
    precondition(
      learningRate > 0, "StabilityThresholds: learningRate must be positive, got \(learningRate)")
    precondition(
      batchSize >= 1, "StabilityThresholds: batchSize must be at least 1, got \(batchSize)")
    self.learningRate = learningRate
    self.batchSize = batchSize
  }

  /// `2/η`: the largest `λ_max(H)` at which gradient descent is stable.
  public var gradientDescentThreshold: Double { 2 / learningRate }

  /// `2B/η` (`2/η` for `B = 1`, Wu and Su's bound): the largest `Tr(H)` of a minimum that SGD can
  /// stay at.
  public var sgdTraceThreshold: Double { 2 * Double(batchSize) / learningRate }
}

/// One measurement of the sharpness of the loss at a training step.
public struct SharpnessMeasurement: Sendable, Codable, Equatable {
  public let step: Int
  /// `λ_max(H)` by Lanczos.
  public let lambdaMax: Double
  /// `Tr(H)` by Hutchinson, with its standard error.
  public let trace: TraceEstimate
  public let thresholds: StabilityThresholds

  /// `λ_max / (2/η) = ηλ_max/2`: above 1, gradient descent at this learning rate is unstable here.
  public var gradientDescentRatio: Double { lambdaMax / thresholds.gradientDescentThreshold }
  /// `Tr(H) / (2B/η)`: above 1, the point cannot be a stable minimum for SGD.
  public var sgdTraceRatio: Double { trace.estimate / thresholds.sgdTraceThreshold }
  public var isStableForGradientDescent: Bool { gradientDescentRatio <= 1 }
  public var isStableForSGD: Bool { sgdTraceRatio <= 1 }
}

/// Measures `λ_max` (Lanczos, `lanczosIterations` HVPs) and `Tr(H)` (Hutchinson, `traceSamples`
/// HVPs) of `hessian` and compares them with the thresholds.
public func measureSharpness(
  _ hessian: LinearOperator, step: Int = 0, thresholds: StabilityThresholds,
  lanczosIterations: Int = 20, traceSamples: Int = 50, key: RandomKey
) throws -> SharpnessMeasurement {
  let (lanczosKey, traceKey) = key.split()
  let top = try topEigenpairs(
    hessian, count: 1, iterations: min(lanczosIterations, hessian.dimension), key: lanczosKey)
  let trace = hutchinsonTrace(hessian, samples: traceSamples, key: traceKey)
  return SharpnessMeasurement(
    step: step, lambdaMax: top.eigenvalues[0], trace: trace, thresholds: thresholds)
}

/// Sharpness over a training run: call ``measure(step:hessian:)`` every few steps (a measurement
/// costs `lanczosIterations + traceSamples` HVPs, i.e. a few dozen gradients).
public struct SharpnessTracker: Sendable {
  public let thresholds: StabilityThresholds
  public var lanczosIterations: Int
  public var traceSamples: Int
  public let key: RandomKey
  public private(set) var history: [SharpnessMeasurement] = []

  public init(
    thresholds: StabilityThresholds, lanczosIterations: Int = 20, traceSamples: Int = 50,
    key: RandomKey
  ) {
    self.thresholds = thresholds
    self.lanczosIterations = lanczosIterations
    self.traceSamples = traceSamples
    self.key = key
  }

  /// Measures at `step` (probes keyed by `key` folded with the step) and appends to ``history``.
  @discardableResult
  public mutating func measure(step: Int, hessian: LinearOperator) throws -> SharpnessMeasurement {
    let measurement = try measureSharpness(
      hessian, step: step, thresholds: thresholds, lanczosIterations: lanczosIterations,
      traceSamples: traceSamples, key: key.folded(in: UInt64(step)))
    history.append(measurement)
    return measurement
  }
}
