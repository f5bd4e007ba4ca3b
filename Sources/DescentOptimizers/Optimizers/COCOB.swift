import Descent

/// COCOB-Backprop: learning-rate-free SGD by coin betting, each coordinate betting a fraction of
/// its accumulated reward on the sign of the negative gradient, step for step as Optax's
/// `optax.contrib.cocob`.
///
/// ```
/// c ← learningRate · (g + weightDecay · θ)            (per coordinate)
/// L ← max(L, |c|);  G ← G + |c|;  R ← max(R − c · (θ − θ₀), 0);  C ← C − c
/// θ ← θ + (−θ + (θ₀ + C / (L · max(G + L, α · L)) · (L + R)))
/// ```
///
/// Paper: Orabona & Tommasi, "Training Deep Networks without Learning Rates Through Coin
/// Betting" (NeurIPS 2017, arXiv:1705.07795).
///
/// Reference: optax 0.2.8, `optax.contrib.cocob` (float64). Defaults (Optax's): learningRate 1
/// (scales the gradients before betting; it is not a step size), alpha 100, epsilon 1e-8 (the
/// initial L), weightDecay 0. The new parameters are computed as Optax does, θ + (x − θ), which
/// is not bit-equal to x. The learning rate (or its schedule) is read at step − 1.
///
/// Deviations: none.
///
/// State per parameter: the initial parameters θ₀, the negative gradient sum C, the largest
/// |c| so far L, the sum of |c| G, and the reward R.
public struct COCOB: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var alpha: Double
  public var epsilon: Double
  public var weightDecay: Double

  public struct State: Codable, Sendable, Equatable {
    public var initialParameters: ParameterTree
    public var negativeGradientSum: ParameterTree
    public var maxGradient: ParameterTree
    public var absoluteGradientSum: ParameterTree
    public var reward: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, alpha: Double = 100, epsilon: Double = 1e-8,
    weightDecay: Double = 0
  ) throws {
    self.learningRate = learningRate
    self.alpha = alpha
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<COCOB>(
    name: "cocob",
    summary: "COCOB-Backprop: learning-rate-free coin betting per coordinate",
    paper:
      "Orabona & Tommasi, Training Deep Networks without Learning Rates Through Coin Betting, NeurIPS 2017, arXiv:1705.07795",
    reference: "optax.contrib.cocob (optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate, "scales the gradients before betting (a schedule in code)"),
      .number("alpha", \.alpha, .positive, "caps the bet while G is small: max(G + L, α·L)"),
      .number("epsilon", \.epsilon, .positive, "the initial L (largest |c| so far)"),
      .coupledWeightDecay(\.weightDecay),
    ]
  ) { try COCOB() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      initialParameters: parameters.map { $0 + Tensor.zeros(like: $0) },
      negativeGradientSum: zerosLike(parameters), maxGradient: filledLike(parameters, epsilon),
      absoluteGradientSum: zerosLike(parameters), reward: zerosLike(parameters))
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    var buffers = [
      state.initialParameters, state.negativeGradientSum, state.maxGradient,
      state.absoluteGradientSum, state.reward,
    ]
    state = State(
      initialParameters: ParameterTree(), negativeGradientSum: ParameterTree(),
      maxGradient: ParameterTree(), absoluteGradientSum: ParameterTree(), reward: ParameterTree())
    runFusedKernel(
      Kernel(
        learningRate: learningRate.value(atStep: context.step - 1), alpha: alpha,
        weightDecay: weightDecay),
      name: "cocob", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state = State(
      initialParameters: buffers[0], negativeGradientSum: buffers[1], maxGradient: buffers[2],
      absoluteGradientSum: buffers[3], reward: buffers[4])
  }

  struct Kernel: FusedKernel {
    let learningRate, alpha, weightDecay: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (p0, cs, l, gs, r) = (b.state[0], b.state[1], b.state[2], b.state[3], b.state[4])
      let (lr, a, wd) = (T(learningRate), T(alpha), T(weightDecay))
      for i in range {
        let p = b.parameter[i]
        let c = lr * (weightDecay != 0 ? b.gradient[i] + wd * p : b.gradient[i])
        l[i] = Swift.max(l[i], abs(c))
        gs[i] = gs[i] + abs(c)
        r[i] = Swift.max(r[i] - c * (p - p0[i]), 0)
        cs[i] = cs[i] - c
        let x = p0[i] + cs[i] / (l[i] * Swift.max(gs[i] + l[i], a * l[i])) * (l[i] + r[i])
        b.store(p + (-p + x), at: i)
      }
    }
  }
}
