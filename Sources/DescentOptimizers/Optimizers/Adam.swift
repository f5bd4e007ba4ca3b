import CDescentKernels
import Descent
import Foundation

/// Adam with coupled (L2) weight decay and the AMSGrad variant, step for step as PyTorch's
/// `torch.optim.Adam`.
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// m ← m + (1 − β1)(g − m)                   (torch's lerp)
/// v ← β2 · v + (1 − β2) · g²
/// v̂max ← max(v̂max, v)                       (amsgrad; v̂max replaces v below)
/// denom ← √v / √(1 − β2ᵗ) + ε
/// θₜ ← θₜ₋₁ − learningRate / (1 − β1ᵗ) · m / denom
/// ```
///
/// Paper: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015, arXiv:1412.6980);
/// AMSGrad: Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018).
///
/// Defaults (PyTorch 2.13): learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8,
/// weightDecay 0, amsgrad false, maximize false. For decoupled decay use ``AdamW``.
///
/// Deviations: none (ε outside the root, bias corrections as in PyTorch's single-tensor path).
///
/// State: the step count, m and v per parameter, and v̂max when amsgrad (else empty).
///
/// 8-bit state (`stateStorage: .eightBit()`, ``StateStorage``): m and v of large float32
/// parameters are kept block-wise quantized (bitsandbytes' `Adam8bit`); each step dequantizes,
/// updates and requantizes them in one pass per block, and the parameter update uses the
/// unrounded new m and v. Unlike bitsandbytes' `Adam8bit`, whose weight decay is always
/// decoupled, ``Adam`` keeps its coupled decay with 8-bit state. Not combinable with amsgrad.
public struct Adam: FusedOptimizer, CataloguedOptimizer, AdamFamily {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var amsgrad: Bool
  public var maximize: Bool
  /// Decoupled (AdamW) rather than coupled (L2) weight decay.
  var decoupledWeightDecay = false
  /// 32-bit or 8-bit block-wise state (see ``StateStorage``).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    public var maxExpAvgSq: ParameterTree
    /// m and v of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false,
    maximize: Bool = false, stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.init(
      unchecked: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
      weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize, decoupled: false,
      stateStorage: stateStorage)
    try validate()
  }

  /// The values as given; the caller validates (``AdamW`` with its own name).
  init(
    unchecked learningRate: Hyperparameter, beta1: Double, beta2: Double, epsilon: Double,
    weightDecay: Double, amsgrad: Bool, maximize: Bool, decoupled: Bool,
    stateStorage: StateStorage
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.amsgrad = amsgrad
    self.maximize = maximize
    self.decoupledWeightDecay = decoupled
    self.stateStorage = stateStorage
  }

  public static let catalogueEntry = OptimizerDescription<Adam>(
    name: "adam",
    summary: "bias-corrected first and second moment estimates (coupled L2 weight decay)",
    paper:
      "Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015, arXiv:1412.6980; AMSGrad: Reddi et al., ICLR 2018",
    reference: "torch.optim.Adam (PyTorch 2.13)",
    hyperparameters: hyperparameters(weightDecay: .coupledWeightDecay(\.weightDecay)),
    stateStorage: \.stateStorage,
    aliases: [
      .init(
        name: "adam8bit", summary: "adam with 8-bit block-wise quantized m and v (stateBits=8)",
        paper: "Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015, arXiv:1412.6980; AMSGrad: Reddi et al., ICLR 2018; "
          + eightBitPaper,
        reference: "bitsandbytes.optim.Adam8bit (0.50.2) quantization; torch.optim.Adam update",
        defaults: ["stateBits": .number(8)])
    ]
  ) { try Adam() }

  /// Dettmers et al.'s paper, for the 8-bit aliases.
  static let eightBitPaper =
    "Dettmers et al., 8-bit Optimizers via Block-wise Quantization, ICLR 2022, arXiv:2110.02861"

  /// Adam's and AdamW's hyperparameters (they differ in the weight decay's meaning).
  static func hyperparameters<O>(
    weightDecay: HyperparameterDeclaration<O>
  ) -> [HyperparameterDeclaration<O>]
  where O: CataloguedOptimizer & AdamFamily {
    [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the bias-corrected √v"),
      weightDecay,
      .flag("amsgrad", \.amsgrad, "use the running maximum of the second moment (AMSGrad)"),
      .maximize(\.maximize),
    ]
  }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    try Self.checkStateStorage(amsgrad: amsgrad, stateStorage: stateStorage, in: "adam")
  }

  static func checkStateStorage(amsgrad: Bool, stateStorage: StateStorage, in name: String) throws
  {
    try Validate.check(
      !(amsgrad && stateStorage.bits == 8), in: name,
      "amsgrad is not available with stateBits=8: use 32-bit state or turn amsgrad off")
  }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(
      step: 0, expAvg: zerosLike(full), expAvgSq: zerosLike(full),
      maxExpAvgSq: amsgrad ? zerosLike(full) : ParameterTree(), quantized: quantized)
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
      learningRate: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
      decoupled: decoupledWeightDecay, maximize: maximize,
      stepSize: lr / (1 - pow(beta1, t)), biasCorrection2Sqrt: pow(1 - pow(beta2, t), 0.5))
    var buffers = [state.expAvg, state.expAvgSq] + (amsgrad ? [state.maxExpAvgSq] : [])
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    state.maxExpAvgSq = ParameterTree()
    let name = decoupledWeightDecay ? "adamw" : "adam"
    fusedStepWithQuantizedState(
      name: name, into: &target, mode: mode, gradients: gradients, fullPrecisionState: &buffers,
      quantized: &state.quantized,
      fullPrecisionStep: { target, mode, gradients, buffers in
        runFusedKernel(
          kernel, name: name, into: &target, mode: mode, gradients: gradients, state: &buffers)
      },
      quantizedStep: { p, g, n, quantized in
        kernel.bind8bit(p, g, n, &quantized)
      })
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
    if amsgrad { state.maxExpAvgSq = buffers[2] }
  }

  struct Kernel: FusedKernel {
    let learningRate, beta1, beta2, epsilon, weightDecay: Double
    let decoupled, maximize: Bool
    let stepSize, biasCorrection2Sqrt: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let vMax = b.state.count > 2 ? b.state[2] : nil
      let wd = T(weightDecay)
      let decay = T(1 - learningRate * weightDecay)
      let w1 = T(1 - beta1)
      let oneMinusW1 = T(1) - w1
      let lerpLow = 1 - beta1 < 0.5
      let b2 = T(beta2)
      let w2 = T(1 - beta2)
      let bc2 = T(biasCorrection2Sqrt)
      let eps = T(epsilon)
      let negStep = T(-stepSize)
      if let c = b.inPlaceFloat32(range), !maximize, weightDecay == 0 || decoupled, lerpLow {
        // In place, float32, with or without AMSGrad: the C kernel, the same bits as below.
        descent_adam_step_f32(
          c.parameter, c.gradient, c.state(0), c.state(1), vMax == nil ? nil : c.state(2), c.count,
          Float(1 - beta1), Float(beta2), Float(1 - beta2), Float(biasCorrection2Sqrt),
          Float(epsilon), Float(-stepSize), Float(1 - learningRate * weightDecay))
        return
      }
      if b.parameterIsOutput && vMax == nil && !maximize && (weightDecay == 0 || decoupled)
        && lerpLow
      {
        // In place, no AMSGrad, no coupled decay: one branch-free loop over four buffers.
        // (θ · 1 is exact, so the decay factor costs nothing when weightDecay = 0.)
        let out = b.output
        let gradient = b.gradient
        for i in range {
          let g = gradient[i]
          let mi = m[i]
          let mNew = mi + w1 * (g - mi)
          m[i] = mNew
          let vNew = v[i] * b2 + w2 * g * g
          v[i] = vNew
          out[i] = out[i] * decay + negStep * mNew / (vNew.vectorizableSquareRoot / bc2 + eps)
        }
        return
      }
      for i in range {
        var p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 {
          if decoupled { p = p * decay } else { g = g + wd * p }
        }
        let mi = m[i]
        let mNew = lerpLow ? mi + w1 * (g - mi) : g - (g - mi) * oneMinusW1
        m[i] = mNew
        let vNew = v[i] * b2 + w2 * g * g
        v[i] = vNew
        var second = vNew
        if let vMax {
          second = Swift.max(vMax[i], vNew)
          vMax[i] = second
        }
        let denom = second.vectorizableSquareRoot / bc2 + eps
        b.store(p + negStep * mNew / denom, at: i)
      }
    }
  }
}

/// The properties Adam and AdamW share, so their hyperparameter declarations are written once.
protocol AdamFamily {
  var learningRate: Hyperparameter { get set }
  var beta1: Double { get set }
  var beta2: Double { get set }
  var epsilon: Double { get set }
  var weightDecay: Double { get set }
  var amsgrad: Bool { get set }
  var maximize: Bool { get set }
}
