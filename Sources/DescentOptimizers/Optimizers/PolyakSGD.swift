import Descent

/// SGD with the Polyak step size (SPS): the step that would reach the loss's lower bound on the
/// linear model, capped, step for step as Optax's `optax.polyak_sgd`. Needs the loss at the
/// current parameters (``UpdateContext/loss``).
///
/// ```
/// w ← −learningRate · g                         (Optax's sgd(scaling) stage first)
/// gap ← f − minimumLoss;  sps+: gap ← max(gap, 0)
/// η ← ‖w‖² + ε ≤ 2.2e-16 ? 0 : min(gap / (‖w‖² + ε), maxLearningRate)   (‖w‖ over the tree)
/// θ ← θ + η · w
/// ```
///
/// With learningRate 1 this is the paper's SPS_max; with another learningRate the ratio uses
/// ‖learningRate · g‖², as Optax computes it (not the paper's ‖g‖²).
///
/// Papers: Polyak, "Introduction to Optimization" (1987); Loizou, Vaswani, Laradji &
/// Lacoste-Julien, "Stochastic Polyak Step-size for SGD: An Adaptive Learning Rate for Fast
/// Convergence" (AISTATS 2021, arXiv:2002.10542); SPS+ per Garrigos, Gower & Schaipp (2023,
/// arXiv:2301.06177).
///
/// Reference: optax 0.2.8, `optax.polyak_sgd` (float64), the loss passed as `value`. Defaults
/// (Optax's): learningRate 1 (`scaling`; a schedule is read at step − 1), maxLearningRate 1,
/// minimumLoss 0 (`f_min`), epsilon 0, variant sps.
///
/// Deviations: none.
///
/// Not elementwise: one reduction pass (‖w‖²) precedes the update pass. State: none.
public struct PolyakSGD: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var maxLearningRate: Double
  public var minimumLoss: Double
  public var epsilon: Double
  public var variant: Variant

  /// Optax's `variant`: the gap as is, or clipped at 0 (SPS+).
  public enum Variant: String, CaseIterable, Sendable, Codable {
    case sps
    case spsPlus = "sps+"
  }

  public struct State: Codable, Sendable, Equatable {}

  public init(
    learningRate: Hyperparameter = 1, maxLearningRate: Double = 1, minimumLoss: Double = 0,
    epsilon: Double = 0, variant: Variant = .sps
  ) throws {
    self.learningRate = learningRate
    self.maxLearningRate = maxLearningRate
    self.minimumLoss = minimumLoss
    self.epsilon = epsilon
    self.variant = variant
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<PolyakSGD>(
    name: "polyak-sgd",
    summary: "SGD with the stochastic Polyak step (f − f*)/‖g‖², capped (needs the loss)",
    paper:
      "Loizou, Vaswani, Laradji & Lacoste-Julien, Stochastic Polyak Step-size for SGD, AISTATS 2021, arXiv:2002.10542",
    reference: "optax.polyak_sgd (optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate, "scales the gradient before the Polyak step (Optax's scaling)"),
      .number("maxLearningRate", \.maxLearningRate, .nonNegative, "cap on the Polyak step"),
      .number("minimumLoss", \.minimumLoss, .finite, "f*, the loss's lower bound"),
      .number("epsilon", \.epsilon, .nonNegative, "added to ‖w‖²"),
      .choice("variant", \.variant, "sps, or sps+ (the gap f − f* clipped at 0)"),
    ]
  ) { try PolyakSGD() }

  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    try requireLoss(context, name: "polyak-sgd")
    let gradients = updates
    fusedStep(
      &updates, .updates(parameters: context.parameters), gradients, &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    try requireLoss(context, name: "polyak-sgd")
    fusedStep(&parameters, .parameters, gradients, &state, context: context)
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    var kernel = Kernel(negScaling: -learningRate.value(atStep: context.step - 1), step: 0)
    let squaredNorm = reduceTrees(kernel, [gradients])[0]
    var gap = (context.loss ?? .nan) - minimumLoss
    if variant == .spsPlus { gap = Swift.max(gap, 0) }
    kernel.step =
      squaredNorm + epsilon <= Double.ulpOfOne
      ? 0 : Swift.min(gap / (squaredNorm + epsilon), maxLearningRate)
    var buffers: [ParameterTree] = []
    runFusedKernel(
      kernel, name: "polyak-sgd", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
  }

  struct Kernel: FusedKernel, TreeReduction {
    let negScaling: Double
    var step: Double

    /// ‖−scaling · g‖² (input g).
    func partialSums<T: TensorFloat>(_ x: [UnsafePointer<T>], _ range: Range<Int>)
      -> SIMD4<Double>
    {
      let s = T(negScaling)
      var total = 0.0
      for i in range {
        let w = s * x[0][i]
        total += Double(w * w)
      }
      return SIMD4(total, 0, 0, 0)
    }

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (s, eta) = (T(negScaling), T(step))
      for i in range { b.store(b.parameter[i] + eta * (s * b.gradient[i]), at: i) }
    }
  }
}
