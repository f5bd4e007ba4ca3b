import Descent
import Foundation

/// RAdam: Adam with its adaptive step rectified by the variance of the adaptive learning rate,
/// step for step as PyTorch's `torch.optim.RAdam` (single-tensor path).
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// if weightDecay ≠ 0:  decoupled: θₜ₋₁ ← θₜ₋₁ · (1 − learningRate · weightDecay)
///                      else:      g ← g + weightDecay · θₜ₋₁
/// m ← m + (1 − β1)(g − m)                          (torch's lerp)
/// v ← β2 · v + (1 − β2) · g²
/// ρ∞ = 2 / (1 − β2) − 1,   ρₜ = ρ∞ − 2t β2ᵗ / (1 − β2ᵗ)
/// m̂ = m / (1 − β1ᵗ)
/// if ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρₜ))
///             θₜ ← θₜ₋₁ − m̂ · learningRate · (1 / (√v + ε)) · √(1 − β2ᵗ) · r
/// else:       θₜ ← θₜ₋₁ − m̂ · learningRate                  (SGD with momentum)
/// ```
/// (`(1 / (√v + ε)) · √(1 − β2ᵗ)` is how torch evaluates the scalar-over-tensor
/// `√(1 − β2ᵗ) / (√v + ε)`: a reciprocal, then a product.)
///
/// Paper: Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond" (ICLR 2020,
/// arXiv:1908.03265); decoupled decay as Loshchilov & Hutter's AdamW.
///
/// Reference: `torch.optim.RAdam` (PyTorch 2.13). Defaults as torch: learningRate 1e-3,
/// beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0, decoupledWeightDecay false.
///
/// Deviations: none (torch's `maximize`, `foreach`, `capturable` are not offered).
///
/// State: the step count, m and v per parameter. 8-bit state (`stateBits=8`): m (signed map) and
/// v (unsigned map) of large float32 parameters, stepped by the 32-bit kernel on dequantized
/// blocks.
public struct RAdam: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var decoupledWeightDecay: Bool
  /// 32-bit or 8-bit block-wise m and v (see ``StateStorage``).
  public var stateStorage: StateStorage

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    /// m and v of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0, decoupledWeightDecay: Bool = false,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.decoupledWeightDecay = decoupledWeightDecay
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<RAdam>(
    name: "radam",
    summary: "Adam rectified by the variance of its adaptive rate (SGD-momentum while ρₜ ≤ 5)",
    paper:
      "Liu et al., On the Variance of the Adaptive Learning Rate and Beyond, ICLR 2020, arXiv:1908.03265",
    reference: "torch.optim.RAdam (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the raw √v"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "L2 penalty added to the gradient, or decoupled with decoupledWeightDecay"),
      .flag(
        "decoupledWeightDecay", \.decoupledWeightDecay,
        "decay θ by 1 − learningRate·weightDecay instead of adding to the gradient"),
    ], stateStorage: \.stateStorage
  ) { try RAdam() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, expAvg: zerosLike(full), expAvgSq: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = Double(state.step)
    let lr = learningRate.value(atStep: context.step - 1)
    let biasCorrection2 = 1 - pow(beta2, t)
    let rhoInfinity = 2 / (1 - beta2) - 1
    let rho = rhoInfinity - 2 * t * pow(beta2, t) / biasCorrection2
    let rectification =
      rho > 5
      ? pow(
        (rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho), 0.5)
      : nil
    let kernel = Kernel(
      learningRate: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
      decoupled: decoupledWeightDecay, biasCorrection1: 1 - pow(beta1, t),
      biasCorrection2Sqrt: pow(biasCorrection2, 0.5), rectification: rectification)
    var buffers = [state.expAvg, state.expAvgSq]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    fusedStepWithQuantizedState(
      name: "radam", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "radam", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "radam", p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
  }

  struct Kernel: FusedKernel {
    let learningRate, beta1, beta2, epsilon, weightDecay: Double
    let decoupled: Bool
    let biasCorrection1, biasCorrection2Sqrt: Double
    /// r when ρₜ > 5 (the adaptive step), nil for the un-adapted momentum step.
    let rectification: Double?

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let coupled = weightDecay != 0 && !decoupled
      let decays = weightDecay != 0 && decoupled
      let wd = T(weightDecay)
      let decay = T(1 - learningRate * weightDecay)
      let w1 = T(1 - beta1)
      let oneMinusW1 = T(1) - w1
      let lerpLow = 1 - beta1 < 0.5
      let (b2, w2, eps) = (T(beta2), T(1 - beta2), T(epsilon))
      let (lr, bc1, bc2Sqrt) = (T(learningRate), T(biasCorrection1), T(biasCorrection2Sqrt))
      let rect = T(rectification ?? 1)
      let adaptive = rectification != nil
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
        var step = mNew / bc1 * lr
        if adaptive {
          step = step * (T(1) / (vNew.vectorizableSquareRoot + eps) * bc2Sqrt) * rect
        }
        b.store(p - step, at: i)
      }
    }
  }
}
