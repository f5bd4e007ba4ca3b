import Descent

/// Schedule-free SGD: gradient steps on a base sequence z, taken at an interpolation y of z and
/// its weighted running average x, with no learning-rate decay. Step for step as
/// `optax.contrib.schedule_free_sgd` (`schedule_free` around `optax.sgd`).
///
/// At step k = 1, 2, … (c as ``ScheduleFreeAveraging`` computes it from lr(k)):
/// ```
/// g ← ∇f(y) + weightDecay · y
/// z' ← z + (−lr(k − 1)) · g
/// x ← (1 − c) · (y − (1 − β1) · z) / β1 + c · z'
/// y ← β1 · x + (1 − β1) · z'
/// ```
/// The parameters the optimizer keeps are y. Evaluate at x = (y − (1 − β1) · z) / β1:
/// ``evaluationParameters(_:state:)``, or `optimizer.evaluationParameters(parameters)` on the
/// driver (``EvaluationPointProvider``); `descent train` evaluates there.
///
/// Paper: Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky, "The Road Less Scheduled"
/// (NeurIPS 2024, arXiv:2405.15682).
///
/// Defaults (Optax 0.2.8): learningRate 1, warmupSteps 0 (Optax's None: no warmup), beta1 0.9,
/// weightDecay 0 (added to the gradient, so scaled by the learning rate), weightLearningRatePower 2.
///
/// Deviations: none in the arithmetic (y is stepped as y + (y' − y), Optax's update added by
/// `apply_updates`; a warmup is computed in float32 as Optax's schedule does). `warmupSteps = 0`
/// means no warmup (Optax's `warmup_steps=0` would hold the rate at 0). A learning-rate schedule
/// is warmed up like a constant (its value at each step is the warmup's peak).
///
/// State: the step count, the running maximum learning rate and weight sum, and z per parameter.
public struct ScheduleFreeSGD: FusedOptimizer, CataloguedOptimizer, EvaluationPointProvider {
  public var learningRate: Hyperparameter
  public var warmupSteps: Int
  public var beta1: Double
  public var weightDecay: Double
  public var weightLearningRatePower: Double

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var maxLearningRate: Double
    public var weightSum: Double
    /// The base sequence z.
    public var z: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, warmupSteps: Int = 0, beta1: Double = 0.9,
    weightDecay: Double = 0, weightLearningRatePower: Double = 2
  ) throws {
    self.learningRate = learningRate
    self.warmupSteps = warmupSteps
    self.beta1 = beta1
    self.weightDecay = weightDecay
    self.weightLearningRatePower = weightLearningRatePower
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<ScheduleFreeSGD>(
    name: "schedule-free-sgd",
    summary: "SGD on z, gradients at y = β1·x + (1 − β1)·z, evaluated at the running average x",
    paper:
      "Defazio et al., The Road Less Scheduled, NeurIPS 2024, arXiv:2405.15682",
    reference: "optax.contrib.schedule_free_sgd (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .integer("warmupSteps", \.warmupSteps, atLeast: 0, "linear warmup from 0; 0 = none"),
      .number("beta1", \.beta1, .openUnitInterval, "interpolation weight of x in y"),
      .coupledWeightDecay(\.weightDecay),
      .number(
        "weightLearningRatePower", \.weightLearningRatePower, .nonNegative,
        "the averaging weight of a step is max lr so far to this power"),
    ]
  ) { try ScheduleFreeSGD() }

  var averaging: ScheduleFreeAveraging {
    ScheduleFreeAveraging(
      beta1: beta1, warmupSteps: warmupSteps, weightLearningRatePower: weightLearningRatePower)
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, maxLearningRate: 0, weightSum: 0,
      z: parameters.map { p in withoutGradients { p * 1.0 } })
  }

  public func evaluationParameters(_ parameters: ParameterTree, state: State) -> ParameterTree {
    averaging.evaluationParameters(parameters, z: state.z)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let index = context.step - 1
    let averaging = self.averaging
    let c = averaging.averagingWeight(
      rate: averaging.learningRate(learningRate, atStep: index + 1),
      maxRate: &state.maxLearningRate, weightSum: &state.weightSum)
    let kernel = Kernel(
      baseRate: averaging.learningRate(learningRate, atStep: index), beta1: beta1, c: c,
      weightDecay: weightDecay)
    var buffers = [state.z]
    state.z = ParameterTree()
    runFusedKernel(
      kernel, name: "schedule-free-sgd", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.z = buffers[0]
  }

  struct Kernel: FusedKernel {
    let baseRate, beta1, c, weightDecay: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let z = b.state[0]
      let combination = ScheduleFreeCombination<T>(beta1: beta1, c: c)
      let (negRate, wd) = (T(-baseRate), T(weightDecay))
      for i in range {
        let y = b.parameter[i]
        var g = b.gradient[i]
        if weightDecay != 0 { g = g + wd * y }
        let zi = z[i]
        let newZ = zi + negRate * g
        z[i] = newZ
        b.store(combination.next(y: y, z: zi, newZ: newZ), at: i)
      }
    }
  }
}
