import Descent

/// Rprop (resilient backpropagation): a per-element step size that grows while the gradient keeps
/// its sign and shrinks when it flips; the update uses only the gradient's sign. Step for step as
/// PyTorch's `torch.optim.Rprop` (the Rprop⁻ variant without weight backtracking).
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// f ← etaPlus if g·g_prev > 0, etaMinus if g·g_prev < 0, else 1
/// s ← clamp(s · f, stepSizeMin, stepSizeMax)   (s₀ = learningRate)
/// if f = etaMinus:  g ← 0                   (a sign flip: no move, and no flip test next step)
/// θₜ ← θₜ₋₁ − sign(g) · s
/// g_prev ← g
/// ```
///
/// Paper: Riedmiller & Braun, "A Direct Adaptive Method for Faster Backpropagation Learning: The
/// RPROP Algorithm" (IEEE ICNN 1993).
///
/// Defaults (PyTorch 2.13): learningRate 1e-2 (the initial step size), etaMinus 0.5, etaPlus 1.2,
/// stepSizeMin 1e-6, stepSizeMax 50, maximize false.
///
/// Deviations: none. As in PyTorch, the learning rate only sets the initial step sizes: it is read
/// once, when the state is created (a schedule's value at step 0); later steps adapt s alone.
///
/// State: the step count, the previous (masked) gradient and the step size s per parameter.
public struct Rprop: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var etaMinus: Double
  public var etaPlus: Double
  public var stepSizeMin: Double
  public var stepSizeMax: Double
  public var maximize: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// The previous step's gradient, zero where its sign flipped.
    public var previousGradient: ParameterTree
    /// The per-element step sizes s.
    public var stepSize: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-2, etaMinus: Double = 0.5, etaPlus: Double = 1.2,
    stepSizeMin: Double = 1e-6, stepSizeMax: Double = 50, maximize: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.etaMinus = etaMinus
    self.etaPlus = etaPlus
    self.stepSizeMin = stepSizeMin
    self.stepSizeMax = stepSizeMax
    self.maximize = maximize
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Rprop>(
    name: "rprop",
    summary: "sign-based steps with per-element sizes grown by etaPlus, shrunk by etaMinus on a sign flip",
    paper: "Riedmiller & Braun, A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP Algorithm, IEEE ICNN 1993",
    reference: "torch.optim.Rprop (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate, "the initial step size s₀ (read once, at the first step)"),
      .number("etaMinus", \.etaMinus, .openUnitInterval, "step-size factor after a sign flip"),
      .number("etaPlus", \.etaPlus, .greaterThan(1), "step-size factor while the sign holds"),
      .number("stepSizeMin", \.stepSizeMin, .nonNegative, "smallest step size"),
      .number("stepSizeMax", \.stepSizeMax, .nonNegative, "largest step size"),
      .maximize(\.maximize),
    ]
  ) { try Rprop() }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    try Validate.check(
      stepSizeMin <= stepSizeMax, in: "rprop",
      "stepSizeMin = \(Validate.format(stepSizeMin)) exceeds stepSizeMax = \(Validate.format(stepSizeMax)): make stepSizeMin ≤ stepSizeMax"
    )
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, previousGradient: zerosLike(parameters),
      stepSize: filledLike(parameters, learningRate.value(atStep: 0)))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      etaMinus: etaMinus, etaPlus: etaPlus, stepSizeMin: stepSizeMin, stepSizeMax: stepSizeMax,
      maximize: maximize)
    var buffers = [state.previousGradient, state.stepSize]
    state.previousGradient = ParameterTree()
    state.stepSize = ParameterTree()
    runFusedKernel(
      kernel, name: "rprop", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.previousGradient = buffers[0]
    state.stepSize = buffers[1]
  }

  struct Kernel: FusedKernel {
    let etaMinus, etaPlus, stepSizeMin, stepSizeMax: Double
    let maximize: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let previous = b.state[0]
      let size = b.state[1]
      let minus = T(etaMinus)
      let plus = T(etaPlus)
      let low = T(stepSizeMin)
      let high = T(stepSizeMax)
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        let product = g * previous[i]
        // torch: sign, then >0 → etaPlus, <0 → etaMinus, =0 → 1 (NaN stays NaN).
        let factor: T = product > 0 ? plus : product < 0 ? minus : product == 0 ? 1 : product
        // clamp_(min, max) = min(max(x, min), max).
        let s = Swift.min(Swift.max(size[i] * factor, low), high)
        size[i] = s
        if factor == minus { g = 0 }
        previous[i] = g
        let direction: T = g > 0 ? 1 : g < 0 ? -1 : g
        b.store(p - direction * s, at: i)
      }
    }
  }
}
