import Descent
import Foundation

/// Lion (evolved sign momentum), step for step as Optax's `optax.lion`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// u ← sign((1 − β1) · g + β1 · m)                 (sign 0 = 0)
/// m ← (1 − β2) · g + β2 · m
/// if weightDecay ≠ 0:  u ← u + weightDecay · θₜ₋₁  (optax.add_decayed_weights)
/// θₜ ← θₜ₋₁ + (−learningRate) · u
/// ```
///
/// Paper: Chen et al., "Symbolic Discovery of Optimization Algorithms" (NeurIPS 2023,
/// arXiv:2302.06675).
///
/// Reference: `optax.lion` (Optax 0.2.8: `scale_by_lion` in its default "hard" sign mode,
/// `add_decayed_weights`, `scale_by_learning_rate`). Defaults as Optax: beta1 0.9, beta2 0.99,
/// weightDecay 1e-3; Optax has no default learning rate, Descent's is 1e-4 (the paper's advice:
/// 3–10× smaller than AdamW's).
///
/// Deviations: none (Optax's `mu_dtype`, `mode` and `mask` are not offered; decay on chosen
/// parameters is `--no-decay-on`).
///
/// State: m per parameter. 8-bit state (`stateBits=8`): m (signed map) of large float32
/// parameters, stepped by the 32-bit kernel on dequantized blocks.
public struct Lion: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var weightDecay: Double
  /// 32-bit or 8-bit block-wise m (see ``StateStorage``).
  public var stateStorage: StateStorage

  public struct State: Codable, Sendable, Equatable {
    public var momentum: ParameterTree
    /// m of the parameters with 8-bit state (whose paths `momentum` then omits).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-4, beta1: Double = 0.9, beta2: Double = 0.99,
    weightDecay: Double = 1e-3, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.weightDecay = weightDecay
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Lion>(
    name: "lion", summary: "the sign of an interpolated momentum, with decoupled weight decay",
    paper:
      "Chen et al., Symbolic Discovery of Optimization Algorithms, NeurIPS 2023, arXiv:2302.06675",
    reference: "optax.lion (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .closedUnitInterval, "weight of m in the signed interpolation"),
      .number("beta2", \.beta2, .closedUnitInterval, "decay of the momentum m"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "decoupled: weightDecay·θ added to the update before it is scaled by −learningRate"),
    ], stateStorage: \.stateStorage
  ) { try Lion() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(momentum: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, weightDecay: weightDecay,
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.momentum]
    state.momentum = ParameterTree()
    fusedStepWithQuantizedState(
      name: "lion", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "lion", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "lion", p, g, n, &quantized)
      })
    state.momentum = buffers[0]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, weightDecay, negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let (w1, b1, w2, b2) = (T(1 - beta1), T(beta1), T(1 - beta2), T(beta2))
      let (wd, negLR) = (T(weightDecay), T(negativeLearningRate))
      let decays = weightDecay != 0
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let mi = m[i]
        var u = signOf(w1 * g + b1 * mi)
        m[i] = w2 * g + b2 * mi
        if decays { u = u + wd * p }
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
