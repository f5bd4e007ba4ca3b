import Descent
import Foundation

/// ADOPT: Adam with the gradient normalized by the *previous* second moment before it enters the
/// momentum, step for step as Optax's `optax.contrib.adopt`.
///
/// ```
/// g ← ∇f(θₜ₋₁);   c = t − 1 (steps taken before this one)
/// β1' = β1 and β2' = β2 when c > 0;   at the first step β1' = 1, β2' = 0
/// x = g / max(√v, ε)                                (v before this step's update)
/// if useClipping:  x ← clip(x, −c^¼, c^¼)
/// v ← (1 − β2') · g² + β2' · v
/// m ← (1 − β1') · x + β1' · m
/// u = m;  with nesterov:  u = (1 − β1') · x + β1' · m
/// θₜ ← θₜ₋₁ + (−learningRate) · u
/// ```
/// (So the first step only initializes v = g² and leaves θ where it is.)
///
/// Paper: Taniguchi et al., "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal
/// Rate" (NeurIPS 2024, arXiv:2411.02853).
///
/// Reference: `optax.contrib.adopt` (Optax 0.2.8: `scale_by_adopt` with its default clip
/// c^¼, `scale_by_learning_rate`). Defaults as Optax: beta1 0.9, beta2 0.9999, epsilon 1e-6,
/// nesterov false, useClipping true; Optax has no default learning rate, Descent's is 1e-3.
///
/// Deviations: none (Optax's `mu_dtype` and a custom `clip_value_fn` are not offered).
///
/// State: the step count, m and v per parameter.
public struct ADOPT: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var nesterov: Bool
  public var useClipping: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.9999,
    epsilon: Double = 1e-6, nesterov: Bool = false, useClipping: Bool = true
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.nesterov = nesterov
    self.useClipping = useClipping
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<ADOPT>(
    name: "adopt",
    summary: "Adam normalizing g by the previous second moment before the momentum (clipped)",
    paper:
      "Taniguchi et al., ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate, NeurIPS 2024, arXiv:2411.02853",
    reference: "optax.contrib.adopt (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the momentum of normalized gradients"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "lower bound of √v in the normalization"),
      .flag("nesterov", \.nesterov, "step along the Nesterov look-ahead of the momentum"),
      .flag("useClipping", \.useClipping, "clip the normalized gradient to ±(t − 1)^¼"),
    ]
  ) { try ADOPT() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(step: 0, expAvg: zerosLike(parameters), expAvgSq: zerosLike(parameters))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let previousSteps = state.step
    state.step += 1
    let first = previousSteps == 0
    let kernel = Kernel(
      beta1: first ? 1 : beta1, beta2: first ? 0 : beta2, epsilon: epsilon, nesterov: nesterov,
      clipValue: useClipping ? pow(Double(previousSteps), 0.25) : nil,
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.expAvg, state.expAvgSq]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    runFusedKernel(
      kernel, name: "adopt", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
  }

  struct Kernel: FusedKernel {
    /// This step's β1' and β2' (1 and 0 at the first step).
    let beta1, beta2, epsilon: Double
    let nesterov: Bool
    /// c^¼ when clipping.
    let clipValue: Double?
    let negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (m, v) = (b.state[0], b.state[1])
      let (w1, b1, w2, b2) = (T(1 - beta1), T(beta1), T(1 - beta2), T(beta2))
      let (eps, negLR) = (T(epsilon), T(negativeLearningRate))
      let clips = clipValue != nil
      let (high, low) = (T(clipValue ?? 0), -T(clipValue ?? 0))
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let vi = v[i]
        let root = vi.vectorizableSquareRoot
        // jnp.maximum and jnp.clip (= minimum(maximum(x, low), high)), NaN-propagating.
        var x = g / (root > eps || root.isNaN ? root : eps)
        if clips {
          x = x > low || x.isNaN ? x : low
          x = x < high || x.isNaN ? x : high
        }
        v[i] = w2 * (g * g) + b2 * vi
        let mNew = w1 * x + b1 * m[i]
        m[i] = mNew
        let u = nesterov ? w1 * x + b1 * mNew : mNew
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
