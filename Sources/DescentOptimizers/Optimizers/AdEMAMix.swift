import Descent
import Foundation

/// AdEMAMix: Adam with a second, slow exponential moving average of the gradient mixed into the
/// numerator, step for step as Optax's `optax.contrib.ademamix`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// m1 ← (1 − β1) · g + β1 · m1            (fast EMA, bias-corrected)
/// m2 ← (1 − β3) · g + β3 · m2            (slow EMA, not bias-corrected)
/// v  ← (1 − β2) · g² + β2 · v
/// u = (m1 / (1 − β1ᵗ) + α · m2) / (√(v / (1 − β2ᵗ) + εroot) + ε)
/// if weightDecay ≠ 0:  u ← u + weightDecay · θₜ₋₁   (optax.add_decayed_weights)
/// θₜ ← θₜ₋₁ + (−learningRate) · u
/// ```
///
/// Paper: Pagliardini, Ablin & Grangier, "The AdEMAMix Optimizer: Better, Faster, Older"
/// (ICLR 2025, arXiv:2409.03137).
///
/// Reference: `optax.contrib.ademamix` (Optax 0.2.8: `scale_by_ademamix`, `add_decayed_weights`,
/// `scale_by_learning_rate`). Defaults as Optax's alias: beta1 0.9, beta2 0.999, beta3 0.9999,
/// alpha 5, epsilon 1e-8, epsilonRoot 0, weightDecay 0; Optax has no default learning rate,
/// Descent's is 1e-3.
///
/// Deviations: constant β3 and α only (Optax also takes schedules for them, the paper's warm-up;
/// a schedule on learningRate is available as for every optimizer).
///
/// State: the step count, m1, m2 and v per parameter.
public struct AdEMAMix: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var beta3: Double
  public var alpha: Double
  public var epsilon: Double
  public var epsilonRoot: Double
  public var weightDecay: Double

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var fastAverage: ParameterTree
    public var slowAverage: ParameterTree
    public var expAvgSq: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    beta3: Double = 0.9999, alpha: Double = 5, epsilon: Double = 1e-8, epsilonRoot: Double = 0,
    weightDecay: Double = 0
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.beta3 = beta3
    self.alpha = alpha
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
    self.weightDecay = weightDecay
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<AdEMAMix>(
    name: "ademamix", summary: "Adam plus α times a slow gradient EMA (β3) in the numerator",
    paper:
      "Pagliardini, Ablin & Grangier, The AdEMAMix Optimizer: Better, Faster, Older, ICLR 2025, arXiv:2409.03137",
    reference: "optax.contrib.ademamix (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the fast gradient average"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("beta3", \.beta3, .unitInterval, "decay of the slow gradient average"),
      .number("alpha", \.alpha, .nonNegative, "weight of the slow average"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the root"),
      .number("epsilonRoot", \.epsilonRoot, .nonNegative, "added to v̂ inside the root"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "decoupled: weightDecay·θ added to the update before it is scaled by −learningRate"),
    ]
  ) { try AdEMAMix() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, fastAverage: zerosLike(parameters), slowAverage: zerosLike(parameters),
      expAvgSq: zerosLike(parameters))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, beta3: beta3, alpha: alpha, epsilon: epsilon,
      epsilonRoot: epsilonRoot, weightDecay: weightDecay,
      biasCorrection1: 1 - integerPower(beta1, state.step),
      biasCorrection2: 1 - integerPower(beta2, state.step),
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.fastAverage, state.slowAverage, state.expAvgSq]
    state.fastAverage = ParameterTree()
    state.slowAverage = ParameterTree()
    state.expAvgSq = ParameterTree()
    runFusedKernel(
      kernel, name: "ademamix", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.fastAverage = buffers[0]
    state.slowAverage = buffers[1]
    state.expAvgSq = buffers[2]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, beta3, alpha, epsilon, epsilonRoot, weightDecay: Double
    let biasCorrection1, biasCorrection2, negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (m1, m2, v) = (b.state[0], b.state[1], b.state[2])
      let (w1, b1, w2, b2, w3, b3) = (
        T(1 - beta1), T(beta1), T(1 - beta2), T(beta2), T(1 - beta3), T(beta3)
      )
      let (alpha, eps, epsRoot, wd) = (T(alpha), T(epsilon), T(epsilonRoot), T(weightDecay))
      let (bc1, bc2, negLR) = (T(biasCorrection1), T(biasCorrection2), T(negativeLearningRate))
      let decays = weightDecay != 0
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let fast = w1 * g + b1 * m1[i]
        m1[i] = fast
        let slow = w3 * g + b3 * m2[i]
        m2[i] = slow
        let vNew = w2 * (g * g) + b2 * v[i]
        v[i] = vNew
        var u = (fast / bc1 + alpha * slow) / ((vNew / bc2 + epsRoot).vectorizableSquareRoot + eps)
        if decays { u = u + wd * p }
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
