import Descent

/// MADGRAD: momentumized dual averaging with a cube-root AdaGrad denominator. The iterate is an
/// average of the dual-averaging point z, which is measured from the initial parameters θ₀.
/// Step for step as `optax.contrib.madgrad` (`add_decayed_weights`, `scale_by_madgrad`).
///
/// At step k = 0, 1, … (λ uses the learning rate of step k):
/// ```
/// g ← ∇f(θₖ) + weightDecay · θₖ
/// λ ← (learningRate + ε) · √(k + 1)
/// G ← G + λ · g²
/// s ← s + λ · g
/// z ← θ₀ − s / (∛G + ε)
/// θₖ₊₁ ← (1 − momentum) · z + momentum · θₖ
/// ```
///
/// Paper: Defazio & Jelassi, "Adaptivity without Compromise: A Momentumized, Adaptive, Dual
/// Averaged Gradient Method for Stochastic Optimization" (JMLR 2022, arXiv:2101.11075).
///
/// Defaults (Optax 0.2.8): learningRate 1e-2 (Optax has none; the paper's PyTorch default),
/// momentum 0.9, weightDecay 0 (coupled, Optax's `add_decayed_weights` before the rule),
/// epsilon 1e-6.
///
/// Deviations from the paper, as Optax computes: λ is rounded to float32 (Optax's step count is
/// int32, so `√(k + 1)` and its product with the rate are float32, about 1e-8 relative; the rest
/// is in the parameters' precision), and θ is stepped as θₖ + (θₖ₊₁ − θₖ), Optax's update added
/// by `apply_updates`. Facebook's
/// `madgrad` package applies weight decay the same way; its momentum 0 path (no averaging) is
/// the formula above with momentum 0.
///
/// State: the step count, G, s and θ₀ per parameter (θ₀: the parameters the state was created
/// for).
public struct MADGRAD: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var momentum: Double
  public var weightDecay: Double
  public var epsilon: Double

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// G: the λ-weighted sum of squared gradients.
    public var gradientSquareSum: ParameterTree
    /// s: the λ-weighted sum of gradients.
    public var gradientSum: ParameterTree
    /// θ₀, the dual-averaging origin.
    public var initialParameters: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-2, momentum: Double = 0.9, weightDecay: Double = 0,
    epsilon: Double = 1e-6
  ) throws {
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.epsilon = epsilon
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<MADGRAD>(
    name: "madgrad",
    summary: "momentumized dual averaging from θ₀ with a cube-root AdaGrad denominator",
    paper:
      "Defazio & Jelassi, Adaptivity without Compromise: A Momentumized, Adaptive, Dual Averaged Gradient Method for Stochastic Optimization, JMLR 2022, arXiv:2101.11075",
    reference: "optax.contrib.madgrad (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("momentum", \.momentum, .unitInterval, "weight of θₖ in the averaged iterate"),
      .coupledWeightDecay(\.weightDecay),
      .number("epsilon", \.epsilon, .nonNegative, "added to the learning rate and to ∛G"),
    ]
  ) { try MADGRAD() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, gradientSquareSum: zerosLike(parameters), gradientSum: zerosLike(parameters),
      initialParameters: parameters.map { p in withoutGradients { p * 1.0 } })
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let k = Double(state.step)
    state.step += 1
    // Optax's √(k + 1) is of its int32 count, so float32, and so is the product with the
    // (weakly typed) rate: reproduced, so that float64 runs follow the reference.
    let rate = Float(learningRate.value(atStep: context.step - 1) + epsilon)
    let lambda = Double(rate * Float(k + 1).squareRoot())
    let kernel = Kernel(
      lambda: lambda, momentum: momentum, weightDecay: weightDecay, epsilon: epsilon)
    var buffers = [state.gradientSquareSum, state.gradientSum, state.initialParameters]
    state.gradientSquareSum = ParameterTree()
    state.gradientSum = ParameterTree()
    state.initialParameters = ParameterTree()
    runFusedKernel(
      kernel, name: "madgrad", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.gradientSquareSum = buffers[0]
    state.gradientSum = buffers[1]
    state.initialParameters = buffers[2]
  }

  struct Kernel: FusedKernel {
    let lambda, momentum, weightDecay, epsilon: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let squares = b.state[0]
      let sums = b.state[1]
      let origin = b.state[2]
      let (l, wd, eps) = (T(lambda), T(weightDecay), T(epsilon))
      let (w, mu) = (T(1 - momentum), T(momentum))
      for i in range {
        let p = b.parameter[i]
        var g = b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        let G = squares[i] + l * (g * g)
        squares[i] = G
        let s = sums[i] + l * g
        sums[i] = s
        let z = origin[i] - s / (T.root(G, 3) + eps)
        b.store(p + ((w * z + mu * p) - p), at: i)
      }
    }
  }
}
