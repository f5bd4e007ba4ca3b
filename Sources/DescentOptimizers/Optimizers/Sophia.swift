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
public struct SophiaG: CataloguedOptimizer {
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
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.rho = rho
    self.weightDecay = weightDecay
    self.batchSize = batchSize
    self.hessianUpdateInterval = hessianUpdateInterval
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<SophiaG>(
    name: "sophia",
    summary: "SophiaG: clipped m/(ρ·bs·h) with the Gauss–Newton–Bartlett Hessian estimate",
    paper:
      "Liu, Li, Hall, Liang & Ma, Sophia: A Scalable Stochastic Second-order Optimizer for Language Model Pre-training, ICLR 2024, arXiv:2305.14342",
    reference:
      "official SophiaG (Liuhong99/Sophia sophia.py), scripts/golden/make_sophia_golden.py",
    group: .curvature,
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the gradient EMA m"),
      .number("beta2", \.beta2, .unitInterval, "decay of the Hessian-estimate EMA h"),
      .number("rho", \.rho, .nonNegative, "ρ, scale of h in the clipped ratio"),
      .number("weightDecay", \.weightDecay, .nonNegative, "decoupled decay θ·(1 − lr·weightDecay)"),
      .number("batchSize", \.batchSize, .positive, "bs, examples (tokens) per batch in ρ·bs·h"),
      .integer(
        "hessianUpdateInterval", \.hessianUpdateInterval, atLeast: 1,
        "k: estimate h after every k-th step"),
    ]
  ) { try SophiaG() }

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
    let gradients = updates
    step(&updates, .updates(parameters: context.parameters), gradients: gradients, state: &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    step(&parameters, .parameters, gradients: gradients, state: &state, context: context)
  }

  private func step(
    _ target: inout ParameterTree, _ mode: FusedTarget, gradients: ParameterTree,
    state: inout State, context: UpdateContext
  ) {
    if let squares = inbox.take() {
      precondition(squares.paths == state.hessian.paths, "sophia: estimate has different paths")
      state.hessian = withoutGradients {
        state.hessian.zipMap(squares) { h, s in h * beta2 + s * (1 - beta2) }
      }
      state.hessianUpdates += 1
    }
    state.step += 1
    let lr = learningRate.value(atStep: context.step - 1)
    let kernel = SophiaGKernel(
      beta1: beta1, negativeLearningRate: -lr, decay: 1 - lr * weightDecay,
      rhoTimesBatchSize: rho * batchSize, tally: Tally())
    var buffers = [state.momentum, state.hessian]
    state.momentum = ParameterTree()
    state.hessian = ParameterTree()
    runFusedKernel(
      kernel, name: "sophia", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.momentum = buffers[0]
    state.hessian = buffers[1]
    let total = gradients.entries.reduce(0) { $0 + $1.tensor.count }
    state.winRate = total == 0 ? 0 : Double(kernel.tally.value) / Double(total)
  }
}

/// SophiaG's fused step over one chunk: state[0] = m, state[1] = h (read only), in the official
/// `sophia.py`'s order.
struct SophiaGKernel: FusedKernel {
  let beta1, negativeLearningRate, decay, rhoTimesBatchSize: Double
  let tally: Tally

  func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
    let m = b.state[0]
    let h = b.state[1]
    let (b1, w1) = (T(beta1), T(1 - beta1))
    let (decay, scale, negLR) = (T(decay), T(rhoTimesBatchSize), T(negativeLearningRate))
    let tiny = T(1e-15)
    var kept = 0
    for i in range {
      let p = b.parameter[i] * decay
      let mNew = m[i] * b1 + w1 * b.gradient[i]
      m[i] = mNew
      let ratio = Swift.abs(mNew) / (scale * h[i] + tiny)
      if ratio < 1 { kept += 1 }
      let sign: T = mNew > 0 ? 1 : (mNew < 0 ? -1 : 0)
      b.store(p + negLR * sign * Swift.min(ratio, 1), at: i)
    }
    tally.add(kept)
  }
}

/// A count shared by the chunks of one fused step (which may run on several threads).
final class Tally: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0

  func add(_ n: Int) {
    lock.lock()
    count += n
    lock.unlock()
  }

  var value: Int {
    lock.lock()
    defer { lock.unlock() }
    return count
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
