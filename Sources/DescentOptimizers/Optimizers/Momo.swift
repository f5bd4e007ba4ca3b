import Descent

/// MoMo: SGD with momentum whose step is capped by a Polyak-type step size built from momentum
/// averages of the loss, the gradient and ⟨g, θ⟩, step for step as Optax's `optax.contrib.momo`.
/// Needs the loss at the current parameters (``UpdateContext/loss``).
///
/// ```
/// βₜ ← 0 on the first step, else β;  α ← learningRate;  k ← 1 + α · weightDecay
/// f̄ ← βₜ · f̄ + (1 − βₜ) · f;  d ← βₜ · d + (1 − βₜ) · g;  γ ← βₜ · γ + (1 − βₜ) · ⟨g, θ⟩
/// ‖d‖², ⟨d, θ⟩ over the whole tree
/// adaptLowerBound:  cap ← k(f̄ − γ) + ⟨d, θ⟩;  ℓ ← cap < k·ℓ ? max(cap / 2k, lowerBound) : ℓ
/// τ ← min(α, max(k(f̄ − ℓ − γ) + ⟨d, θ⟩, 0) / ‖d‖²)       (0 when ‖d‖² ≤ 2.2e-16)
/// θ ← θ − (α · weightDecay) / k · θ − τ · d
/// adaptLowerBound:  ℓ ← max(f̄ + ⟨d, θ⟩ − γ − τ‖d‖²/2, lowerBound)   (θ before the step)
/// ```
///
/// Paper: Schaipp, Ohana, Eickenberg, Defazio & Gower, "MoMo: Momentum Models for Adaptive
/// Learning Rates" (ICML 2024, arXiv:2305.07583).
///
/// Reference: optax 0.2.8, `optax.contrib.momo` (float64), the loss passed as `value`.
/// Defaults (Optax's): learningRate 1 (the cap α on τ; a schedule is read at step − 1), beta 0.9,
/// lowerBound 0, weightDecay 0, adaptLowerBound false.
///
/// Deviations: none.
///
/// Not elementwise: one reduction pass (⟨g, θ⟩, ‖d‖², ⟨d, θ⟩ with the new d) precedes the update
/// pass, which recomputes the new d with the same operations.
///
/// State: the step count, d per parameter, f̄, γ and the lower bound ℓ.
public struct Momo: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta: Double
  public var lowerBound: Double
  public var weightDecay: Double
  public var adaptLowerBound: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    /// f̄, the averaged loss.
    public var averageLoss: Double
    /// γ, the averaged ⟨g, θ⟩.
    public var averageInnerProduct: Double
    /// ℓ, the estimate of the loss's lower bound.
    public var lowerBound: Double
  }

  public init(
    learningRate: Hyperparameter = 1, beta: Double = 0.9, lowerBound: Double = 0,
    weightDecay: Double = 0, adaptLowerBound: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.beta = beta
    self.lowerBound = lowerBound
    self.weightDecay = weightDecay
    self.adaptLowerBound = adaptLowerBound
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Momo>(
    name: "momo",
    summary: "momentum SGD with a Polyak-type step from averaged loss, gradient and ⟨g, θ⟩ (needs the loss)",
    paper:
      "Schaipp, Ohana, Eickenberg, Defazio & Gower, MoMo: Momentum Models for Adaptive Learning Rates, ICML 2024, arXiv:2305.07583",
    reference: "optax.contrib.momo (optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate, "the largest step τ (a schedule in code)"),
      .number("beta", \.beta, .unitInterval, "momentum of the loss, gradient and ⟨g, θ⟩ averages"),
      .number("lowerBound", \.lowerBound, .finite, "a lower bound on the loss"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "decoupled decay: θ ← θ − (α·weightDecay)/(1 + α·weightDecay)·θ"),
      .flag("adaptLowerBound", \.adaptLowerBound, "raise the lower bound on line (MoMo*)"),
    ]
  ) { try Momo() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, expAvg: zerosLike(parameters), averageLoss: 0, averageInnerProduct: 0,
      lowerBound: lowerBound)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    try requireLoss(context, name: "momo")
    let gradients = updates
    fusedStep(
      &updates, .updates(parameters: context.parameters), gradients, &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    try requireLoss(context, name: "momo")
    fusedStep(&parameters, .parameters, gradients, &state, context: context)
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let loss = context.loss ?? .nan
    let bt = state.step == 0 ? 0 : beta
    state.step += 1
    let alpha = learningRate.value(atStep: context.step - 1)
    let k = 1 + alpha * weightDecay
    var kernel = Kernel(momentum: bt, decay: -(alpha * weightDecay) / k, tau: 0)
    let sums = reduceTrees(
      kernel, [gradients, mode.parameters(target, name: "momo"), state.expAvg])
    let (gp, dn, ip) = (sums[0], sums[1], sums[2])
    state.averageLoss = bt * state.averageLoss + (1 - bt) * loss
    state.averageInnerProduct = bt * state.averageInnerProduct + (1 - bt) * gp
    let (barf, gamma) = (state.averageLoss, state.averageInnerProduct)
    var bound = state.lowerBound
    if adaptLowerBound {
      let cap = k * (barf - gamma) + ip
      if cap < k * state.lowerBound { bound = Swift.max(cap / (2 * k), lowerBound) }
    }
    let t1 =
      dn <= Double.ulpOfOne ? 0 : Swift.max(k * (barf - bound - gamma) + ip, 0) / dn
    let tau = Swift.min(alpha, t1)
    if adaptLowerBound {
      state.lowerBound = Swift.max((barf + ip - gamma) - (1 / 2) * tau * dn, lowerBound)
    }
    kernel.tau = tau
    var buffers = [state.expAvg]
    state.expAvg = ParameterTree()
    runFusedKernel(
      kernel, name: "momo", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.expAvg = buffers[0]
  }

  struct Kernel: FusedKernel, TreeReduction {
    let momentum, decay: Double
    var tau: Double

    /// ⟨g, θ⟩, ‖d'‖² and ⟨d', θ⟩ with the new d' (inputs g, θ, d).
    func partialSums<T: TensorFloat>(_ x: [UnsafePointer<T>], _ range: Range<Int>)
      -> SIMD4<Double>
    {
      let (g, p, d) = (x[0], x[1], x[2])
      let (b, c) = (T(momentum), T(1 - momentum))
      var (gp, dd, dp) = (0.0, 0.0, 0.0)
      for i in range {
        let dNew = b * d[i] + c * g[i]
        gp += Double(g[i] * p[i])
        dd += Double(dNew * dNew)
        dp += Double(dNew * p[i])
      }
      return SIMD4(gp, dd, dp, 0)
    }

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let d = b.state[0]
      let (m, c, wd, t) = (T(momentum), T(1 - momentum), T(decay), T(tau))
      for i in range {
        let p = b.parameter[i]
        d[i] = m * d[i] + c * b.gradient[i]
        b.store(p + (wd * p - t * d[i]), at: i)
      }
    }
  }
}

/// Throws when a loss-using optimizer (MoMo, Polyak SGD) is stepped without the loss.
func requireLoss(_ context: UpdateContext, name: String) throws {
  guard let loss = context.loss else {
    throw OptimizerError.invalidHyperparameter(
      "\(name) needs the loss at the current parameters: pass loss: to Optimizer.step "
        + "(descent train and descent optimize do)")
  }
  guard loss.isFinite else {
    throw OptimizerError.invalidHyperparameter(
      "\(name): the loss is \(loss); it needs a finite loss at every step")
  }
}
