import Descent
import Foundation

/// Schedule-free AdamW: Adam's second-moment scaling without its first moment, on a base
/// sequence z, with gradients taken at an interpolation y of z and its weighted running average
/// x, and no learning-rate decay. Step for step as `optax.contrib.schedule_free_adamw`
/// (`schedule_free` around `scale_by_rms(bias_correction)`, `add_decayed_weights`,
/// `scale_by_learning_rate`).
///
/// At step k = 1, 2, … (c as ``ScheduleFreeAveraging`` computes it from lr(k)):
/// ```
/// g ← ∇f(y)
/// v ← (1 − β2) · g² + β2 · v
/// u ← g / (√(v / (1 − β2ᵏ)) + ε) + weightDecay · y
/// z' ← z + (−lr(k − 1)) · u
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
/// Defaults (Optax 0.2.8): learningRate 2.5e-3, warmupSteps 0 (Optax's None: no warmup),
/// beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0 (decoupled, scaled by the learning rate),
/// weightLearningRatePower 2.
///
/// Deviations: none in the arithmetic (y is stepped as y + (y' − y), Optax's update added by
/// `apply_updates`; a warmup is computed in float32 as Optax's schedule does). `warmupSteps = 0`
/// means no warmup. The authors' PyTorch `schedulefree.AdamWScheduleFree` warms up through a bias-corrected
/// learning rate instead; Optax's form is the one reproduced.
///
/// State: the step count, the running maximum learning rate and weight sum, z and v per
/// parameter.
public struct ScheduleFreeAdamW: FusedOptimizer, CataloguedOptimizer, EvaluationPointProvider {
  public var learningRate: Hyperparameter
  public var warmupSteps: Int
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var weightLearningRatePower: Double

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var maxLearningRate: Double
    public var weightSum: Double
    /// The base sequence z.
    public var z: ParameterTree
    /// The second moment v.
    public var nu: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 2.5e-3, warmupSteps: Int = 0, beta1: Double = 0.9,
    beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0,
    weightLearningRatePower: Double = 2
  ) throws {
    self.learningRate = learningRate
    self.warmupSteps = warmupSteps
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.weightLearningRatePower = weightLearningRatePower
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<ScheduleFreeAdamW>(
    name: "schedule-free-adamw",
    summary: "RMS-scaled steps on z, gradients at y = β1·x + (1 − β1)·z, evaluated at the average x",
    paper:
      "Defazio et al., The Road Less Scheduled, NeurIPS 2024, arXiv:2405.15682",
    reference: "optax.contrib.schedule_free_adamw (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .integer("warmupSteps", \.warmupSteps, atLeast: 0, "linear warmup from 0; 0 = none"),
      .number("beta1", \.beta1, .openUnitInterval, "interpolation weight of x in y"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the bias-corrected √v"),
      .decoupledWeightDecay(\.weightDecay),
      .number(
        "weightLearningRatePower", \.weightLearningRatePower, .nonNegative,
        "the averaging weight of a step is max lr so far to this power"),
    ]
  ) { try ScheduleFreeAdamW() }

  var averaging: ScheduleFreeAveraging {
    ScheduleFreeAveraging(
      beta1: beta1, warmupSteps: warmupSteps, weightLearningRatePower: weightLearningRatePower)
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, maxLearningRate: 0, weightSum: 0,
      z: parameters.map { p in withoutGradients { p * 1.0 } }, nu: zerosLike(parameters))
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
      baseRate: averaging.learningRate(learningRate, atStep: index), beta1: beta1, beta2: beta2,
      biasCorrection2: 1 - pow(beta2, Double(state.step)), epsilon: epsilon,
      weightDecay: weightDecay, c: c)
    var buffers = [state.z, state.nu]
    state.z = ParameterTree()
    state.nu = ParameterTree()
    runFusedKernel(
      kernel, name: "schedule-free-adamw", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.z = buffers[0]
    state.nu = buffers[1]
  }

  struct Kernel: FusedKernel {
    let baseRate, beta1, beta2, biasCorrection2, epsilon, weightDecay, c: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let z = b.state[0]
      let v = b.state[1]
      let combination = ScheduleFreeCombination<T>(beta1: beta1, c: c)
      let (negRate, wd, eps) = (T(-baseRate), T(weightDecay), T(epsilon))
      let (w2, b2, bc2) = (T(1 - beta2), T(beta2), T(biasCorrection2))
      for i in range {
        let y = b.parameter[i]
        let g = b.gradient[i]
        let vNew = w2 * (g * g) + b2 * v[i]
        v[i] = vNew
        let u = (1 / ((vNew / bc2).squareRoot() + eps)) * g + wd * y
        let zi = z[i]
        let newZ = zi + negRate * u
        z[i] = newZ
        b.store(combination.next(y: y, z: zi, newZ: newZ), at: i)
      }
    }
  }
}
