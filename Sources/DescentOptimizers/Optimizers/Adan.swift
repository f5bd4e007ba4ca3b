import Descent
import Foundation

/// Adan: adaptive Nesterov momentum from moving averages of the gradient, of its difference and
/// of the squared Nesterov-corrected gradient, step for step as Optax's `optax.adan`.
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// d = g − g_prev   (0 at the first step)
/// m ← (1 − β1) · g + β1 · m
/// v ← (1 − β2) · d + β2 · v
/// n ← (1 − β3) · (g + (1 − β2) · d)² + β3 · n
/// m̂, v̂, n̂ = m, v, n bias-corrected by 1 − β1ᵗ, 1 − β2ᵗ, 1 − β3ᵗ
/// u = (m̂ + (1 − β2) · v̂) / (√(n̂ + εroot) + ε)
/// if weightDecay ≠ 0:  u ← u + weightDecay · θₜ₋₁   (optax.add_decayed_weights)
/// θₜ ← θₜ₋₁ + (−learningRate) · u;   g_prev ← g
/// ```
///
/// Paper: Xie et al., "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep
/// Models" (IEEE TPAMI 2024, arXiv:2208.06677), Algorithm 1.
///
/// Reference: `optax.adan` (Optax 0.2.8: `scale_by_adan`, `add_decayed_weights`,
/// `scale_by_learning_rate`). Defaults as Optax: beta1 0.98, beta2 0.92, beta3 0.99,
/// epsilon 1e-8, epsilonRoot 1e-8, weightDecay 0; Optax has no default learning rate, Descent's
/// is 1e-3.
///
/// Deviations: none (Optax's `mask` is `--no-decay-on`). Optax's β's weight the new value by
/// 1 − β, as Descent's do; the paper writes the same recursions with β ↔ 1 − β.
///
/// State: the step count, m, v, n and g_prev per parameter. 8-bit state (`stateBits=8`): m, v and
/// g_prev (signed map) and n (unsigned map) of large float32 parameters, stepped by the 32-bit
/// kernel on dequantized blocks.
public struct Adan: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var beta3: Double
  public var epsilon: Double
  public var epsilonRoot: Double
  public var weightDecay: Double
  /// 32-bit or 8-bit block-wise m, v, n and g_prev (see ``StateStorage``).
  public var stateStorage: StateStorage

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    /// v, the moving average of gradient differences.
    public var expAvgDiff: ParameterTree
    /// n, the moving average of the squared Nesterov-corrected gradient.
    public var expAvgSq: ParameterTree
    public var previousGradient: ParameterTree
    /// m, v, n and g_prev of the parameters with 8-bit state (whose paths the trees above omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.98, beta2: Double = 0.92,
    beta3: Double = 0.99, epsilon: Double = 1e-8, epsilonRoot: Double = 1e-8,
    weightDecay: Double = 0, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.beta3 = beta3
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
    self.weightDecay = weightDecay
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Adan>(
    name: "adan",
    summary: "adaptive Nesterov momentum from averages of g, of g − g_prev and of the squared sum",
    paper:
      "Xie et al., Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models, IEEE TPAMI 2024, arXiv:2208.06677",
    reference: "optax.adan (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the gradient average m"),
      .number("beta2", \.beta2, .unitInterval, "decay of the gradient-difference average v"),
      .number("beta3", \.beta3, .unitInterval, "decay of the squared average n"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √(n̂ + epsilonRoot)"),
      .number("epsilonRoot", \.epsilonRoot, .nonNegative, "added to n̂ inside the root"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "decoupled: weightDecay·θ added to the update before it is scaled by −learningRate"),
    ], stateStorage: \.stateStorage
  ) { try Adan() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage,
      maps: [.dynamicSigned, .dynamicSigned, .dynamicUnsigned, .dynamicSigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, expAvg: zerosLike(full), expAvgDiff: zerosLike(full), expAvgSq: zerosLike(full),
      previousGradient: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let firstStep = state.step == 0
    state.step += 1
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, beta3: beta3, epsilon: epsilon, epsilonRoot: epsilonRoot,
      weightDecay: weightDecay, firstStep: firstStep,
      biasCorrection1: 1 - integerPower(beta1, state.step),
      biasCorrection2: 1 - integerPower(beta2, state.step),
      biasCorrection3: 1 - integerPower(beta3, state.step),
      negativeLearningRate: -learningRate.value(atStep: context.step - 1))
    var buffers = [state.expAvg, state.expAvgDiff, state.expAvgSq, state.previousGradient]
    state.expAvg = ParameterTree()
    state.expAvgDiff = ParameterTree()
    state.expAvgSq = ParameterTree()
    state.previousGradient = ParameterTree()
    fusedStepWithQuantizedState(
      name: "adan", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "adan", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "adan", p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.expAvgDiff = buffers[1]
    state.expAvgSq = buffers[2]
    state.previousGradient = buffers[3]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, beta3, epsilon, epsilonRoot, weightDecay: Double
    let firstStep: Bool
    let biasCorrection1, biasCorrection2, biasCorrection3, negativeLearningRate: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (m, v, n, previous) = (b.state[0], b.state[1], b.state[2], b.state[3])
      let (w1, b1, w2, b2, w3, b3) = (
        T(1 - beta1), T(beta1), T(1 - beta2), T(beta2), T(1 - beta3), T(beta3)
      )
      let (eps, epsRoot, wd, negLR) = (
        T(epsilon), T(epsilonRoot), T(weightDecay), T(negativeLearningRate)
      )
      let (bc1, bc2, bc3) = (T(biasCorrection1), T(biasCorrection2), T(biasCorrection3))
      let decays = weightDecay != 0
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        let d = firstStep ? T(0) : g - previous[i]
        previous[i] = g
        let mNew = w1 * g + b1 * m[i]
        m[i] = mNew
        let vNew = w2 * d + b2 * v[i]
        v[i] = vNew
        let sq = g + w2 * d
        let nNew = w3 * (sq * sq) + b3 * n[i]
        n[i] = nNew
        var u =
          (mNew / bc1 + w2 * (vNew / bc2)) / ((nNew / bc3 + epsRoot).vectorizableSquareRoot + eps)
        if decays { u = u + wd * p }
        b.store(p + negLR * u, at: i)
      }
    }
  }
}
