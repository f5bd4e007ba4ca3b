import Descent

/// DoWG (distance over weighted gradients): DoG with the squared gradient norms weighted by the
/// squared distance estimate, step for step as Optax's `optax.contrib.dowg`.
///
/// ```
/// start:  r̄² ← initialSquaredDistance (ε when 0);  V ← 0
/// w ← g + weightDecay · θ
/// r̄² ← max(r̄², ‖θ₀ − θ‖²);  V ← r̄² · ‖w‖² + V        (norms over the whole tree)
/// η ← r̄² / (√V + ε)
/// θ ← θ − learningRate · (η · w)
/// ```
///
/// Paper: Khaled, Mishchenko & Jin, "DoWG Unleashed: An Efficient Universal Parameter-Free
/// Gradient Descent Method" (NeurIPS 2023, arXiv:2305.16284).
///
/// Reference: optax 0.2.8, `optax.contrib.dowg` (float64). Defaults (Optax's): learningRate 1,
/// initialSquaredDistance ε (Optax's `None`; here 0 selects it), epsilon 1e-4, weightDecay 0
/// (Optax's `None`: no decay stage). The learning rate (or its schedule, read at step − 1)
/// multiplies η.
///
/// Deviations: none.
///
/// Not elementwise: one reduction pass (``DoG``'s ‖θ₀ − θ‖², ‖w‖²) precedes ``DoG``'s update pass.
///
/// State: the initial parameters θ₀, r̄² and V.
public struct DoWG: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  /// The initial r̄²; 0 means epsilon.
  public var initialSquaredDistance: Double
  public var epsilon: Double
  public var weightDecay: Double

  public struct State: Codable, Sendable, Equatable {
    /// r̄², the largest squared distance from θ₀ so far.
    public var squaredDistance: Double
    /// V, the r̄²-weighted sum of squared gradient norms.
    public var weightedGradientSum: Double
    public var initialParameters: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, initialSquaredDistance: Double = 0, epsilon: Double = 1e-4,
    weightDecay: Double = 0
  ) throws {
    self.learningRate = learningRate
    self.initialSquaredDistance = initialSquaredDistance
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<DoWG>(
    name: "dowg",
    summary: "parameter-free SGD: step size r̄² / √(Σ r̄²‖g‖²), r̄ the max distance from the start",
    paper:
      "Khaled, Mishchenko & Jin, DoWG Unleashed: An Efficient Universal Parameter-Free Gradient Descent Method, NeurIPS 2023, arXiv:2305.16284",
    reference: "optax.contrib.dowg (optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate, "multiplies the DoWG step size η (a schedule in code)"),
      .number(
        "initialSquaredDistance", \.initialSquaredDistance, .nonNegative,
        "initial squared distance estimate r̄₀²; 0 means epsilon"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √V"),
      .coupledWeightDecay(\.weightDecay),
    ]
  ) { try DoWG() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      squaredDistance: initialSquaredDistance == 0 ? epsilon : initialSquaredDistance,
      weightedGradientSum: 0, initialParameters: parameters.map { $0 + Tensor.zeros(like: $0) })
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let sums = reduceTrees(
      DoG.DistanceAndGradientNorms(weightDecay: weightDecay),
      [gradients, mode.parameters(target, name: "dowg"), state.initialParameters])
    state.squaredDistance = Swift.max(state.squaredDistance, sums[0])
    state.weightedGradientSum = state.squaredDistance * sums[1] + state.weightedGradientSum
    let eta = state.squaredDistance / (state.weightedGradientSum.squareRoot() + epsilon)
    var buffers: [ParameterTree] = []
    runFusedKernel(
      DoG.ScaledGradientStep(
        scale: eta, learningRate: learningRate.value(atStep: context.step - 1),
        weightDecay: weightDecay),
      name: "dowg", into: &target, mode: mode, gradients: gradients, state: &buffers)
  }
}
