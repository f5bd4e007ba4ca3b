import Descent
import Foundation

/// Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm,
/// step for step as PyTorch's `torch.optim.Adamax` (single-tensor path).
///
/// ```
/// g ← ∇f(θₜ₋₁)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// m ← m + (1 − β1)(g − m)                          (torch's lerp)
/// u ← max(β2 · u, |g| + ε)
/// θₜ ← θₜ₋₁ + (−learningRate / (1 − β1ᵗ)) · m / u
/// ```
///
/// Paper: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015,
/// arXiv:1412.6980), section 7.1.
///
/// Reference: `torch.optim.Adamax` (PyTorch 2.13). Defaults as torch: learningRate 2e-3,
/// beta1 0.9, beta2 0.999, epsilon 1e-8, weightDecay 0 (coupled, L2).
///
/// Deviations: none (torch's `maximize`, `foreach`, `capturable` are not offered; a NaN gradient
/// propagates as through torch's `maximum`).
///
/// State: the step count, m and u per parameter. 8-bit state (`stateBits=8`): m (signed map)
/// and u (unsigned map) of large float32 parameters, stepped by the 32-bit kernel on dequantized
/// blocks.
public struct Adamax: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  /// 32-bit or 8-bit block-wise m and u (see ``StateStorage``).
  public var stateStorage: StateStorage

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    /// u, the exponentially weighted infinity norm (torch's `exp_inf`).
    public var expInf: ParameterTree
    /// m and u of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Adamax>(
    name: "adamax", summary: "Adam with an exponentially weighted infinity norm for the scale",
    paper:
      "Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015, arXiv:1412.6980 (section 7.1)",
    reference: "torch.optim.Adamax (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the infinity norm"),
      .number("epsilon", \.epsilon, .nonNegative, "added to |g| before the maximum"),
      .coupledWeightDecay(\.weightDecay),
    ], stateStorage: \.stateStorage
  ) { try Adamax() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(step: 0, expAvg: zerosLike(full), expInf: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let lr = learningRate.value(atStep: context.step - 1)
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
      negativeStep: -(lr / (1 - pow(beta1, Double(state.step)))))
    var buffers = [state.expAvg, state.expInf]
    state.expAvg = ParameterTree()
    state.expInf = ParameterTree()
    fusedStepWithQuantizedState(
      name: "adamax", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "adamax", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bitThroughKernel(name: "adamax", p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.expInf = buffers[1]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, epsilon, weightDecay, negativeStep: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let u = b.state[1]
      let coupled = weightDecay != 0
      let wd = T(weightDecay)
      let w1 = T(1 - beta1)
      let oneMinusW1 = T(1) - w1
      let lerpLow = 1 - beta1 < 0.5
      let (b2, eps, negStep) = (T(beta2), T(epsilon), T(negativeStep))
      for i in range {
        let p = b.parameter[i]
        var g = b.gradient[i]
        if coupled { g = g + wd * p }
        let mi = m[i]
        let mNew = lerpLow ? mi + w1 * (g - mi) : g - (g - mi) * oneMinusW1
        m[i] = mNew
        // torch.maximum: NaN when either side is NaN (a NaN `floor` fails the comparison).
        let decayed = u[i] * b2
        let floor = g.magnitude + eps
        let uNew = decayed > floor || decayed.isNaN ? decayed : floor
        u[i] = uNew
        b.store(p + negStep * mNew / uNew, at: i)
      }
    }
  }
}
