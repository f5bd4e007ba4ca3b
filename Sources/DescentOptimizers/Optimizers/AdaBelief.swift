import Descent
import Foundation

/// AdaBelief: Adam whose second moment tracks the "belief" (g − m)² instead of g², step for step
/// as Optax's `optax.adabelief`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// m ← (1 − β1) · g + β1 · m
/// s ← (1 − β2) · (g − m)² + β2 · s
/// s ← s + εroot                                   (kept in the state, as Optax does)
/// m̂ = m / (1 − β1ᵗ),   ŝ = s / (1 − β2ᵗ)
/// θₜ ← θₜ₋₁ + (−learningRate) · m̂ / (√ŝ + ε)
/// ```
///
/// Paper: Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
/// Gradients" (NeurIPS 2020, arXiv:2010.07468).
///
/// Reference: `optax.adabelief` (Optax 0.2.8: `scale_by_belief`, `scale_by_learning_rate`).
/// Defaults as Optax: beta1 0.9, beta2 0.999, epsilon 1e-16, epsilonRoot 1e-16; Optax has no
/// default learning rate, Descent's is 1e-3 (the paper's).
///
/// Deviations: none (Optax's `nesterov` is not offered).
///
/// State: the step count, m and s per parameter. 8-bit state (`stateBits=8`): m (signed map) and
/// s (unsigned map) of large float32 parameters, stepped by the 32-bit kernel on dequantized
/// blocks.
public struct AdaBelief: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var epsilonRoot: Double
  /// 32-bit or 8-bit block-wise m and s (see ``StateStorage``).
  public var stateStorage: StateStorage

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    /// s, the moving average of (g − m)² (plus εroot each step).
    public var belief: ParameterTree
    /// m and s of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-16, epsilonRoot: Double = 1e-16,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<AdaBelief>(
    name: "adabelief", summary: "Adam with the second moment of g − m (the belief) instead of g",
    paper:
      "Zhuang et al., AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients, NeurIPS 2020, arXiv:2010.07468",
    reference: "optax.adabelief (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the belief (g − m)²"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √ŝ"),
      .number("epsilonRoot", \.epsilonRoot, .nonNegative, "added to s each step (inside the root)"),
    ], stateStorage: \.stateStorage
  ) { try AdaBelief() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(step: 0, expAvg: zerosLike(full), belief: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, epsilon: epsilon, epsilonRoot: epsilonRoot,
      biasCorrection1: 1 - integerPower(beta1, state.step),
      biasCorrection2: 1 - integerPower(beta2, state.step),
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.expAvg, state.belief]
    state.expAvg = ParameterTree()
    state.belief = ParameterTree()
    fusedStepWithQuantizedState(
      name: "adabelief", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "adabelief", into: &target, mode: mode, gradients: gradients,
          state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "adabelief", p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.belief = buffers[1]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, epsilon, epsilonRoot, biasCorrection1, biasCorrection2: Double
    let negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let s = b.state[1]
      let (w1, b1, w2, b2) = (T(1 - beta1), T(beta1), T(1 - beta2), T(beta2))
      let (eps, epsRoot, bc1, bc2) = (
        T(epsilon), T(epsilonRoot), T(biasCorrection1), T(biasCorrection2)
      )
      let negLR = T(negativeLearningRate)
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let mNew = w1 * g + b1 * m[i]
        m[i] = mNew
        let e = g - mNew
        let sNew = (w2 * (e * e) + b2 * s[i]) + epsRoot
        s[i] = sNew
        let u = (mNew / bc1) / ((sNew / bc2).vectorizableSquareRoot + eps)
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
