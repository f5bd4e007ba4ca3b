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
/// Hz: computed from ``UpdateContext/lossFunction`` by double backpropagation
/// (`valueGradAndHVP`) at the parameters being updated; the step throws when the caller passes
/// no loss function (``Optimizer/step(_:gradients:loss:lossFunction:)``'s `lossFunction`;
/// `Trainer` and `descent optimize` pass one). One Hessian-vector product costs about two
/// gradient evaluations.
///
/// Deviations: the probe is one Rademacher draw per step (n_samples = 1, as the paper's runs).
/// With `updateEvery` > 1, D is recomputed on steps 1, 1 + updateEvery, … and reused between
/// them, while m and v are updated every step (the authors' `update_each`).
///
/// State: the step count, m and v per parameter, and the last D (for `updateEvery` > 1).
public struct AdaHessian: GradientTransformation {
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
    let name = "adahessian"
    try Validate.learningRate(learningRate, in: name)
    try Validate.unitInterval(beta1, "beta1", in: name)
    try Validate.unitInterval(beta2, "beta2", in: name)
    try Validate.nonNegative(epsilon, "epsilon", in: name)
    try Validate.nonNegative(weightDecay, "weightDecay", in: name)
    try Validate.check(
      hessianPower >= 0 && hessianPower <= 1, in: name,
      "hessianPower \(hessianPower): must lie in [0, 1]")
    try Validate.check(
      updateEvery >= 1, in: name, "updateEvery \(updateEvery): must be an integer ≥ 1")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.hessianPower = hessianPower
    self.updateEvery = updateEvery
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, expAvg: zerosLike(parameters), expHessianDiagSq: zerosLike(parameters),
      hessianDiagonal: zerosLike(parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let next = try step(context.parameters, gradients: updates, state: &state, context: context)
    updates = withoutGradients { next.zipMap(context.parameters) { $0 - $1 } }
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    parameters = try step(parameters, gradients: gradients, state: &state, context: context)
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

  private func step(
    _ parameters: ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws -> ParameterTree {
    if state.step % updateEvery == 0 {
      guard let lossFunction = context.lossFunction else {
        throw OptimizerError.invalidHyperparameter(
          "adahessian needs the loss function for its Hessian-vector products: pass "
            + "lossFunction to Optimizer.step (descent train and descent optimize do)")
      }
      let z =
        probeProvider?(state.step + 1, parameters)
        ?? Self.rademacherProbe(for: parameters, seed: context.randomSeed)
      let hz = try valueGradAndHVP(of: lossFunction, at: parameters, v: z).hvp
      state.hessianDiagonal = withoutGradients {
        z.zipMap(hz) { zi, hzi in
          let d = (zi * hzi.detached()).abs()
          return d.rank == 4 ? d.mean(axes: [2, 3], keepDims: true).expanded(to: d.shape) : d
        }
      }
    }
    state.step += 1
    let t = Double(state.step)
    let lr = learningRate.value(atStep: state.step - 1)
    let bc1 = 1 - pow(beta1, t)
    let bc2Root = pow((1 - pow(beta2, t)).squareRoot(), hessianPower)
    let k = hessianPower
    let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
    return withoutGradients {
      var next = ParameterTree()
      var m = ParameterTree()
      var v = ParameterTree()
      for i in 0..<parameters.count {
        let p = parameters[index: i]
        let g = gradients[index: i]
        let d = state.hessianDiagonal[index: i]
        let mi = state.expAvg[index: i] * b1 + g * (1 - b1)
        let vi = state.expHessianDiagSq[index: i] * b2 + d * d * (1 - b2)
        let root = vi.sqrt()
        let denom = (k == 1 ? root : root.pow(k)) / bc2Root + eps
        var direction = mi / bc1 / denom
        if wd != 0 { direction = direction + p * wd }
        next.append(parameters.paths[i], p - direction * lr)
        m.append(parameters.paths[i], mi)
        v.append(parameters.paths[i], vi)
      }
      state.expAvg = m
      state.expHessianDiagSq = v
      return next
    }
  }
}
