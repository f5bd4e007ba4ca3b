import Descent
import Foundation

/// Yogi: Adam whose second moment moves additively by sign(v − g²) · g², step for step as
/// Optax's `optax.yogi`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// m ← (1 − β1) · g + β1 · m
/// v ← v − (1 − β2) · sign(v − g²) · g²
/// m̂ = m / (1 − β1ᵗ),   v̂ = v / (1 − β2ᵗ)
/// θₜ ← θₜ₋₁ + (−learningRate) · m̂ / (√v̂ + ε)
/// ```
/// m and v start at 1e-6 (Optax's `initial_accumulator_value`).
///
/// Paper: Zaheer et al., "Adaptive Methods for Nonconvex Optimization" (NeurIPS 2018).
///
/// Reference: `optax.yogi` (Optax 0.2.8: `scale_by_yogi` with `eps_root` 0,
/// `scale_by_learning_rate`). Defaults as Optax: beta1 0.9, beta2 0.999, epsilon 1e-3; Optax has
/// no default learning rate, Descent's is 1e-2 (the paper's).
///
/// Deviations: none.
///
/// State: the step count, m and v per parameter. 8-bit state (`stateBits=8`): m (signed map) and
/// v (unsigned map) of large float32 parameters, stepped by the 32-bit kernel on dequantized
/// blocks.
public struct Yogi: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  /// 32-bit or 8-bit block-wise m and v (see ``StateStorage``).
  public var stateStorage: StateStorage

  /// Optax's `initial_accumulator_value`: m and v start here.
  static let initialAccumulator = 1e-6

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    /// m and v of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-2, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-3, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Yogi>(
    name: "yogi", summary: "Adam with an additive, sign-controlled second-moment update",
    paper: "Zaheer et al., Adaptive Methods for Nonconvex Optimization, NeurIPS 2018",
    reference: "optax.yogi (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "rate of the additive second-moment update"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √v̂"),
    ], stateStorage: \.stateStorage
  ) { try Yogi() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned],
      initialValue: Self.initialAccumulator)
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, expAvg: filledLike(full, Self.initialAccumulator),
      expAvgSq: filledLike(full, Self.initialAccumulator), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, epsilon: epsilon,
      biasCorrection1: 1 - integerPower(beta1, state.step),
      biasCorrection2: 1 - integerPower(beta2, state.step),
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.expAvg, state.expAvgSq]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    fusedStepWithQuantizedState(
      name: "yogi", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "yogi", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "yogi", p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, epsilon, biasCorrection1, biasCorrection2, negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let (w1, b1, w2) = (T(1 - beta1), T(beta1), T(1 - beta2))
      let (eps, bc1, bc2) = (T(epsilon), T(biasCorrection1), T(biasCorrection2))
      let negLR = T(negativeLearningRate)
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let mNew = w1 * g + b1 * m[i]
        m[i] = mNew
        let vi = v[i]
        let g2 = g * g
        let vNew = vi - w2 * signOf(vi - g2) * g2
        v[i] = vNew
        let u = (mNew / bc1) / ((vNew / bc2).vectorizableSquareRoot + eps)
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
