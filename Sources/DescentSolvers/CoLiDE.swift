import Descent
import Foundation

/// CoLiDE, concomitant linear DAG estimation (Saboksayr, Mateos and Tepper, "CoLiDE: Concomitant
/// Linear DAG Estimation", ICLR 2024, arXiv:2310.02895), ported line by line from the official
/// numpy code (SAMiatto/colide `model.py` at f3697593c4a8f6d50360fb542da2cb1dfaea3547,
/// Apache-2.0; classes `colide_ev` and `colide_nv`).
///
/// A linear SEM X = XW + E on centred data, with Σ̂ = XᵀX/n, is learned by minimizing, for a
/// decreasing path μ₁ > μ₂ > …, the objective
///
///     F(W, σ) = μ·(S(W, σ) + λ‖W‖₁) + h_s(W)
///
/// where S is the concomitant score of ``CoLiDENoiseModel`` (σ jointly estimated, in closed form
/// after every step) and h_s the log-det acyclicity of ``LogDetAcyclicity``. Algorithm:
///
///     centre X; Σ̂ = XᵀX/n; W = 0; σ = σ₀ (EV: minⱼ ‖xⱼ‖/√n; NV: ‖xⱼ‖/√n)
///     for stage i = 1…T (μ = μ_init·μ_factor^(i−1), s = sᵢ, lr = lr₀):
///       repeat minimize(W, σ, μ, s, lr) from the stage's start; on failure lr /= 2, s += 0.1
///     minimize: Adam moments reset; for t = 1…K (K = warm, or max in the last stage):
///       M = (sI − W∘W)⁻¹ + 1e-16
///       while some Mᵢⱼ < −1e-6 (W left the M-matrix domain):
///         t = 1 or s ≤ 0.9 → fail; else undo the last step, lr /= 2 (lr ≤ 1e-16 → stop, success),
///         retake the step with the smaller lr, σ = σ̂(W), recompute M
///       G = −μ Σ̂(I − W)/σ + μλ sign(W) + 2 W∘Mᵀ
///       Adam (β₁ = 0.99, β₂ = 0.999, ε = 1e-8, bias-corrected) step W −= lr·m̂/(√v̂ + ε)
///       σ = σ̂(W)
///       every `checkpoint` iterations and at t = K: stop when |ΔF/F_prev| ≤ tol
///
/// The estimate is W before thresholding; ``DAGThresholding`` gives the reference's `to_dag`.
///
/// Deviations from the reference, none of which changes a finite run: a singular sI − W∘W (numpy
/// would raise) and NaN entries of M (numpy's test would pass them) count as leaving the domain;
/// a stage gives up after ``maximumAttempts`` failed attempts (the reference would retry forever;
/// s grows by 0.1 each time, so this is never reached on finite data), reported as `converged =
/// false`; no progress bar. Cost per Adam iteration: one d×d LU inverse and one d×d product,
/// O(d³); memory O(d² + nd) (the data is only read to form Σ̂).
public struct CoLiDE: Sendable {
  public let noise: CoLiDENoiseModel
  public let configuration: CoLiDEConfiguration
  /// Failed attempts after which a stage gives up.
  public static let maximumAttempts = 64

  public init(noise: CoLiDENoiseModel, configuration: CoLiDEConfiguration = .init()) throws {
    try configuration.validate()
    if case .fixed(let sigma) = noise { try Check.positive(sigma, "sigma", in: "CoLiDE") }
    self.noise = noise
    self.configuration = configuration
  }

  /// Fits the SEM to `data` `[n, d]` (any float dtype, used in float64), after
  /// ``CoLiDEData/init(_:columnNames:)`` has checked it.
  public func fit(_ data: Tensor, columnNames: [String]? = nil) throws -> CoLiDEResult {
    fit(try CoLiDEData(data, columnNames: columnNames))
  }

  /// Fits the SEM to checked, centred data.
  public func fit(_ data: CoLiDEData) -> CoLiDEResult {
    let d = data.dimension
    let config = configuration
    var w = [Double](repeating: 0, count: d * d)
    var sigma = noise.initialSigma(columnScales: data.columnScales)
    var mu = config.muInit
    var stages: [CoLiDEResult.Stage] = []
    var iterations = 0
    for i in 0..<config.stages {
      var learningRate = config.learningRate
      var s = config.s(forStage: i)
      let inner = i == config.stages - 1 ? config.maxIterations : config.warmIterations
      var attempts = 0
      while true {
        attempts += 1
        let run = minimize(
          data, w: w, sigma: sigma, mu: mu, maxIterations: inner, s: s,
          learningRate: learningRate)
        iterations += run.iterations
        if run.success {
          w = run.w
          sigma = run.sigma
          stages.append(
            .init(
              mu: mu, s: s, learningRate: learningRate, attempts: attempts,
              iterations: run.iterations, metTolerance: run.metTolerance, succeeded: true))
          break
        }
        if attempts >= Self.maximumAttempts {
          stages.append(
            .init(
              mu: mu, s: s, learningRate: learningRate, attempts: attempts,
              iterations: run.iterations, metTolerance: false, succeeded: false))
          return CoLiDEResult(
            dimension: d, weights: w, sigma: sigma, iterations: iterations, stages: stages)
        }
        learningRate *= 0.5
        s += 0.1
      }
      mu *= config.muFactor
    }
    return CoLiDEResult(
      dimension: d, weights: w, sigma: sigma, iterations: iterations, stages: stages)
  }

  /// One run of the reference's `minimize`.
  func minimize(
    _ data: CoLiDEData, w start: [Double], sigma startSigma: [Double], mu: Double,
    maxIterations: Int, s: Double, learningRate: Double
  ) -> (
    w: [Double], sigma: [Double], success: Bool, iterations: Int, metTolerance: Bool
  ) {
    let d = data.dimension
    let count = d * d
    let config = configuration
    let acyclicity = LogDetAcyclicity(dimension: d)
    let (beta1, beta2, epsilon) = (config.beta1, config.beta2, config.epsilon)
    let penalty = mu * config.lambda
    let nonEqual = noise == .nonEqualVariance
    var sigma = startSigma
    var lr = learningRate
    var objectivePrevious = 1e16
    // W, Adam's m and v, the last step, M, a scratch matrix, Σ̂(I − W), diag R, Σ̂.
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 8 * count + d)
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 0, count: 8 * count + d)
    let (w, m, v, step) = (buffer, buffer + count, buffer + 2 * count, buffer + 3 * count)
    let (inverse, scratch, rhs) = (buffer + 4 * count, buffer + 5 * count, buffer + 6 * count)
    let covariance = buffer + 7 * count
    let diagonal = buffer + 8 * count
    for k in 0..<count {
      w[k] = start[k]
      covariance[k] = data.covariance[k]
    }
    func weights() -> [Double] { Array(UnsafeBufferPointer(start: w, count: count)) }
    func sigmaFromResiduals() -> [Double] {
      CoLiDEKernels.residuals(
        covariance: covariance, w: w, dimension: d, rhs: rhs, diagonal: diagonal)
      return noise.sigma(residualVariances: Array(UnsafeBufferPointer(start: diagonal, count: d)))
    }
    func insideDomain() -> Bool {
      CoLiDEKernels.shiftedInverse(w, s: s, dimension: d, into: inverse, scratch: scratch)
        && CoLiDEKernels.isInsideDomain(inverse, count: count)
    }

    for iteration in 1...maxIterations {
      while !insideDomain() {
        if iteration == 1 || s <= 0.9 {
          return (weights(), sigma, false, iteration - 1, false)
        }
        for k in 0..<count { w[k] += lr * step[k] }
        lr *= 0.5
        if lr <= 1e-16 { return (weights(), sigma, true, iteration - 1, false) }
        for k in 0..<count { w[k] -= lr * step[k] }
        sigma = sigmaFromResiduals()
      }
      CoLiDEKernels.residuals(
        covariance: covariance, w: w, dimension: d, rhs: rhs, diagonal: diagonal)
      let correction1 = 1 - pow(beta1, Double(iteration))
      let correction2 = 1 - pow(beta2, Double(iteration))
      let sigma0 = sigma[0]
      for i in 0..<d {
        for j in 0..<d {
          let k = i * d + j
          let x = w[k]
          let score = nonEqual ? -mu * (rhs[k] * (1.0 / sigma[j])) : -mu * rhs[k] / sigma0
          let sign: Double = x > 0 ? 1 : (x < 0 ? -1 : 0)
          let g = score + penalty * sign + 2 * x * inverse[j * d + i]
          m[k] = m[k] * beta1 + (1 - beta1) * g
          v[k] = v[k] * beta2 + (1 - beta2) * (g * g)
          step[k] = (m[k] / correction1) / ((v[k] / correction2).squareRoot() + epsilon)
        }
      }
      for k in 0..<count { w[k] -= lr * step[k] }
      sigma = sigmaFromResiduals()
      if iteration % config.checkpoint == 0 || iteration == maxIterations {
        let current = weights()
        var l1 = 0.0
        for x in current { l1 += abs(x) }
        let variances = Array(UnsafeBufferPointer(start: diagonal, count: d))
        let objective =
          mu * (noise.score(residualVariances: variances, sigma: sigma) + config.lambda * l1)
          + acyclicity.value(current, s: s)
        if abs((objectivePrevious - objective) / objectivePrevious) <= config.tolerance {
          return (current, sigma, true, iteration, true)
        }
        objectivePrevious = objective
      }
    }
    return (weights(), sigma, true, maxIterations, false)
  }
}
