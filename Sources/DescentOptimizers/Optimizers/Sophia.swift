import Descent
import Foundation

/// SophiaG: a clipped diagonal-Newton step with the Gauss–Newton–Bartlett (GNB) Hessian estimate,
/// step for step as the official `SophiaG` (Liuhong99/Sophia, `sophia.py`).
///
/// ```
/// θ ← θ · (1 − learningRate · weightDecay)                    (decoupled decay)
/// m ← β₁ m + (1 − β₁) g                                       (g: the gradient on the true labels)
/// ratio ← min(|m| / (ρ · batchSize · h + 1e-15), 1)
/// θ ← θ − learningRate · sign(m) · ratio
/// every k steps (the training loop's one call, see below):
///   ĝ ← ∇ loss on labels ŷ sampled from the model's own softmax (same batch, mean reduction)
///   h ← β₂ h + (1 − β₂) ĝ ⊙ ĝ                                 (GNB estimate; batchSize·ĝ² ≈ diag GN)
/// ```
///
/// No bias correction; m and h start at zero, so until the first estimate the step is
/// `−learningRate · sign(m)`. ``State/winRate`` is the fraction of coordinates whose ratio was
/// below 1 (not clipped) at the last step — the official training script's `win_rate` metric.
///
/// The one call the training loop makes: after `optimizer.step` of step t with
/// `t % hessianUpdateInterval == 0` (``shouldUpdateHessianEstimate(afterStep:)``), sample labels
/// from the logits (``sampleLabels(logits:seed:)``), take the gradient of the loss on them and call
/// ``updateHessianEstimate(gradientOnSampledLabels:)``. The estimate is folded into h at the start
/// of the next step, which is where the official loop's `update_hessian()` takes effect.
///
/// ```swift
/// let sophia = try SophiaG(learningRate: 2e-4)
/// let optimizer = Optimizer(sophia, for: parameters)
/// try optimizer.step(&parameters, gradients: gradients)
/// if sophia.shouldUpdateHessianEstimate(afterStep: optimizer.stepCount) {
///   let sampled = SophiaG.sampleLabels(logits: logits, seed: seed)
///   sophia.updateHessianEstimate(gradientOnSampledLabels: grad(of: lossOn(sampled), at: parameters))
/// }
/// ```
///
/// Paper: Liu, Li, Hall, Liang & Ma, "Sophia: A Scalable Stochastic Second-order Optimizer for
/// Language Model Pre-training" (ICLR 2024, arXiv:2305.14342), Algorithms 1 and 3.
///
/// Defaults (official code): learningRate 1e-4, beta1 0.965, beta2 0.99, rho 0.04, weightDecay
/// 0.1, batchSize 5120 (the default `bs` of `SophiaG.step`: tokens per batch),
/// hessianUpdateInterval 10.
///
/// Deviations: the pending estimate lives in a shared box of the transformation value until the
/// next step consumes it, so it is not part of the checkpointed state (call it right after a step,
/// as above). `maximize` and `capturable` are not offered.
public struct SophiaG: GradientTransformation {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var rho: Double
  public var weightDecay: Double
  public var batchSize: Double
  public var hessianUpdateInterval: Int
  private let inbox = PendingEstimate()

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// m, the EMA of gradients, per parameter.
    public var momentum: ParameterTree
    /// h, the EMA of the Hessian-diagonal estimates, per parameter.
    public var hessian: ParameterTree
    /// The number of estimates folded into h.
    public var hessianUpdates: Int
    /// The fraction of coordinates not clipped at the last step (ratio < 1).
    public var winRate: Double
  }

  public init(
    learningRate: Hyperparameter = 1e-4, beta1: Double = 0.965, beta2: Double = 0.99,
    rho: Double = 0.04, weightDecay: Double = 0.1, batchSize: Double = 5120,
    hessianUpdateInterval: Int = 10
  ) throws {
    try Validate.learningRate(learningRate, in: "sophia")
    try Validate.unitInterval(beta1, "beta1", in: "sophia")
    try Validate.unitInterval(beta2, "beta2", in: "sophia")
    try Validate.nonNegative(rho, "rho", in: "sophia")
    try Validate.nonNegative(weightDecay, "weightDecay", in: "sophia")
    guard batchSize > 0, batchSize.isFinite else {
      throw OptimizerError.invalidHyperparameter(
        "sophia: batchSize=\(Validate.format(batchSize)) is invalid: must be positive")
    }
    guard hessianUpdateInterval >= 1 else {
      throw OptimizerError.invalidHyperparameter(
        "sophia: hessianUpdateInterval=\(hessianUpdateInterval) is invalid: must be at least 1")
    }
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.rho = rho
    self.weightDecay = weightDecay
    self.batchSize = batchSize
    self.hessianUpdateInterval = hessianUpdateInterval
  }

  /// Whether the training loop should estimate the Hessian after step `step` (1-based): every
  /// `hessianUpdateInterval`-th step, as the official loop's `iter % k == k − 1` (0-based).
  public func shouldUpdateHessianEstimate(afterStep step: Int) -> Bool {
    step % hessianUpdateInterval == 0
  }

  /// Hands over ĝ, the gradient of the mean loss on labels sampled from the model's softmax; the
  /// next step folds h ← β₂ h + (1 − β₂) ĝ ⊙ ĝ into the state before its update.
  public func updateHessianEstimate(gradientOnSampledLabels gradient: ParameterTree) {
    inbox.store(gradient.map { $0 * $0 })
  }

  /// Labels drawn from softmax(logits) along the last axis, one per row (int32, shape
  /// `logits.shape.dropLast()`), from a SplitMix64 stream seeded with `seed`.
  public static func sampleLabels(logits: Tensor, seed: UInt64) -> Tensor {
    precondition(logits.rank >= 1, "SophiaG.sampleLabels: logits must have a class axis")
    let classes = logits.shape.last!
    let values =
      logits.dtype == .float64
      ? logits.scalars(as: Double.self) : logits.scalars(as: Float.self).map(Double.init)
    let rows = classes == 0 ? 0 : values.count / classes
    var state = seed
    var labels: [Int] = []
    labels.reserveCapacity(rows)
    for r in 0..<rows {
      let row = values[(r * classes)..<((r + 1) * classes)]
      let top = row.max()!
      let weights = row.map { Foundation.exp($0 - top) }
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      var target = Double(z >> 11) / Double(1 << 53) * weights.reduce(0, +)
      var label = classes - 1
      for (c, w) in weights.enumerated() {
        target -= w
        if target < 0 {
          label = c
          break
        }
      }
      labels.append(label)
    }
    return Tensor(indices: labels, shape: Array(logits.shape.dropLast()))
  }

  public func initialState(for parameters: ParameterTree) -> State {
    let zeros = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
    return State(step: 0, momentum: zeros, hessian: zeros, hessianUpdates: 0, winRate: 0)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    if let squares = inbox.take() {
      precondition(squares.paths == state.hessian.paths, "sophia: estimate has different paths")
      state.hessian = state.hessian.zipMap(squares) { h, s in h * beta2 + s * (1 - beta2) }
      state.hessianUpdates += 1
    }
    state.step += 1
    let lr = learningRate.value(atStep: state.step - 1)
    let (rho, batchSize, weightDecay) = (self.rho, self.batchSize, self.weightDecay)
    sophiaStep(&updates, parameters: context.parameters, momentum: &state.momentum,
      hessian: state.hessian, beta1: beta1, winRate: &state.winRate) { m, h, theta in
      let ratio = abs(m) / (rho * batchSize * h + 1e-15)
      let sign: Double = m > 0 ? 1 : (m < 0 ? -1 : 0)
      // θ·(1 − lr·wd) − lr·sign·ratio, written as an update added to θ.
      return (-lr * weightDecay * theta - lr * sign * min(ratio, 1), ratio < 1)
    }
  }
}

/// SophiaH: Sophia with the Hutchinson estimate u ⊙ (∇²L u), u ~ N(0, I), of the Hessian diagonal,
/// computed by the transformation itself from the update context's loss closure.
///
/// ```
/// every hessianUpdateInterval steps (t = 1, k+1, 2k+1, …): draw u from context.randomSeed,
///   h ← β₂ h + (1 − β₂) u ⊙ ∇²L(θ) u               (one Hessian-vector product)
/// θ ← θ · (1 − learningRate · weightDecay)
/// m ← β₁ m + (1 − β₁) g
/// θ ← θ − learningRate · clamp(m / max(h, epsilon), −clip, clip)
/// ```
///
/// Defaults (pytorch_optimizer's `SophiaH`, whose form this follows): learningRate 6e-2, beta1
/// 0.96, beta2 0.99, weightDecay 0 (decoupled), clip 1e-2 (its `p`), hessianUpdateInterval 10,
/// epsilon 1e-12, Gaussian probes (one sample).
///
/// The one call: pass `lossFunction:` to ``Optimizer/step(_:gradients:loss:lossFunction:)``
/// (the mean loss on the current batch as a function of the parameters); it is evaluated only on
/// estimate steps. Without it, the step throws.
///
/// Paper: Liu et al. (arXiv:2305.14342), Algorithm 2 (Hutchinson). ``State/winRate`` as in
/// ``SophiaG`` (|m / max(h, ε)| < clip).
public struct SophiaH: GradientTransformation {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var weightDecay: Double
  public var clip: Double
  public var hessianUpdateInterval: Int
  public var epsilon: Double

  public typealias State = SophiaG.State

  public init(
    learningRate: Hyperparameter = 6e-2, beta1: Double = 0.96, beta2: Double = 0.99,
    weightDecay: Double = 0, clip: Double = 1e-2, hessianUpdateInterval: Int = 10,
    epsilon: Double = 1e-12
  ) throws {
    try Validate.learningRate(learningRate, in: "sophiah")
    try Validate.unitInterval(beta1, "beta1", in: "sophiah")
    try Validate.unitInterval(beta2, "beta2", in: "sophiah")
    try Validate.nonNegative(weightDecay, "weightDecay", in: "sophiah")
    try Validate.nonNegative(clip, "clip", in: "sophiah")
    try Validate.nonNegative(epsilon, "epsilon", in: "sophiah")
    guard hessianUpdateInterval >= 1 else {
      throw OptimizerError.invalidHyperparameter(
        "sophiah: hessianUpdateInterval=\(hessianUpdateInterval) is invalid: must be at least 1")
    }
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.weightDecay = weightDecay
    self.clip = clip
    self.hessianUpdateInterval = hessianUpdateInterval
    self.epsilon = epsilon
  }

  public func initialState(for parameters: ParameterTree) -> State {
    let zeros = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
    return State(step: 0, momentum: zeros, hessian: zeros, hessianUpdates: 0, winRate: 0)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    if state.step % hessianUpdateInterval == 0 {
      guard let lossFunction = context.lossFunction else {
        throw OptimizerError.invalidHyperparameter(
          "sophiah: step \(state.step + 1) estimates the Hessian and needs the loss closure: pass lossFunction: to Optimizer.step"
        )
      }
      let keys = RandomKey(seed: context.randomSeed).split(into: context.parameters.count)
      var index = 0
      let probe = context.parameters.map { p in
        defer { index += 1 }
        return Tensor.normal(p.shape, dtype: p.dtype, key: keys[index])
      }
      let hu = try valueGradAndHVP(of: lossFunction, at: context.parameters, v: probe).hvp
      let estimate = probe.zipMap(hu) { u, hu in u * hu }
      state.hessian = state.hessian.zipMap(estimate) { h, e in h * beta2 + e * (1 - beta2) }
      state.hessianUpdates += 1
    }
    state.step += 1
    let lr = learningRate.value(atStep: state.step - 1)
    let (epsilon, clip, weightDecay) = (self.epsilon, self.clip, self.weightDecay)
    sophiaStep(&updates, parameters: context.parameters, momentum: &state.momentum,
      hessian: state.hessian, beta1: beta1, winRate: &state.winRate) { m, h, theta in
      let ratio = m / max(h, epsilon)
      return (-lr * weightDecay * theta - lr * min(max(ratio, -clip), clip), abs(ratio) < clip)
    }
  }
}

/// The squared sampled-label gradients handed from the training loop to the next SophiaG step.
private final class PendingEstimate: @unchecked Sendable {
  private let lock = NSLock()
  private var squares: ParameterTree?

  func store(_ value: ParameterTree) {
    lock.lock()
    defer { lock.unlock() }
    squares = value
  }

  func take() -> ParameterTree? {
    lock.lock()
    defer { lock.unlock() }
    let value = squares
    squares = nil
    return value
  }
}

/// Standard normal draws (Box–Muller over SplitMix64), a pure function of the seed.
/// The shared Sophia step: m ← β₁ m + (1 − β₁) g per coordinate, then `rule(m, h, θ)` gives the
/// update added to θ and whether the coordinate was left unclipped (for the win rate).
private func sophiaStep(
  _ updates: inout ParameterTree, parameters: ParameterTree, momentum: inout ParameterTree,
  hessian: ParameterTree, beta1: Double, winRate: inout Double,
  rule: (_ m: Double, _ h: Double, _ theta: Double) -> (step: Double, unclipped: Bool)
) {
  var unclipped = 0
  var total = 0
  for i in 0..<updates.count {
    let dtype = updates[index: i].dtype
    let g = doubles(updates[index: i])
    let theta = doubles(parameters[index: i])
    var m = doubles(momentum[index: i])
    let h = doubles(hessian[index: i])
    var step = [Double](repeating: 0, count: g.count)
    for k in g.indices {
      m[k] = m[k] * beta1 + g[k] * (1 - beta1)
      let (value, kept) = rule(m[k], h[k], theta[k])
      step[k] = value
      if kept { unclipped += 1 }
    }
    total += g.count
    let shape = updates[index: i].shape
    momentum[index: i] = Tensor(m, shape: shape, dtype: dtype)
    updates[index: i] = Tensor(step, shape: shape, dtype: dtype)
  }
  winRate = total == 0 ? 0 : Double(unclipped) / Double(total)
}

private func doubles(_ tensor: Tensor) -> [Double] {
  switch tensor.dtype {
  case .float64: tensor.scalars(as: Double.self)
  case .float32: tensor.scalars(as: Float.self).map(Double.init)
  default: preconditionFailure("sophia: \(tensor.dtype) parameters are not trainable")
  }
}
