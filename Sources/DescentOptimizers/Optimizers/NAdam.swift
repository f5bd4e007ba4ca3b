import Descent
import Foundation

/// NAdam: Adam with Nesterov momentum and a momentum schedule, step for step as PyTorch's
/// `torch.optim.NAdam` (single-tensor path).
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// if weightDecay ≠ 0:  decoupled: θₜ₋₁ ← θₜ₋₁ · (1 − learningRate · weightDecay)
///                      else:      g ← g + weightDecay · θₜ₋₁
/// μₜ   = β1 (1 − ½ · 0.96^(t · momentumDecay)),  μₜ₊₁ likewise with t + 1
/// Πₜ   = Πₜ₋₁ · μₜ                                 (Π₀ = 1, the running product)
/// m ← m + (1 − β1)(g − m)                          (torch's lerp)
/// v ← β2 · v + (1 − β2) · g²
/// d ← √(v / (1 − β2ᵗ)) + ε
/// θₜ ← θₜ₋₁ + (−learningRate (1 − μₜ) / (1 − Πₜ)) · g / d
/// θₜ ← θₜ   + (−learningRate μₜ₊₁ / (1 − Πₜ μₜ₊₁)) · m / d
/// ```
///
/// Paper: Dozat, "Incorporating Nesterov Momentum into Adam" (ICLR 2016 workshop); decoupled
/// decay as Loshchilov & Hutter's AdamW (NAdamW).
///
/// Reference: `torch.optim.NAdam` (PyTorch 2.13). Defaults as torch: learningRate 2e-3,
/// beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0, momentumDecay 4e-3,
/// decoupledWeightDecay false.
///
/// Deviations: none (torch's `maximize`, `foreach`, `capturable` are not offered).
///
/// State: the step count, the running product Π (one `Double` per optimizer: torch keeps one per
/// tensor, all equal), m and v per parameter. 8-bit state (`stateBits=8`): m (signed map) and v
/// (unsigned map) of large float32 parameters, stepped by the 32-bit kernel on dequantized blocks.
public struct NAdam: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var momentumDecay: Double
  public var decoupledWeightDecay: Bool
  /// 32-bit or 8-bit block-wise m and v (see ``StateStorage``).
  public var stateStorage: StateStorage

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// Π, the product of the momentum coefficients μ₁ … μₜ.
    public var muProduct: Double
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    /// m and v of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0, momentumDecay: Double = 4e-3,
    decoupledWeightDecay: Bool = false, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.momentumDecay = momentumDecay
    self.decoupledWeightDecay = decoupledWeightDecay
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<NAdam>(
    name: "nadam", summary: "Adam with Nesterov momentum and a momentum-decay schedule",
    paper: "Dozat, Incorporating Nesterov Momentum into Adam, ICLR 2016 workshop",
    reference: "torch.optim.NAdam (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment (β1 of μₜ)"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √(v / (1 − β2ᵗ))"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "L2 penalty added to the gradient, or decoupled with decoupledWeightDecay"),
      .number(
        "momentumDecay", \.momentumDecay, .nonNegative,
        "ψ of the schedule μₜ = β1 (1 − ½ · 0.96^(t·ψ))"),
      .flag(
        "decoupledWeightDecay", \.decoupledWeightDecay,
        "decay θ by 1 − learningRate·weightDecay instead of adding to the gradient (NAdamW)"),
    ], stateStorage: \.stateStorage
  ) { try NAdam() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, muProduct: 1, expAvg: zerosLike(full), expAvgSq: zerosLike(full),
      quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = Double(state.step)
    let lr = learningRate.value(atStep: context.step - 1)
    let mu = beta1 * (1.0 - 0.5 * pow(0.96, t * momentumDecay))
    let muNext = beta1 * (1.0 - 0.5 * pow(0.96, (t + 1) * momentumDecay))
    state.muProduct *= mu
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
      decoupled: decoupledWeightDecay, decay: 1 - lr * weightDecay,
      biasCorrection2: 1 - pow(beta2, t),
      gradientScale: -lr * (1.0 - mu) / (1.0 - state.muProduct),
      momentScale: (-lr * muNext) / (1.0 - state.muProduct * muNext))
    var buffers = [state.expAvg, state.expAvgSq]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    fusedStepWithQuantizedState(
      name: "nadam", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "nadam", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "nadam", p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, epsilon, weightDecay: Double
    let decoupled: Bool
    let decay, biasCorrection2, gradientScale, momentScale: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let coupled = weightDecay != 0 && !decoupled
      let decays = weightDecay != 0 && decoupled
      let wd = T(weightDecay)
      let decay = T(decay)
      let w1 = T(1 - beta1)
      let oneMinusW1 = T(1) - w1
      let lerpLow = 1 - beta1 < 0.5
      let (b2, w2, bc2, eps) = (T(beta2), T(1 - beta2), T(biasCorrection2), T(epsilon))
      let (cg, cm) = (T(gradientScale), T(momentScale))
      for i in range {
        var p = b.parameter[i]
        var g = b.gradient[i]
        if decays { p = p * decay }
        if coupled { g = g + wd * p }
        let mi = m[i]
        let mNew = lerpLow ? mi + w1 * (g - mi) : g - (g - mi) * oneMinusW1
        m[i] = mNew
        let vNew = v[i] * b2 + w2 * g * g
        v[i] = vNew
        let denom = (vNew / bc2).vectorizableSquareRoot + eps
        p = p + cg * g / denom
        b.store(p + cm * mNew / denom, at: i)
      }
    }
  }
}
