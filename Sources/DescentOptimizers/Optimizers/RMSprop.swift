import CDescentKernels
import Descent

/// RMSprop with optional centering and momentum, step for step as PyTorch's `torch.optim.RMSprop`.
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// v ← α · v + (1 − α) · g²
/// if centered:  ḡ ← ḡ + (1 − α)(g − ḡ);  d ← √(v − ḡ²) + ε   else  d ← √v + ε
/// if momentum > 0:  b ← momentum · b + g / d;  θₜ ← θₜ₋₁ − learningRate · b
/// else:             θₜ ← θₜ₋₁ − learningRate · g / d
/// ```
///
/// Paper: Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e (2012);
/// the centered form from Graves, "Generating Sequences With Recurrent Neural Networks" (2013,
/// arXiv:1308.0850).
///
/// Defaults (PyTorch 2.13): learningRate 1e-2, alpha 0.99, epsilon 1e-8, weightDecay 0,
/// momentum 0, centered false, maximize false.
///
/// Deviations: none (ε outside the root, as in PyTorch; TensorFlow puts it inside).
///
/// State: the step count, v, and ḡ (centered) and b (momentum) when used (else empty).
public struct RMSprop: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var alpha: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var momentum: Double
  public var centered: Bool
  public var maximize: Bool
  /// 32-bit or 8-bit block-wise square average (see ``StateStorage``; unsigned dynamic map).
  /// 8-bit state is for plain RMSprop only (not centered, no momentum).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var squareAverage: ParameterTree
    public var gradientAverage: ParameterTree
    public var momentumBuffer: ParameterTree
    /// The square averages kept in 8 bits (whose paths `squareAverage` then omits).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
    weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.alpha = alpha
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.momentum = momentum
    self.centered = centered
    self.maximize = maximize
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<RMSprop>(
    name: "rmsprop",
    summary: "gradient divided by a running RMS, optionally centered and with momentum",
    paper:
      "Hinton, Srivastava & Swersky, Neural Networks for Machine Learning, lecture 6e, 2012; centered: Graves, arXiv:1308.0850, 2013",
    reference: "torch.optim.RMSprop (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number(
        "alpha", \.alpha, .closedUnitInterval, "decay of the running average of squared gradients"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the root"),
      .coupledWeightDecay(\.weightDecay),
      .number("momentum", \.momentum, .nonNegative, "momentum factor of the scaled update"),
      .flag(
        "centered", \.centered,
        "subtract the squared running mean of the gradient (variance estimate)"),
      .maximize(\.maximize),
    ], stateStorage: \.stateStorage
  ) { try RMSprop() }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    try Validate.check(
      stateStorage.bits == 32 || (!centered && momentum == 0), in: "rmsprop",
      "stateBits=8 is available for plain RMSprop only: turn centered and momentum off")
  }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, squareAverage: zerosLike(full),
      gradientAverage: centered ? zerosLike(full) : ParameterTree(),
      momentumBuffer: momentum > 0 ? zerosLike(full) : ParameterTree(), quantized: quantized)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), alpha: alpha, epsilon: epsilon,
      weightDecay: weightDecay, momentum: momentum, centered: centered, maximize: maximize)
    // Buffers: v, then ḡ if centered, then b if momentum.
    var buffers = [state.squareAverage]
    if centered { buffers.append(state.gradientAverage) }
    if momentum > 0 { buffers.append(state.momentumBuffer) }
    state.squareAverage = ParameterTree()
    state.gradientAverage = ParameterTree()
    state.momentumBuffer = ParameterTree()
    let eightBit = OneStateEightBitStep(
      kind: Int32(DESCENT_Q8_RMSPROP), negLR: Float(-kernel.learningRate), mu: Float(alpha),
      keep: Float(1 - alpha), eps: Float(epsilon), firstStep: false, nesterov: false,
      maximize: maximize, weightDecay: weightDecay)
    fusedStepWithQuantizedState(
      name: "rmsprop", into: &target, mode: mode, gradients: gradients,
      fullPrecisionState: &buffers, quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: "rmsprop", into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in eightBit.bind(p, g, n, &quantized) })
    state.squareAverage = buffers[0]
    if centered { state.gradientAverage = buffers[1] }
    if momentum > 0 { state.momentumBuffer = buffers[centered ? 2 : 1] }
  }

  struct Kernel: FusedKernel {
    let learningRate, alpha, epsilon, weightDecay, momentum: Double
    let centered, maximize: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let v = b.state[0]
      let gAvg = centered ? b.state[1] : nil
      let buffer = momentum > 0 ? b.state[centered ? 2 : 1] : nil
      let a = T(alpha)
      let w = T(1 - alpha)
      let oneMinusW = T(1) - w
      let lerpLow = 1 - alpha < 0.5
      let eps = T(epsilon)
      let wd = T(weightDecay)
      let mu = T(momentum)
      let negLR = T(-learningRate)
      if let c = b.inPlaceFloat32(range), weightDecay == 0, !maximize {
        // In place, float32, centered or not, with or without momentum: the C kernel, the same
        // bits as the general loop below.
        descent_rmsprop_step_f32(
          c.parameter, c.gradient, c.state(0), centered ? c.state(1) : nil,
          momentum > 0 ? c.state(centered ? 2 : 1) : nil, c.count, Float(alpha), Float(1 - alpha),
          Float(1) - Float(1 - alpha), lerpLow ? 1 : 0, Float(momentum), Float(epsilon),
          Float(-learningRate))
        return
      }
      if b.parameterIsOutput && gAvg == nil && buffer == nil && weightDecay == 0 && !maximize {
        // In place, plain RMSprop: a branch-free loop that vectorizes.
        let out = b.output
        let gradient = b.gradient
        for i in range {
          let g = gradient[i]
          let vNew = v[i] * a + w * g * g
          v[i] = vNew
          out[i] = out[i] + negLR * g / (vNew.vectorizableSquareRoot + eps)
        }
        return
      }
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        let vNew = v[i] * a + w * g * g
        v[i] = vNew
        var avg: T
        if let gAvg {
          let old = gAvg[i]
          let mean = lerpLow ? old + w * (g - old) : g - (g - old) * oneMinusW
          gAvg[i] = mean
          avg = (vNew + T(-1) * mean * mean).vectorizableSquareRoot
        } else {
          avg = vNew.vectorizableSquareRoot
        }
        avg = avg + eps
        if let buffer {
          let m = buffer[i] * mu + g / avg
          buffer[i] = m
          b.store(p + negLR * m, at: i)
        } else {
          b.store(p + negLR * g / avg, at: i)
        }
      }
    }
  }
}
