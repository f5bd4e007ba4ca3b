import CDescentKernels
import Descent

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and coupled weight
/// decay, step for step as PyTorch's `torch.optim.SGD`.
///
/// ```
/// g ← ∇f(θₜ₋₁)                          (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// if momentum ≠ 0:
///     b ← g                              at t = 1
///     b ← momentum · b + (1 − dampening) · g   for t > 1
///     g ← nesterov ? g + momentum · b : b
/// θₜ ← θₜ₋₁ − learningRate · g
/// ```
///
/// Paper: Robbins & Monro, "A Stochastic Approximation Method" (1951); Nesterov momentum as in
/// Sutskever et al., "On the importance of initialization and momentum in deep learning" (ICML 2013).
///
/// Defaults (PyTorch 2.13): learningRate 1e-3, momentum 0, dampening 0, weightDecay 0,
/// nesterov false, maximize false. Nesterov needs momentum > 0 and dampening 0.
///
/// Deviations: none. The momentum buffer is allocated at initialization (zeros) and overwritten
/// by the first gradient, as PyTorch's lazily created buffer is.
///
/// State: the step count and one momentum buffer per parameter (empty when momentum is 0).
public struct SGD: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var momentum: Double
  public var dampening: Double
  public var weightDecay: Double
  public var nesterov: Bool
  public var maximize: Bool
  /// 32-bit or 8-bit block-wise momentum buffer (see ``StateStorage``; signed dynamic map).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var momentumBuffer: ParameterTree
    /// The momentum buffers kept in 8 bits (whose paths `momentumBuffer` then omits).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, momentum: Double = 0, dampening: Double = 0,
    weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.momentum = momentum
    self.dampening = dampening
    self.weightDecay = weightDecay
    self.nesterov = nesterov
    self.maximize = maximize
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<SGD>(
    name: "sgd", summary: "stochastic gradient descent with momentum, dampening and Nesterov",
    paper:
      "Robbins & Monro, A Stochastic Approximation Method, Ann. Math. Statist. 1951; Nesterov momentum per Sutskever et al., ICML 2013",
    reference: "torch.optim.SGD (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number(
        "momentum", \.momentum, .nonNegative,
        "momentum factor μ of the buffer b ← μ·b + (1−dampening)·g"),
      .number("dampening", \.dampening, .finite, "dampening of the gradient in the momentum buffer"),
      .coupledWeightDecay(\.weightDecay),
      .flag("nesterov", \.nesterov, "Nesterov momentum (needs momentum > 0 and dampening = 0)"),
      .maximize(\.maximize),
    ], stateStorage: \.stateStorage
  ) { try SGD() }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    try Validate.check(
      !nesterov || (momentum > 0 && dampening == 0), in: "sgd",
      "nesterov = true is invalid with momentum = \(Validate.format(momentum)) and dampening = \(Validate.format(dampening)): needs momentum > 0 and dampening = 0"
    )
  }

  public func initialState(for parameters: ParameterTree) -> State {
    guard momentum != 0 else { return State(step: 0, momentumBuffer: ParameterTree()) }
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(step: 0, momentumBuffer: zerosLike(full), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), momentum: momentum,
      dampening: dampening, weightDecay: weightDecay, nesterov: nesterov, maximize: maximize,
      firstStep: state.step == 1)
    var buffers = momentum != 0 ? [state.momentumBuffer] : []
    state.momentumBuffer = ParameterTree()
    let eightBit = OneStateEightBitStep(
      kind: Int32(DESCENT_Q8_SGD_MOMENTUM), negLR: -Float(kernel.learningRate),
      mu: Float(momentum), keep: Float(1 - dampening), eps: 0, firstStep: kernel.firstStep,
      nesterov: nesterov, maximize: maximize, weightDecay: weightDecay)
    fusedStepWithQuantizedState(
      name: "sgd", into: &target, mode: mode, gradients: gradients, fullPrecisionState: &buffers,
      quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "sgd", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in eightBit.bind(p, g, n, &quantized) })
    if momentum != 0 { state.momentumBuffer = buffers[0] }
  }

  struct Kernel: FusedKernel {
    let learningRate, momentum, dampening, weightDecay: Double
    let nesterov, maximize, firstStep: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let lr = T(learningRate)
      let mu = T(momentum)
      let wd = T(weightDecay)
      let keep = T(1 - dampening)
      let buffer = b.state.first
      if let c = b.inPlaceFloat32(range), !maximize, buffer == nil || !firstStep,
        float32DecayIsExact(weightDecay)
      {
        // In place, float32 (after the first step with momentum): the C kernels, the same bits
        // as the general loop below.
        let decay: Int32 = weightDecay != 0 ? 1 : 0
        if buffer == nil {
          descent_sgd_step_f32(
            c.parameter, c.gradient, c.count, -Float(learningRate), decay, Float(weightDecay))
        } else {
          descent_sgd_momentum_step_f32(
            c.parameter, c.gradient, c.state(0), c.count, -Float(learningRate), Float(momentum),
            Float(1 - dampening), nesterov ? 1 : 0, decay, Float(weightDecay))
        }
        return
      }
      if let buffer, b.parameterIsOutput, !firstStep, !nesterov, !maximize {
        // In place with momentum after the first step: branch-free loops that vectorize.
        let out = b.output
        let gradient = b.gradient
        if weightDecay == 0 {
          for i in range {
            let m = buffer[i] * mu + keep * gradient[i]
            buffer[i] = m
            out[i] = out[i] + -lr * m
          }
        } else {
          for i in range {
            let g = gradient[i] + wd * out[i]
            let m = buffer[i] * mu + keep * g
            buffer[i] = m
            out[i] = out[i] + -lr * m
          }
        }
        return
      }
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        if let buffer {
          let m = firstStep ? g : buffer[i] * mu + keep * g
          buffer[i] = m
          g = nesterov ? g + mu * m : m
        }
        b.store(p + -lr * g, at: i)
      }
    }
  }
}
