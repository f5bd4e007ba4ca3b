import CDescentKernels
import Descent
import Foundation

/// diffGrad: Adam whose first moment is damped by a friction coefficient ξ that grows with the
/// change of the gradient, step for step as torch-optimizer 0.3.0's `DiffGrad` (the corrected
/// `diffGrad_v2` of the paper's code).
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// m ← β1 · m + (1 − β1) · g
/// v ← β2 · v + (1 − β2) · g²
/// ξ ← 1 / (1 + exp(−|g_prev − g|))          ∈ [0.5, 1); g_prev₀ = 0, so ξ₁ = σ(|g₁|)
/// g_prev ← g                                (a copy, weight decay included)
/// θₜ ← θₜ₋₁ − learningRate · √(1 − β2ᵗ) / (1 − β1ᵗ) · ξ · m / (√v + ε)
/// ```
///
/// Paper: Dubey, Chakraborty, Roy, Mukherjee, Singh & Chaudhuri, "diffGrad: An Optimization
/// Method for Convolutional Neural Networks" (IEEE TNNLS 2019, arXiv:1909.11015). Code:
/// shivram1987/diffGrad `diffGrad_v2.py`.
///
/// Defaults (torch-optimizer 0.3.0): learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8,
/// weightDecay 0 (coupled L2), maximize false.
///
/// Deviations and notes:
/// - ε is added to the raw √v with √(1 − β2ᵗ) folded into the step size, as in torch-optimizer
///   and `diffGrad_v2.py`. Written with the bias-corrected v̂ = v/(1 − β2ᵗ) this is
///   `ξ · m̂ / (√v̂ + ε/√(1 − β2ᵗ))`: the paper's analytic notebook divides by `√v̂ + ε`, which differs
///   only through ε (a relative change below ε/√v̂ per step).
/// - g_prev is a copy of the gradient. The paper's first published `diffGrad.py` kept a reference
///   to the gradient buffer that `zero_grad` then cleared in place, so its ξ stayed 0.5 (Adam at
///   half the step size); that is not reproduced.
/// - float32 computes `exp` with a vectorizable polynomial within 1 ulp of libm's (float64 uses
///   libm, as PyTorch does), so float32 steps may differ from torch-optimizer's in the last bit.
/// - `maximize` is an addition (torch-optimizer has none): the gradient is negated first.
/// - torch-optimizer rejects learningRate = 0 (`lr <= 0`); here 0 is allowed, as in torch.optim.
///
/// 8-bit state (`stateStorage: .eightBit()`, ``StateStorage``): m (signed map), v (unsigned map)
/// and g_prev (signed map) of large float32 parameters are kept block-wise quantized; each step
/// dequantizes, updates and requantizes them in one pass per block, and the parameter update uses
/// the unrounded new m and v and the exact current gradient.
///
/// State: the step count, m, v and g_prev per parameter.
public struct DiffGrad: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var maximize: Bool
  /// 32-bit or 8-bit block-wise m, v and g_prev (see ``StateStorage``).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    public var previousGradient: ParameterTree
    /// m, v and g_prev kept in 8 bits (whose paths the three trees then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0, maximize: Bool = false,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.maximize = maximize
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<DiffGrad>(
    name: "diffgrad", summary: "Adam with friction ξ = sigmoid(|g_prev − g|) on the first moment",
    paper:
      "Dubey et al., diffGrad: An Optimization Method for Convolutional Neural Networks, IEEE TNNLS 2019, arXiv:1909.11015",
    reference: "torch_optimizer.DiffGrad (torch-optimizer 0.3.0; the paper's diffGrad_v2)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number(
        "epsilon", \.epsilon, .nonNegative, "added to the raw √v (torch-optimizer's placement)"),
      .coupledWeightDecay(\.weightDecay),
      .maximize(\.maximize),
    ], stateStorage: \.stateStorage
  ) { try DiffGrad() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage,
      maps: [.dynamicSigned, .dynamicUnsigned, .dynamicSigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, expAvg: zerosLike(full), expAvgSq: zerosLike(full),
      previousGradient: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = Double(state.step)
    let lr = learningRate.value(atStep: context.step - 1)
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, maximize: maximize,
      stepSize: lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t)))
    var buffers = [state.expAvg, state.expAvgSq, state.previousGradient]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    state.previousGradient = ParameterTree()
    fusedStepWithQuantizedState(
      name: "diffgrad", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "diffgrad", into: &target, mode: mode, gradients: gradients,
          state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in kernel.bind8bit(p, g, n, &quantized) })
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
    state.previousGradient = buffers[2]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, epsilon, weightDecay: Double
    let maximize: Bool
    let stepSize: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let previous = b.state[2]
      let b1 = T(beta1)
      let w1 = T(1 - beta1)
      let b2 = T(beta2)
      let w2 = T(1 - beta2)
      let eps = T(epsilon)
      let wd = T(weightDecay)
      let negStep = T(-stepSize)
      if let c = b.inPlaceFloat32(range), weightDecay == 0, !maximize {
        descent_diffgrad_step_f32(
          c.parameter, c.gradient, c.state(0), c.state(1), c.state(2), c.count, Float(beta1),
          Float(1 - beta1), Float(beta2), Float(1 - beta2), Float(epsilon), Float(-stepSize))
        return
      }
      if b.parameterIsOutput && weightDecay == 0 && !maximize {
        // In place, no decay: a branch-free loop that vectorizes (for float32, whose exp is
        // vectorizable; see `vectorizableExp`).
        let out = b.output
        let gradient = b.gradient
        for i in range {
          let g = gradient[i]
          let mNew = m[i] * b1 + w1 * g
          m[i] = mNew
          let vNew = v[i] * b2 + w2 * g * g
          v[i] = vNew
          let friction = 1 / (1 + T.vectorizableExp(-abs(previous[i] - g)))
          previous[i] = g
          out[i] = out[i] + negStep * (mNew * friction) / (vNew.vectorizableSquareRoot + eps)
        }
        return
      }
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        let mNew = m[i] * b1 + w1 * g
        m[i] = mNew
        let vNew = v[i] * b2 + w2 * g * g
        v[i] = vNew
        let denom = vNew.vectorizableSquareRoot + eps
        let friction = 1 / (1 + T.vectorizableExp(-abs(previous[i] - g)))
        previous[i] = g
        b.store(p + negStep * (mNew * friction) / denom, at: i)
      }
    }
  }
}
