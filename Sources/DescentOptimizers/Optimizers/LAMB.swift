import Descent
import Foundation

/// LAMB: Adam's direction plus decoupled weight decay, rescaled per tensor by the trust ratio
/// ‖θ‖/‖u‖ so that every layer moves by the same fraction of its norm. Step for step as Optax's
/// `optax.lamb` (`scale_by_adam`, `add_decayed_weights`, `scale_by_trust_ratio`,
/// `scale_by_learning_rate`).
///
/// Per tensor, at step t:
/// ```
/// g ← ∇f(θₜ₋₁)
/// m ← (1 − β1) · g + β1 · m
/// v ← (1 − β2) · g² + β2 · v
/// u ← (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ) + εroot) + ε) + weightDecay · θₜ₋₁
/// r ← ‖θₜ₋₁‖ / ‖u‖                          (1 when either norm is 0)
/// θₜ ← θₜ₋₁ + (−learningRate) · (u · r)
/// ```
///
/// Paper: You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"
/// (ICLR 2020, arXiv:1904.00962).
///
/// Defaults (Optax 0.2.8): learningRate 1e-3 (Optax has none; Adam's), beta1 0.9, beta2 0.999,
/// epsilon 1e-6, epsilonRoot 0, weightDecay 0.
///
/// Deviations: none. Optax's weight-decay `mask` is not an option (use ``Masked`` in a
/// ``Chain``). The paper's optional clipping φ of ‖θ‖ is the identity, as in Optax.
///
/// Not elementwise: each tensor's two norms precede its update (two passes: the first updates m
/// and v and sums ‖u‖² and ‖θ‖², the second recomputes u from the stored m and v, the same bits,
/// and writes θ).
///
/// State: the step count, m and v per parameter.
///
/// 8-bit state (`stateStorage: .eightBit()`, ``StateStorage``): m and v of large float32
/// parameters are kept block-wise quantized (bitsandbytes' dynamic maps, signed for m and
/// unsigned for v); each step dequantizes one parameter's m and v, steps it as with 32-bit
/// state (the update uses the unrounded new m and v) and requantizes them. See
/// Quantization/LAMB+EightBit.swift.
public struct LAMB: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var epsilonRoot: Double
  public var weightDecay: Double
  /// 32-bit or 8-bit block-wise state (see ``StateStorage``).
  public var stateStorage: StateStorage = .fullPrecision

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var mu: ParameterTree
    public var nu: ParameterTree
    /// m and v of the parameters with 8-bit state (whose paths the trees above then omit).
    public var quantized: QuantizedStateTree? = nil
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-6, epsilonRoot: Double = 0, weightDecay: Double = 0,
    stateStorage: StateStorage = .fullPrecision
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
    self.weightDecay = weightDecay
    self.stateStorage = stateStorage
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<LAMB>(
    name: "lamb",
    summary: "Adam direction plus weight decay, scaled per tensor by the trust ratio ‖θ‖/‖u‖",
    paper:
      "You et al., Large Batch Optimization for Deep Learning: Training BERT in 76 minutes, ICLR 2020, arXiv:1904.00962",
    reference: "optax.lamb (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the bias-corrected √v"),
      .number("epsilonRoot", \.epsilonRoot, .nonNegative, "added to v̂ inside the square root"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "weightDecay·θ added to the Adam direction before the trust ratio"),
    ],
    stateStorage: \.stateStorage
  ) { try LAMB() }

  public func initialState(for parameters: ParameterTree) -> State {
    let quantized = QuantizedStateTree.zeros(
      for: parameters, storage: stateStorage, maps: [.dynamicSigned, .dynamicUnsigned])
    let full = quantized.map { parameters.excluding(Set($0.paths)) } ?? parameters
    return State(step: 0, mu: zerosLike(full), nu: zerosLike(full), quantized: quantized)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let gradients = updates
    step(&updates, .updates(parameters: context.parameters), gradients, &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    step(&parameters, .parameters, gradients, &state, context: context)
  }

  private func step(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = Double(state.step)
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), beta1: beta1, beta2: beta2,
      biasCorrection1: 1 - pow(beta1, t), biasCorrection2: 1 - pow(beta2, t), epsilon: epsilon,
      epsilonRoot: epsilonRoot, weightDecay: weightDecay)
    var buffers = [state.mu, state.nu]
    state.mu = ParameterTree()
    state.nu = ParameterTree()
    if var quantized = state.quantized {
      state.quantized = nil
      stepWithQuantizedState(
        kernel, into: &target, mode: mode, gradients: gradients, fullPrecision: &buffers,
        quantized: &quantized)
      state.quantized = quantized
    } else {
      runTensorKernel(
        kernel, name: "lamb", into: &target, mode: mode, gradients: gradients, state: &buffers)
    }
    state.mu = buffers[0]
    state.nu = buffers[1]
  }

  struct Kernel: TensorKernel {
    let learningRate, beta1, beta2, biasCorrection1, biasCorrection2: Double
    let epsilon, epsilonRoot, weightDecay: Double

    func run<T: TensorFloat>(_ b: TensorBuffers<T>) {
      let m = b.state[0]
      let v = b.state[1]
      let (b1, w1, b2, w2) = (T(beta1), T(1 - beta1), T(beta2), T(1 - beta2))
      let (bc1, bc2) = (T(biasCorrection1), T(biasCorrection2))
      let (eps, epsRoot, wd) = (T(epsilon), T(epsilonRoot), T(weightDecay))
      @inline(__always) func direction(_ i: Int) -> T {
        (m[i] / bc1) / ((v[i] / bc2 + epsRoot).squareRoot() + eps) + wd * b.parameter[i]
      }
      var updateSquares = 0.0
      var parameterSquares = 0.0
      for i in 0..<b.count {
        let g = b.gradient[i]
        m[i] = w1 * g + b1 * m[i]
        v[i] = w2 * (g * g) + b2 * v[i]
        let u = Double(direction(i))
        let p = Double(b.parameter[i])
        updateSquares += u * u
        parameterSquares += p * p
      }
      let (parameterNorm, updateNorm) = (parameterSquares.squareRoot(), updateSquares.squareRoot())
      let ratio = parameterNorm == 0 || updateNorm == 0 ? T(1) : T(parameterNorm / updateNorm)
      let negLR = T(-learningRate)
      for i in 0..<b.count {
        let p = b.parameter[i]
        b.store(p + negLR * (direction(i) * ratio), at: i)
      }
    }
  }
}
