import Descent
import Foundation

/// Signum: the sign of an exponential moving average of the gradient (signSGD with momentum),
/// step for step as Optax's `optax.signum`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// m ← (1 − β) · g + β · m                          (no bias correction: only its sign is used)
/// θₜ ← θₜ₋₁ + (−learningRate) · sign(m)            (sign 0 = 0)
/// ```
///
/// Paper: Bernstein et al., "signSGD: Compressed Optimisation for Non-Convex Problems"
/// (ICML 2018, arXiv:1802.04434).
///
/// Reference: `optax.signum` (Optax 0.2.8: `ema(beta, debias=False)`, `scale_by_sign`,
/// `scale_by_learning_rate`). Defaults as Optax: beta 0.9; Optax has no default learning rate,
/// Descent's is 1e-4.
///
/// Deviations: none (Optax's `accumulator_dtype` is not offered).
///
/// State: m per parameter.
public struct Signum: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta: Double

  public struct State: Codable, Sendable, Equatable {
    public var momentum: ParameterTree
  }

  public init(learningRate: Hyperparameter = 1e-4, beta: Double = 0.9) throws {
    self.learningRate = learningRate
    self.beta = beta
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Signum>(
    name: "signum", summary: "the sign of a moving average of the gradient (signSGD + momentum)",
    paper:
      "Bernstein et al., signSGD: Compressed Optimisation for Non-Convex Problems, ICML 2018, arXiv:1802.04434",
    reference: "optax.signum (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta", \.beta, .closedUnitInterval, "decay of the gradient average m"),
    ]
  ) { try Signum() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(momentum: zerosLike(parameters))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let kernel = Kernel(
      beta: beta, negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.momentum]
    state.momentum = ParameterTree()
    runFusedKernel(
      kernel, name: "signum", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.momentum = buffers[0]
  }

  struct Kernel: FusedKernel {
    let beta, negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let (w, beta, negLR) = (T(1 - beta), T(beta), T(negativeLearningRate))
      for i in range {
        let p = b.parameter[i]
        let mNew = w * b.gradient[i] + beta * m[i]
        m[i] = mNew
        b.store(p + negLR * signOf(mNew), at: i)
      }
    }
  }
}
