import Descent
import Foundation

/// Optimistic gradient descent: a step along the gradient extrapolated from the previous one,
/// step for step as Optax's `optax.optimistic_gradient_descent`.
///
/// ```
/// g ← ∇f(θₜ₋₁);   g_prev = g at the first step
/// θₜ ← θₜ₋₁ + (−learningRate) · ((α + β) · g − β · g_prev);   g_prev ← g
/// ```
///
/// Paper: Mokhtari, Ozdaglar & Pattathil, "A Unified Analysis of Extra-gradient and Optimistic
/// Gradient Methods for Saddle Point Problems" (AISTATS 2020, arXiv:1901.08511); Daskalakis
/// et al., "Training GANs with Optimism" (ICLR 2018).
///
/// Reference: `optax.optimistic_gradient_descent` (Optax 0.2.8:
/// `scale_by_optimistic_gradient`, `scale_by_learning_rate`). Defaults as Optax: alpha 1,
/// beta 1; Optax has no default learning rate, Descent's is 1e-2.
///
/// Deviations: none.
///
/// State: g_prev per parameter (with a first-step flag).
public struct OptimisticGradientDescent: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var alpha: Double
  public var beta: Double

  public struct State: Codable, Sendable, Equatable {
    /// Whether no step has been taken (g_prev then stands for the current gradient).
    public var isInitialStep: Bool
    public var previousGradient: ParameterTree
  }

  public init(learningRate: Hyperparameter = 1e-2, alpha: Double = 1, beta: Double = 1) throws {
    self.learningRate = learningRate
    self.alpha = alpha
    self.beta = beta
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<OptimisticGradientDescent>(
    name: "optimistic-gd",
    summary: "gradient descent on (α + β)·g − β·g_prev, the optimistic extrapolation",
    paper:
      "Mokhtari, Ozdaglar & Pattathil, A Unified Analysis of Extra-gradient and Optimistic Gradient Methods for Saddle Point Problems, AISTATS 2020, arXiv:1901.08511",
    reference: "optax.optimistic_gradient_descent (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("alpha", \.alpha, .nonNegative, "weight of the current gradient"),
      .number("beta", \.beta, .nonNegative, "weight of the gradient change g − g_prev"),
    ]
  ) { try OptimisticGradientDescent() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(isInitialStep: true, previousGradient: zerosLike(parameters))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let kernel = Kernel(
      alpha: alpha, beta: beta, isInitialStep: state.isInitialStep,
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    state.isInitialStep = false
    var buffers = [state.previousGradient]
    state.previousGradient = ParameterTree()
    runFusedKernel(
      kernel, name: "optimistic-gd", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.previousGradient = buffers[0]
  }

  struct Kernel: FusedKernel {
    let alpha, beta: Double
    let isInitialStep: Bool
    let negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let previous = b.state[0]
      let (sum, beta, negLR) = (T(alpha + beta), T(beta), T(negativeLearningRate))
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let u = optimisticExtrapolation(g, isInitialStep ? g : previous[i], sum, beta)
        previous[i] = g
        b.store(p + negLR * u, at: i)
      }
    }
  }
}

/// Optax's `scale_by_optimistic_gradient` on one value: (α + β) · x − β · x_prev.
@inline(__always) func optimisticExtrapolation<T: TensorFloat>(
  _ x: T, _ previous: T, _ alphaPlusBeta: T, _ beta: T
) -> T {
  alphaPlusBeta * x - beta * previous
}
