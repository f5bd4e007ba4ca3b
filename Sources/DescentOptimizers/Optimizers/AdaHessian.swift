import CDescentKernels
import Descent
import Foundation

/// AdaHessian: Adam with the squared gradient replaced by the square of a Hutchinson estimate of
/// the Hessian diagonal, as in the authors' code.
///
/// ```
/// z ~ Rademacher (±1 each entry; seeded by context.randomSeed)      every `updateEvery` steps,
/// D ← |z ⊙ (∇²f(θₜ₋₁) z)|                                          else the last D is reused
/// for a 4-D convolution weight [out, in, kh, kw]: D ← mean of D over (kh, kw), broadcast back
/// m ← β1 · m + (1 − β1) · g
/// v ← β2 · v + (1 − β2) · D²
/// denom ← (√v)ᵏ / (√(1 − β2ᵗ))ᵏ + ε
/// θₜ ← θₜ₋₁ − learningRate · (m / (1 − β1ᵗ) / denom + weightDecay · θₜ₋₁)
/// ```
///
/// Paper: Yao, Gholami, Shen, Mustafa, Keutzer & Mahoney, "ADAHESSIAN: An Adaptive Second Order
/// Optimizer for Machine Learning" (AAAI 2021, arXiv:2006.00719); reference code
/// github.com/amirgholami/adahessian; parity against `torch_optimizer.Adahessian` 0.3.0 with
/// `hessian_power=1` and the same probe vectors (scripts/golden/make_adahessian_golden.py).
///
/// Defaults (the authors'): learningRate 0.15, beta1 0.9, beta2 0.999, epsilon 1e-4,
/// weightDecay 0 (decoupled: θ scaled by 1 − learningRate·weightDecay, as both references),
/// hessianPower 1, updateEvery 1.
///
/// Hz: through ``UpdateContext/curvature`` when the training loop computed its gradient with the
/// graph kept (`valueGradAndCurvature`: `Trainer` does so on estimate steps, as
/// ``HessianVectorProductUser`` tells it; one more backward pass), else from
/// ``UpdateContext/lossFunction`` by double backpropagation (`valueGradAndHVP`: a second forward
/// and backward pass besides); the step throws when it gets neither (`descent optimize` passes
/// the loss function). Both give the same bits.
///
/// Deviations: the probe is one Rademacher draw per step (n_samples = 1, as the paper's runs).
/// With `updateEvery` > 1, D is recomputed on steps 1, 1 + updateEvery, … and reused between
/// them, while m and v are updated every step (the authors' `update_each`).
///
/// State: the step count, m and v per parameter, and the last D (for `updateEvery` > 1).
///
/// Cost: apart from the HVP, one fused pass per tensor (`Kernel`; a C kernel for in-place float32
/// with Hessian power 1, CurvatureOptimizerKernels.c) reading θ, g, m, v, D and writing θ, m, v:
/// 32 B per float32 parameter.
public struct AdaHessian: CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var hessianPower: Double
  public var updateEvery: Int
  /// Test-only: the probe vector z for a step (1-based) and the parameters, replacing the seeded
  /// Rademacher draw (the parity tests feed the golden file's probes).
  var probeProvider: (@Sendable (_ step: Int, _ parameters: ParameterTree) -> ParameterTree)? = nil

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var expAvg: ParameterTree
    public var expHessianDiagSq: ParameterTree
    /// The last Hessian-diagonal estimate D (reused between recomputations).
    public var hessianDiagonal: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 0.15, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-4, weightDecay: Double = 0, hessianPower: Double = 1,
    updateEvery: Int = 1
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.hessianPower = hessianPower
    self.updateEvery = updateEvery
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<AdaHessian>(
    name: "adahessian",
    summary: "Adam with v the EMA of D², D = |z ⊙ Hz| a Hutchinson Hessian diagonal (needs the loss)",
    paper:
      "Yao et al., ADAHESSIAN: An Adaptive Second Order Optimizer for Machine Learning, AAAI 2021, arXiv:2006.00719",
    reference:
      "torch_optimizer.Adahessian (torch-optimizer 0.3.0, hessian_power=1) with injected probes",
    group: .lossAware,
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the EMA of D²"),
      .number("epsilon", \.epsilon, .nonNegative, "added to the bias-corrected (√v)ᵏ"),
      .decoupledWeightDecay(\.weightDecay),
      .number(
        "hessianPower", \.hessianPower, .closedUnitInterval, "k: the denominator is (√v̂)ᵏ + ε"),
      .integer(
        "updateEvery", \.updateEvery, atLeast: 1,
        "recompute D every this many steps (else reuse it)"),
    ]
  ) { try AdaHessian() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, expAvg: zerosLike(parameters), expHessianDiagSq: zerosLike(parameters),
      hessianDiagonal: zerosLike(parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let gradients = updates
    try estimateIfDue(at: context.parameters, state: &state, context: context)
    step(&updates, .updates(parameters: context.parameters), gradients: gradients, state: &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    // The estimate first, so that no copy of `parameters` outlives it: the fused pass then
    // writes the parameters' storage in place (a second reference would force a copy).
    try estimateIfDue(at: parameters, state: &state, context: context)
    step(&parameters, .parameters, gradients: gradients, state: &state, context: context)
  }

  /// The seeded Rademacher probe: one key per parameter, folded from the step's seed.
  static func rademacherProbe(for parameters: ParameterTree, seed: UInt64) -> ParameterTree {
    let key = RandomKey(seed: seed)
    return ParameterTree(
      parameters.entries.enumerated().map { i, entry in
        (
          entry.path,
          Tensor.rademacher(
            entry.tensor.shape, dtype: entry.tensor.dtype, key: key.folded(in: UInt64(i)))
        )
      })
  }

  /// Recomputes D on steps 1, 1 + updateEvery, … (state.step + 1 is the step being taken).
  private func estimateIfDue(
    at parameters: ParameterTree, state: inout State, context: UpdateContext
  ) throws {
    if state.step % updateEvery == 0 {
      let z =
        probeProvider?(state.step + 1, parameters)
        ?? Self.rademacherProbe(for: parameters, seed: context.randomSeed)
      let hz = try hessianVectorProduct(
        at: parameters, v: z, context: context, name: "adahessian")
      state.hessianDiagonal = withoutGradients {
        z.zipMap(hz) { zi, hzi in
          let d = (zi * hzi.detached()).abs()
          return d.rank == 4 ? d.mean(axes: [2, 3], keepDims: true).expanded(to: d.shape) : d
        }
      }
    }
  }

  private func step(
    _ target: inout ParameterTree, _ mode: FusedTarget, gradients: ParameterTree,
    state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = Double(state.step)
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, biasCorrection1: 1 - pow(beta1, t),
      biasCorrection2Root: pow((1 - pow(beta2, t)).squareRoot(), hessianPower), epsilon: epsilon,
      learningRate: learningRate.value(atStep: context.step - 1), weightDecay: weightDecay,
      hessianPower: hessianPower)
    var buffers = [state.expAvg, state.expHessianDiagSq, state.hessianDiagonal]
    state.expAvg = ParameterTree()
    state.expHessianDiagSq = ParameterTree()
    state.hessianDiagonal = ParameterTree()
    runFusedKernel(
      kernel, name: "adahessian", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.expAvg = buffers[0]
    state.expHessianDiagSq = buffers[1]
    state.hessianDiagonal = buffers[2]
  }

  /// One fused pass per tensor: state[0] = m, state[1] = v, state[2] = D (read only). In-place
  /// float32 with Hessian power 1 runs `descent_adahessian_step_f32` (CurvatureOptimizerKernels.c),
  /// the same operations in the same order.
  struct Kernel: FusedKernel {
    let beta1, beta2, biasCorrection1, biasCorrection2Root, epsilon, learningRate, weightDecay,
      hessianPower: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let d = b.state[2]
      if hessianPower == 1, float32DecayIsExact(weightDecay), let c = b.inPlaceFloat32(range) {
        descent_adahessian_step_f32(
          c.parameter, c.gradient, c.state(0), c.state(1), UnsafePointer(c.state(2)), c.count,
          Float(beta1), Float(1 - beta1), Float(beta2), Float(1 - beta2), Float(biasCorrection1),
          Float(biasCorrection2Root), Float(epsilon), Float(learningRate), Float(weightDecay))
        return
      }
      let (b1, w1, b2, w2) = (T(beta1), T(1 - beta1), T(beta2), T(1 - beta2))
      let (bc1, bc2, eps) = (T(biasCorrection1), T(biasCorrection2Root), T(epsilon))
      let (lr, wd, k) = (T(learningRate), T(weightDecay), hessianPower)
      for i in range {
        let p = b.parameter[i]
        let mNew = m[i] * b1 + b.gradient[i] * w1
        m[i] = mNew
        let di = d[i]
        let vNew = v[i] * b2 + di * di * w2
        v[i] = vNew
        let root = vNew.vectorizableSquareRoot
        let powered = k == 1 ? root : T(Foundation.pow(Double(root), k))
        var direction = mNew / bc1 / (powered / bc2 + eps)
        if weightDecay != 0 { direction = direction + p * wd }
        b.store(p - direction * lr, at: i)
      }
    }
  }
}

extension AdaHessian: HessianVectorProductUser {
  /// Steps 1, 1 + updateEvery, … estimate D.
  public func usesHessianVectorProducts(afterCompletedSteps completedSteps: Int) -> Bool {
    completedSteps % updateEvery == 0
  }
}
