import CDescentKernels
import Descent

/// AdaDelta, step for step as PyTorch's `torch.optim.Adadelta`.
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// v ← ρ · v + (1 − ρ) · g²
/// Δ ← √(u + ε) / √(v + ε) · g
/// u ← ρ · u + (1 − ρ) · Δ²
/// θₜ ← θₜ₋₁ − learningRate · Δ
/// ```
///
/// Paper: Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (2012, arXiv:1212.5701).
///
/// Defaults (PyTorch 2.13): learningRate 1.0, rho 0.9, epsilon 1e-6, weightDecay 0,
/// maximize false.
///
/// Deviations: none. (The paper has no learning rate; PyTorch's `lr` scales Δ.)
///
/// 8-bit state (`stateStorage: .eightBit()`, ``StateStorage``): v and u of large float32
/// parameters are kept block-wise quantized (both with the unsigned map); each step dequantizes,
/// updates and requantizes them in one pass per block, and the parameter update uses the
/// unrounded new v.
///
/// State: the step count, the running averages v (squared gradients) and u (squared updates).
public struct Adadelta: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var rho: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var maximize: Bool
  /// 32-bit or 8-bit block-wise v and u (see ``StateStorage``).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var squareAverage: ParameterTree
    public var accumulatedDelta: ParameterTree
    /// v and u kept in 8 bits (whose paths the two trees then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1.0, rho: Double = 0.9, epsilon: Double = 1e-6,
    weightDecay: Double = 0, maximize: Bool = false, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.rho = rho
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.maximize = maximize
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Adadelta>(
    name: "adadelta",
    summary: "step sizes from running averages of squared gradients and squared updates",
    paper: "Zeiler, ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701, 2012",
    reference: "torch.optim.Adadelta (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate, "scale of the AdaDelta update"),
      .number("rho", \.rho, .closedUnitInterval, "decay of the running averages"),
      .number("epsilon", \.epsilon, .nonNegative, "added inside both square roots"),
      .coupledWeightDecay(\.weightDecay),
      .maximize(\.maximize),
    ], stateStorage: \.stateStorage
  ) { try Adadelta() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicUnsigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, squareAverage: zerosLike(full), accumulatedDelta: zerosLike(full),
      quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), rho: rho, epsilon: epsilon,
      weightDecay: weightDecay, maximize: maximize)
    var buffers = [state.squareAverage, state.accumulatedDelta]
    state.squareAverage = ParameterTree()
    state.accumulatedDelta = ParameterTree()
    fusedStepWithQuantizedState(
      name: "adadelta", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "adadelta", into: &target, mode: mode, gradients: gradients,
          state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in kernel.bind8bit(p, g, n, &quantized) })
    state.squareAverage = buffers[0]
    state.accumulatedDelta = buffers[1]
  }

  struct Kernel: FusedKernel {
    let learningRate, rho, epsilon, weightDecay: Double
    let maximize: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let v = b.state[0]
      let u = b.state[1]
      let r = T(rho)
      let w = T(1 - rho)
      let eps = T(epsilon)
      let wd = T(weightDecay)
      let negLR = T(-learningRate)
      if let c = b.inPlaceFloat32(range), weightDecay == 0, !maximize {
        descent_adadelta_step_f32(
          c.parameter, c.gradient, c.state(0), c.state(1), c.count, Float(rho), Float(1 - rho),
          Float(epsilon), Float(-learningRate))
        return
      }
      if b.parameterIsOutput && weightDecay == 0 && !maximize {
        // In place, no decay: a branch-free loop that vectorizes.
        let out = b.output
        let gradient = b.gradient
        for i in range {
          let g = gradient[i]
          let vNew = v[i] * r + w * g * g
          v[i] = vNew
          let delta = (u[i] + eps).vectorizableSquareRoot / (vNew + eps).vectorizableSquareRoot * g
          u[i] = u[i] * r + w * delta * delta
          out[i] = out[i] + negLR * delta
        }
        return
      }
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        let vNew = v[i] * r + w * g * g
        v[i] = vNew
        let std = (vNew + eps).vectorizableSquareRoot
        let delta = (u[i] + eps).vectorizableSquareRoot / std * g
        u[i] = u[i] * r + w * delta * delta
        b.store(p + negLR * delta, at: i)
      }
    }
  }
}
