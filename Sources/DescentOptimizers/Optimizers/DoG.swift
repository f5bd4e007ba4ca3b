import Descent

/// DoG (distance over gradients): SGD whose step size is the largest distance travelled from
/// the start over the root of the summed squared gradient norms, step for step as Optax's
/// `optax.contrib.dog`.
///
/// ```
/// start:  r̄ ← rEpsilon · (1 + ‖θ₀‖);  G ← 0            (Optax's "heuristic" initial step)
/// w ← g + weightDecay · θ
/// r̄ ← max(r̄, ‖θ₀ − θ‖);  G ← G + ‖w‖²                 (norms over the whole tree)
/// η ← r̄ / √(G + ε)
/// θ ← θ − learningRate · (η · w)
/// ```
///
/// Paper: Ivgi, Hinder & Carmon, "DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size
/// Schedule" (ICML 2023, arXiv:2302.12022).
///
/// Reference: optax 0.2.8, `optax.contrib.dog` with `init_step = ("heuristic", rEpsilon)`
/// (float64). Defaults (Optax's): learningRate 1, rEpsilon 1e-6, epsilon 1e-8, weightDecay 0
/// (Optax's `None`: no decay stage). The learning rate (or its schedule, read at step − 1)
/// multiplies η.
///
/// Deviations: Optax's other initial-step kinds ("distance", "learning_rate") are not offered;
/// the authors' PyTorch `dog` package keeps one η per parameter group (Optax, and this, one for
/// the whole tree) and adds the decay to the gradient the same way.
///
/// Not elementwise: one reduction pass (‖θ₀ − θ‖², ‖w‖²) precedes the update pass.
///
/// State: the initial parameters θ₀, r̄ and G.
public struct DoG: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var rEpsilon: Double
  public var epsilon: Double
  public var weightDecay: Double

  public struct State: Codable, Sendable, Equatable {
    /// The largest distance from θ₀ so far, r̄ (rEpsilon · (1 + ‖θ₀‖) at the start).
    public var maxDistance: Double
    /// G, the sum of the squared gradient norms.
    public var squaredGradientSum: Double
    public var initialParameters: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, rEpsilon: Double = 1e-6, epsilon: Double = 1e-8,
    weightDecay: Double = 0
  ) throws {
    self.learningRate = learningRate
    self.rEpsilon = rEpsilon
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<DoG>(
    name: "dog",
    summary: "parameter-free SGD: step size max distance from the start / √(Σ‖g‖²)",
    paper:
      "Ivgi, Hinder & Carmon, DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size Schedule, ICML 2023, arXiv:2302.12022",
    reference: "optax.contrib.dog (optax 0.2.8), init_step (\"heuristic\", rEpsilon)",
    hyperparameters: [
      .learningRate(\.learningRate, "multiplies the DoG step size η (a schedule in code)"),
      .number(
        "rEpsilon", \.rEpsilon, .positive,
        "initial distance estimate, relative: r̄₀ = rEpsilon·(1 + ‖θ₀‖)"),
      .number("epsilon", \.epsilon, .nonNegative, "added to Σ‖g‖² under the root"),
      .coupledWeightDecay(\.weightDecay),
    ]
  ) { try DoG() }

  public func initialState(for parameters: ParameterTree) -> State {
    let norm = reduceTrees(DistanceAndGradientNorms(weightDecay: 0), [parameters, parameters, zerosLike(parameters)])[1]
      .squareRoot()
    return State(
      maxDistance: rEpsilon * (1 + norm), squaredGradientSum: 0,
      initialParameters: parameters.map { $0 + Tensor.zeros(like: $0) })
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let sums = reduceTrees(
      DistanceAndGradientNorms(weightDecay: weightDecay),
      [gradients, mode.parameters(target, name: "dog"), state.initialParameters])
    state.maxDistance = Swift.max(state.maxDistance, sums[0].squareRoot())
    state.squaredGradientSum += sums[1]
    let eta = state.maxDistance / (state.squaredGradientSum + epsilon).squareRoot()
    var buffers: [ParameterTree] = []
    runFusedKernel(
      ScaledGradientStep(
        scale: eta, learningRate: learningRate.value(atStep: context.step - 1),
        weightDecay: weightDecay),
      name: "dog", into: &target, mode: mode, gradients: gradients, state: &buffers)
  }

  /// ‖θ₀ − θ‖² and ‖g + weightDecay·θ‖² (inputs g, θ, θ₀); shared with ``DoWG``.
  struct DistanceAndGradientNorms: TreeReduction {
    let weightDecay: Double

    func partialSums<T: TensorFloat>(_ x: [UnsafePointer<T>], _ range: Range<Int>)
      -> SIMD4<Double>
    {
      let (g, p, p0) = (x[0], x[1], x[2])
      let wd = T(weightDecay)
      var distance = 0.0
      var gradient = 0.0
      for i in range {
        let d = p0[i] - p[i]
        distance += Double(d * d)
        let w = weightDecay != 0 ? g[i] + wd * p[i] : g[i]
        gradient += Double(w * w)
      }
      return SIMD4(distance, gradient, 0, 0)
    }
  }

  /// θ ← θ + (−learningRate) · (scale · (g + weightDecay·θ)); shared with ``DoWG``.
  struct ScaledGradientStep: FusedKernel {
    let scale, learningRate, weightDecay: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (eta, negLR, wd) = (T(scale), T(-learningRate), T(weightDecay))
      for i in range {
        let p = b.parameter[i]
        let w = weightDecay != 0 ? b.gradient[i] + wd * p : b.gradient[i]
        b.store(p + negLR * (eta * w), at: i)
      }
    }
  }
}
