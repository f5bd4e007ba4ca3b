import CDescentKernels
import Descent

/// AdaGrad, step for step as PyTorch's `torch.optim.Adagrad`.
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// η ← learningRate / (1 + (t − 1) · lrDecay)
/// s ← s + g²                                (s₀ = initialAccumulatorValue)
/// θₜ ← θₜ₋₁ − η · g / (√s + ε)
/// ```
///
/// Paper: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
/// Optimization" (JMLR 2011).
///
/// Defaults (PyTorch 2.13): learningRate 1e-2, lrDecay 0, weightDecay 0,
/// initialAccumulatorValue 0, epsilon 1e-10, maximize false.
///
/// Deviations: none.
///
/// State: the step count and the sum of squares s per parameter.
public struct Adagrad: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var lrDecay: Double
  public var weightDecay: Double
  public var initialAccumulatorValue: Double
  public var epsilon: Double
  public var maximize: Bool
  /// 32-bit or 8-bit block-wise sum of squares (see ``StateStorage``; unsigned dynamic map).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var sum: ParameterTree
    /// The sums kept in 8 bits (whose paths `sum` then omits).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
    initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10, maximize: Bool = false,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.lrDecay = lrDecay
    self.weightDecay = weightDecay
    self.initialAccumulatorValue = initialAccumulatorValue
    self.epsilon = epsilon
    self.maximize = maximize
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Adagrad>(
    name: "adagrad", summary: "per-coordinate step sizes from the sum of squared gradients",
    paper:
      "Duchi, Hazan & Singer, Adaptive Subgradient Methods for Online Learning and Stochastic Optimization, JMLR 2011",
    reference: "torch.optim.Adagrad (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("lrDecay", \.lrDecay, .nonNegative, "learning-rate decay: η/(1 + (t−1)·lrDecay)"),
      .coupledWeightDecay(\.weightDecay),
      .number(
        "initialAccumulatorValue", \.initialAccumulatorValue, .nonNegative,
        "initial value of the sum of squares"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √sum"),
      .maximize(\.maximize),
    ], stateStorage: \.stateStorage
  ) { try Adagrad() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicUnsigned],
      initialValue: initialAccumulatorValue)
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(step: 0, sum: filledLike(full, initialAccumulatorValue), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let lr = learningRate.value(atStep: context.step - 1)
    let kernel = Kernel(
      stepSize: lr / (1 + Double(state.step - 1) * lrDecay), weightDecay: weightDecay,
      epsilon: epsilon, maximize: maximize)
    var buffers = [state.sum]
    state.sum = ParameterTree()
    let eightBit = OneStateEightBitStep(
      kind: Int32(DESCENT_Q8_ADAGRAD), negLR: Float(-kernel.stepSize), mu: 0, keep: 0,
      eps: Float(epsilon), firstStep: false, nesterov: false, maximize: maximize,
      weightDecay: weightDecay)
    fusedStepWithQuantizedState(
      name: "adagrad", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "adagrad", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in eightBit.bind(p, g, n, &quantized) })
    state.sum = buffers[0]
  }

  struct Kernel: FusedKernel {
    let stepSize, weightDecay, epsilon: Double
    let maximize: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let sum = b.state[0]
      let wd = T(weightDecay)
      let eps = T(epsilon)
      let negStep = T(-stepSize)
      if let c = b.inPlaceFloat32(range), weightDecay == 0, !maximize {
        descent_adagrad_step_f32(
          c.parameter, c.gradient, c.state(0), c.count, Float(-stepSize), Float(epsilon))
        return
      }
      if b.parameterIsOutput && weightDecay == 0 && !maximize {
        // In place, no decay: a branch-free loop that vectorizes.
        let out = b.output
        let gradient = b.gradient
        for i in range {
          let g = gradient[i]
          let s = sum[i] + g * g
          sum[i] = s
          out[i] = out[i] + negStep * g / (s.vectorizableSquareRoot + eps)
        }
        return
      }
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        let s = sum[i] + g * g
        sum[i] = s
        b.store(p + negStep * g / (s.vectorizableSquareRoot + eps), at: i)
      }
    }
  }
}
