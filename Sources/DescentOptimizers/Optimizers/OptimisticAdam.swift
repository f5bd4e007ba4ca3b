import Descent
import Foundation

/// Optimistic Adam: optimistic extrapolation of Adam's (Nesterov) update, step for step as
/// Optax's `optax.optimistic_adam_v2`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// m ← (1 − β1) · g + β1 · m;   v ← (1 − β2) · g² + β2 · v
/// m̂ = β1 · m / (1 − β1ᵗ⁺¹) + (1 − β1) · g / (1 − β1ᵗ)     (nesterov; else m / (1 − β1ᵗ))
/// a = m̂ / (√(v / (1 − β2ᵗ) + εroot) + ε)
/// a_prev = a at the first step
/// θₜ ← θₜ₋₁ + (−learningRate) · ((α + β) · a − β · a_prev);   a_prev ← a
/// ```
///
/// Paper: Daskalakis et al., "Training GANs with Optimism" (ICLR 2018, arXiv:1711.00141).
///
/// Reference: `optax.optimistic_adam_v2` (Optax 0.2.8: `scale_by_adam`,
/// `scale_by_optimistic_gradient`, `scale_by_learning_rate`). Defaults as Optax: alpha 1, beta 1,
/// beta1 0.9, beta2 0.999, epsilon 1e-8, epsilonRoot 0, nesterov true; Optax has no default
/// learning rate, Descent's is 1e-3.
///
/// Deviations: none (Optax's `mu_dtype` is not offered).
///
/// State: the step count, m, v and a_prev per parameter.
public struct OptimisticAdam: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var alpha: Double
  public var beta: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var epsilonRoot: Double
  public var nesterov: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    /// a_prev, the previous Adam update.
    public var previousUpdate: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-3, alpha: Double = 1, beta: Double = 1,
    beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, epsilonRoot: Double = 0,
    nesterov: Bool = true
  ) throws {
    self.learningRate = learningRate
    self.alpha = alpha
    self.beta = beta
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
    self.nesterov = nesterov
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<OptimisticAdam>(
    name: "optimistic-adam",
    summary: "Adam's (Nesterov) update extrapolated optimistically: (α + β)·a − β·a_prev",
    paper: "Daskalakis et al., Training GANs with Optimism, ICLR 2018, arXiv:1711.00141",
    reference: "optax.optimistic_adam_v2 (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("alpha", \.alpha, .nonNegative, "weight of the current Adam update"),
      .number("beta", \.beta, .nonNegative, "weight of the update change a − a_prev"),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the root"),
      .number("epsilonRoot", \.epsilonRoot, .nonNegative, "added to v̂ inside the root"),
      .flag("nesterov", \.nesterov, "use Nesterov's bias-corrected momentum (Optax's default)"),
    ]
  ) { try OptimisticAdam() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, expAvg: zerosLike(parameters), expAvgSq: zerosLike(parameters),
      previousUpdate: zerosLike(parameters))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let isInitialStep = state.step == 0
    state.step += 1
    let kernel = Kernel(
      alpha: alpha, beta: beta, beta1: beta1, beta2: beta2, epsilon: epsilon,
      epsilonRoot: epsilonRoot, nesterov: nesterov, isInitialStep: isInitialStep,
      biasCorrection1: 1 - integerPower(beta1, state.step),
      biasCorrection1Next: 1 - integerPower(beta1, state.step + 1),
      biasCorrection2: 1 - integerPower(beta2, state.step),
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.expAvg, state.expAvgSq, state.previousUpdate]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    state.previousUpdate = ParameterTree()
    runFusedKernel(
      kernel, name: "optimistic-adam", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
    state.previousUpdate = buffers[2]
  }

  struct Kernel: FusedKernel {
    let alpha, beta, beta1, beta2, epsilon, epsilonRoot: Double
    let nesterov, isInitialStep: Bool
    let biasCorrection1, biasCorrection1Next, biasCorrection2, negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (m, v, previous) = (b.state[0], b.state[1], b.state[2])
      let (w1, b1, w2, b2) = (T(1 - beta1), T(beta1), T(1 - beta2), T(beta2))
      let (eps, epsRoot, sum, beta) = (T(epsilon), T(epsilonRoot), T(alpha + beta), T(beta))
      let (bc1, bc1Next, bc2) = (T(biasCorrection1), T(biasCorrection1Next), T(biasCorrection2))
      let negLR = T(negativeLearningRate)
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let mNew = w1 * g + b1 * m[i]
        m[i] = mNew
        let vNew = w2 * (g * g) + b2 * v[i]
        v[i] = vNew
        let mHat = nesterov ? b1 * (mNew / bc1Next) + w1 * (g / bc1) : mNew / bc1
        let a = mHat / ((vNew / bc2 + epsRoot).vectorizableSquareRoot + eps)
        let u = optimisticExtrapolation(a, isInitialStep ? a : previous[i], sum, beta)
        previous[i] = a
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
