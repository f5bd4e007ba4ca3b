import CDescentKernels
import Descent
import Foundation

/// SophiaH: Sophia with the Hutchinson estimate u ⊙ (∇²L u) of the Hessian diagonal, computed by
/// the transformation itself from the update context's loss closure — step for step
/// pytorch_optimizer's `SophiaH` (version 4.1.0, `pytorch_optimizer/optimizer/sophia.py`).
///
/// ```
/// on steps t = 1, k+1, 2k+1, … (k = hessianUpdateInterval), at the parameters θₜ₋₁:
///   ĥ ← (1/n) Σₛ uₛ ⊙ ∇²L(θₜ₋₁) uₛ         (n = samples probes u, Gaussian or Rademacher)
/// g ← ∇L(θₜ₋₁)                               (−g when maximize)
/// weight decay: θ ← θ · (1 − learningRate · weightDecay)    (decoupled, the default)
///               θ ← θ · (1 − weightDecay)                   (decoupled, fixedDecay)
///               g ← g + weightDecay · θ                      (coupled: decoupledWeightDecay false)
/// m ← m + (1 − β₁)(g − m)                    (torch's lerp)
/// h ← h + (1 − β₂)(ĥ − h)                    (on estimate steps only)
/// θ ← θ − learningRate · clamp(m / max(h, epsilon), −clip, clip)
/// ```
///
/// No bias correction; m and h start at zero, so the first step's h is (1 − β₂)·ĥ.
///
/// Defaults (checked against pytorch_optimizer 4.1.0's `SophiaH.__init__`, not the paper, which
/// gives no SophiaH defaults): learningRate 6e-2, beta1 0.96, beta2 0.99, weightDecay 0 with
/// decoupled decay scaled by the learning rate (`weight_decouple=True`, `fixed_decay=False`),
/// clip 1e-2 (its `p`), hessianUpdateInterval 10 (`update_period`), samples 1 (`num_samples`),
/// Gaussian probes (`hessian_distribution='gaussian'`), epsilon 1e-12 (`eps`), maximize false.
/// Parity: float64 trajectories of pytorch_optimizer's SophiaH with the same injected probes
/// (scripts/golden/make_sophia_golden.py, Golden/sophiah.json) to 1e-9.
///
/// The one call: pass `lossFunction:` to ``Optimizer/step(_:gradients:loss:lossFunction:curvature:)``
/// (the mean loss on the current batch as a function of the parameters); it is evaluated only on
/// estimate steps (one Hessian-vector product per probe, by double backpropagation). A training
/// loop that computed its gradient with `valueGradAndCurvature` on estimate steps (`Trainer` does,
/// asking ``HessianVectorProductUser``) passes `curvature:` instead, and the products go through
/// the kept graph: one backward pass each, same bits. Without either, an estimate step throws.
///
/// Deviations: probes come from the step's seed (``UpdateContext/randomSeed``), not from torch's
/// global generator; `step(hessian=...)` (an external estimate) is not offered. ``State/winRate``
/// (|m / max(h, ε)| < clip: the fraction not clipped) is Descent's addition, as for ``SophiaG``.
///
/// Cost: apart from the HVP, one fused pass per tensor (a C kernel for in-place float32, see
/// CurvatureOptimizerKernels.c) reading θ, g, m, h and writing θ, m (24 B per float32 parameter),
/// plus reading ĥ and writing h on estimate steps (32 B).
///
/// Paper: Liu et al. (arXiv:2305.14342), Algorithm 2 (Hutchinson).
public struct SophiaH: CataloguedOptimizer {
  /// The distribution of the Hutchinson probes u (each with E[u uᵀ] = I).
  public enum ProbeDistribution: String, Codable, Sendable, CaseIterable {
    /// u ~ N(0, I) (pytorch_optimizer's default for SophiaH).
    case gaussian
    /// Entries ±1 with probability ½ each.
    case rademacher
  }

  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var weightDecay: Double
  /// Decoupled decay θ·(1 − lr·wd) (true, the default) or the coupled g + wd·θ (false).
  public var decoupledWeightDecay: Bool
  /// With decoupled decay: θ·(1 − wd), not scaled by the learning rate.
  public var fixedDecay: Bool
  public var clip: Double
  public var hessianUpdateInterval: Int
  /// Probes per estimate (their estimates are averaged).
  public var samples: Int
  public var probeDistribution: ProbeDistribution
  public var epsilon: Double
  public var maximize: Bool
  /// Test-only: the probe u for a step (1-based) and sample (0-based), replacing the seeded draw
  /// (the parity test feeds the golden file's probes).
  var probeProvider:
    (@Sendable (_ step: Int, _ sample: Int, _ parameters: ParameterTree) -> ParameterTree)? = nil

  public typealias State = SophiaG.State

  public init(
    learningRate: Hyperparameter = 6e-2, beta1: Double = 0.96, beta2: Double = 0.99,
    weightDecay: Double = 0, decoupledWeightDecay: Bool = true, fixedDecay: Bool = false,
    clip: Double = 1e-2, hessianUpdateInterval: Int = 10, samples: Int = 1,
    probeDistribution: ProbeDistribution = .gaussian, epsilon: Double = 1e-12,
    maximize: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.weightDecay = weightDecay
    self.decoupledWeightDecay = decoupledWeightDecay
    self.fixedDecay = fixedDecay
    self.clip = clip
    self.hessianUpdateInterval = hessianUpdateInterval
    self.samples = samples
    self.probeDistribution = probeDistribution
    self.epsilon = epsilon
    self.maximize = maximize
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<SophiaH>(
    name: "sophiah",
    summary: "Sophia with the Hutchinson estimate u ⊙ Hu of the Hessian diagonal",
    paper: SophiaG.catalogueEntry.paper,
    reference:
      "pytorch_optimizer 4.1.0 SophiaH (defaults and update; injected probes), scripts/golden/make_sophia_golden.py",
    group: .curvature,
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the gradient EMA m"),
      .number("beta2", \.beta2, .unitInterval, "decay of the Hessian-estimate EMA h"),
      .number("weightDecay", \.weightDecay, .nonNegative, "decoupled decay θ·(1 − lr·weightDecay)"),
      .flag(
        "decoupledWeightDecay", \.decoupledWeightDecay,
        "decoupled decay (false: g + weightDecay·θ)"),
      .flag("fixedDecay", \.fixedDecay, "decoupled decay θ·(1 − weightDecay), not scaled by lr"),
      .number("clip", \.clip, .nonNegative, "the update m/max(h, ε) is clamped to [−clip, clip]"),
      .integer(
        "hessianUpdateInterval", \.hessianUpdateInterval, atLeast: 1,
        "k: a Hutchinson estimate every k steps"),
      .integer("samples", \.samples, atLeast: 1, "probes per Hutchinson estimate (averaged)"),
      HyperparameterDeclaration(
        name: "rademacher", constraint: .boolean,
        description: "Rademacher (±1) probes instead of Gaussian",
        read: { .boolean($0.probeDistribution == .rademacher) },
        write: { $0.probeDistribution = $1.boolean ? .rademacher : .gaussian }),
      .number("epsilon", \.epsilon, .nonNegative, "floor of h in the ratio"),
      .maximize(\.maximize),
    ]
  ) { try SophiaH() }

  public func initialState(for parameters: ParameterTree) -> State {
    let zeros = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
    return State(step: 0, momentum: zeros, hessian: zeros, hessianUpdates: 0, winRate: 0)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let gradients = updates
    var estimate = try estimateIfDue(at: context.parameters, state: &state, context: context)
    step(
      &updates, .updates(parameters: context.parameters), gradients: gradients,
      estimate: &estimate, state: &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    // The estimate first, so that no copy of `parameters` outlives it: the fused pass then
    // writes the parameters' storage in place (a second reference would force a copy).
    var estimate = try estimateIfDue(at: parameters, state: &state, context: context)
    step(&parameters, .parameters, gradients: gradients, estimate: &estimate, state: &state, context: context)
  }

  /// ĥ when this step (state.step + 1) is an estimate step, else nil.
  private func estimateIfDue(
    at parameters: ParameterTree, state: inout State, context: UpdateContext
  ) throws -> ParameterTree? {
    guard state.step % hessianUpdateInterval == 0 else { return nil }
    let estimate = try hutchinsonEstimate(at: parameters, step: state.step + 1, context: context)
    state.hessianUpdates += 1
    return estimate
  }

  /// The seeded probe of sample `sample`: one key per parameter.
  func seededProbe(for parameters: ParameterTree, seed: UInt64, sample: Int) -> ParameterTree {
    let base = RandomKey(seed: seed)
    let keys = (sample == 0 ? base : base.folded(in: UInt64(sample))).split(
      into: parameters.count)
    var index = 0
    return parameters.map { p in
      defer { index += 1 }
      switch probeDistribution {
      case .gaussian: return Tensor.normal(p.shape, dtype: p.dtype, key: keys[index])
      case .rademacher: return Tensor.rademacher(p.shape, dtype: p.dtype, key: keys[index])
      }
    }
  }

  /// ĥ = (1/n) Σₛ uₛ ⊙ Huₛ at `parameters` (accumulated as pytorch_optimizer's
  /// `addcmul_(Hu, u, value=1/n)` into zeros).
  func hutchinsonEstimate(at parameters: ParameterTree, step: Int, context: UpdateContext) throws
    -> ParameterTree
  {
    var estimate = zerosLike(parameters)
    let scale = 1 / Double(samples)
    for s in 0..<samples {
      let probe =
        probeProvider?(step, s, parameters)
        ?? seededProbe(for: parameters, seed: context.randomSeed, sample: s)
      let hu = try hessianVectorProduct(
        at: parameters, v: probe, context: context, name: "sophiah (step \(step))")
      let terms = withoutGradients { hu.zipMap(probe) { hu, u in hu.detached() * scale * u } }
      estimate = withoutGradients { estimate.zipMap(terms) { $0 + $1 } }
    }
    return estimate
  }

  private func step(
    _ target: inout ParameterTree, _ mode: FusedTarget, gradients: ParameterTree,
    estimate: inout ParameterTree?, state: inout State, context: UpdateContext
  ) {
    // Moved (not copied) into the buffers, so the fused pass does not copy its storage.
    var buffers = [state.momentum, state.hessian]
    if let taken = estimate.take() { buffers.append(taken) }
    state.step += 1
    let lr = learningRate.value(atStep: context.step - 1)
    let coupled = !decoupledWeightDecay && weightDecay != 0
    let decay = decoupledWeightDecay ? 1 - weightDecay * (fixedDecay ? 1 : lr) : 1
    let kernel = SophiaHKernel(
      beta1: beta1, beta2: beta2, negativeLearningRate: -lr, decay: decay,
      coupledWeightDecay: coupled ? weightDecay : 0, epsilon: epsilon, clip: clip,
      maximize: maximize, hasEstimate: buffers.count == 3, tally: Tally())
    state.momentum = ParameterTree()
    state.hessian = ParameterTree()
    runFusedKernel(
      kernel, name: "sophiah", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.momentum = buffers[0]
    state.hessian = buffers[1]
    let total = gradients.entries.reduce(0) { $0 + $1.tensor.count }
    state.winRate = total == 0 ? 0 : Double(kernel.tally.value) / Double(total)
  }
}

/// SophiaH's fused step over one chunk: state[0] = m, state[1] = h, state[2] = ĥ on estimate
/// steps. Each operation as pytorch_optimizer orders it (see ``SophiaH``); the in-place float32
/// case runs `descent_sophiah_step_f32`, which performs the same operations in the same order.
struct SophiaHKernel: FusedKernel {
  let beta1, beta2, negativeLearningRate, decay, coupledWeightDecay, epsilon, clip: Double
  let maximize, hasEstimate: Bool
  /// Counts the coordinates left unclipped (|ratio| < clip) over all chunks.
  let tally: Tally

  func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
    let m = b.state[0]
    let h = b.state[1]
    let estimate = hasEstimate ? b.state[2] : nil
    let w1 = T(1 - beta1)
    let w2 = T(1 - beta2)
    let (keep1, keep2) = (T(1) - w1, T(1) - w2)
    let (lerpLow1, lerpLow2) = (1 - beta1 < 0.5, 1 - beta2 < 0.5)
    let (decay, wd, eps, c) = (T(decay), T(coupledWeightDecay), T(epsilon), T(clip))
    let negLR = T(negativeLearningRate)
    if let chunk = b.inPlaceFloat32(range), !maximize, coupledWeightDecay == 0, lerpLow1,
      lerpLow2
    {
      let kept = descent_sophiah_step_f32(
        chunk.parameter, chunk.gradient, chunk.state(0), chunk.state(1),
        estimate == nil ? nil : UnsafePointer(chunk.state(2)), chunk.count, Float(1 - beta1),
        Float(1 - beta2), Float(epsilon), Float(clip), Float(negativeLearningRate), Float(decay))
      tally.add(kept)
      return
    }
    var kept = 0
    for i in range {
      var p = b.parameter[i]
      var g = maximize ? -b.gradient[i] : b.gradient[i]
      if coupledWeightDecay != 0 { g = g + wd * p } else { p = p * decay }
      let mi = m[i]
      let mNew = lerpLow1 ? mi + w1 * (g - mi) : g - (g - mi) * keep1
      m[i] = mNew
      var hi = h[i]
      if let estimate {
        let e = estimate[i]
        hi = lerpLow2 ? hi + w2 * (e - hi) : e - (e - hi) * keep2
        h[i] = hi
      }
      let ratio = mNew / Swift.max(hi, eps)
      if Swift.abs(ratio) < c { kept += 1 }
      b.store(p + negLR * Swift.min(Swift.max(ratio, -c), c), at: i)
    }
    tally.add(kept)
  }
}

extension SophiaH: HessianVectorProductUser {
  /// Steps 1, 1 + hessianUpdateInterval, … estimate the Hessian diagonal.
  public func usesHessianVectorProducts(afterCompletedSteps completedSteps: Int) -> Bool {
    completedSteps % hessianUpdateInterval == 0
  }
}
