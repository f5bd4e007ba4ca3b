import Descent

/// Prodigy: Adam whose step size d is estimated on line from how far the parameters have moved,
/// step for step as Optax's `optax.contrib.prodigy`.
///
/// ```
/// t ← t + 1;  bc ← √(1 − β2ᵗ) / (1 − β1ᵗ);  dlr ← d · learningRate · bc
/// a ← ⟨g, θ₀ − θ⟩                              (over the whole tree)
/// m ← β1 · m + (1 − β1) · d·g;  v ← β2 · v + (1 − β2) · (d·g)²          (the old d)
/// s ← β3 · s + c · (d·g) / d₀                  (c = d with safeguardWarmup, else dlr)
/// n ← β3 · n + (d / d₀) · dlr · a
/// d' ← max(d, dCoefficient · n / Σ|s|)
/// θ ← θ − weightDecay · dlr · θ − dlr · m / (√v + d' · ε)
/// ```
///
/// Paper: Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner"
/// (ICML 2024, arXiv:2306.06101).
///
/// Reference: optax 0.2.8, `optax.contrib.prodigy` (float64). Defaults (Optax's): learningRate 1,
/// beta1 0.9, beta2 0.999, beta3 √beta2 (Optax's `None`; here `beta3 = 0` selects it), epsilon
/// 1e-8, d0 1e-6 (`estim_lr0`), dCoefficient 1 (`estim_lr_coef`), weightDecay 0,
/// safeguardWarmup false. The learning rate (or its schedule, read at step − 1) multiplies d.
///
/// Deviations: none. The paper's PyTorch code (`prodigyopt`) also bias-corrects by default and
/// decays weights decoupled by `dlr`, as here; it differs in where ε enters (not scaled by d).
///
/// Not elementwise: a reduction pass over the tree (⟨g, θ₀ − θ⟩ and Σ|s| with the new s)
/// precedes the update pass, which recomputes the new s with the same operations.
///
/// State: the step count, d, the weighted numerator n, and m, v, s and the initial parameters θ₀.
public struct Prodigy: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  /// Decay of s and n; 0 means √beta2.
  public var beta3: Double
  public var epsilon: Double
  public var d0: Double
  public var dCoefficient: Double
  public var weightDecay: Double
  public var safeguardWarmup: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// The step-size estimate d.
    public var d: Double
    /// The weighted numerator n of the d estimate.
    public var numerator: Double
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    public var gradientSum: ParameterTree
    public var initialParameters: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, beta1: Double = 0.9, beta2: Double = 0.999,
    beta3: Double = 0, epsilon: Double = 1e-8, d0: Double = 1e-6, dCoefficient: Double = 1,
    weightDecay: Double = 0, safeguardWarmup: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.beta3 = beta3
    self.epsilon = epsilon
    self.d0 = d0
    self.dCoefficient = dCoefficient
    self.weightDecay = weightDecay
    self.safeguardWarmup = safeguardWarmup
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Prodigy>(
    name: "prodigy",
    summary: "Adam with an on-line step-size estimate d from the distance travelled (D-Adaptation's successor)",
    paper:
      "Mishchenko & Defazio, Prodigy: An Expeditiously Adaptive Parameter-Free Learner, ICML 2024, arXiv:2306.06101",
    reference: "optax.contrib.prodigy (optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate, "multiplies the estimated step size d (a schedule in code)"),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment"),
      .number("beta3", \.beta3, .unitInterval, "decay of the d-estimate sums; 0 means √beta2"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √v, scaled by d"),
      .number("d0", \.d0, .positive, "initial step-size estimate d₀"),
      .number("dCoefficient", \.dCoefficient, .positive, "multiplies the d estimate"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative, "decoupled decay: θ ← θ − weightDecay·dlr·θ"),
      .flag("safeguardWarmup", \.safeguardWarmup, "accumulate s with d instead of dlr"),
    ]
  ) { try Prodigy() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, d: d0, numerator: 0, expAvg: zerosLike(parameters),
      expAvgSq: zerosLike(parameters), gradientSum: zerosLike(parameters),
      initialParameters: parameters.map { $0 + Tensor.zeros(like: $0) })
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = state.step
    let lr = learningRate.value(atStep: context.step - 1)
    let b3 = beta3 == 0 ? beta2.squareRoot() : beta3
    // JAX's `β ** count` (binary exponentiation), as Optax computes it.
    let bc = (1 - integerPower(beta2, t)).squareRoot() / (1 - integerPower(beta1, t))
    let d = state.d
    let dlr = d * lr * bc
    var kernel = Kernel(
      beta1: beta1, beta2: beta2, beta3: b3, d: d, d0: d0,
      sumCoefficient: safeguardWarmup ? d : dlr, dlr: dlr, newD: d, epsilon: epsilon,
      weightDecay: weightDecay)
    let sums = reduceTrees(
      kernel,
      [gradients, mode.parameters(target, name: "prodigy"), state.initialParameters,
        state.gradientSum])
    state.numerator = b3 * state.numerator + (d / d0) * dlr * sums[0]
    let newD = Swift.max(d, dCoefficient * state.numerator / sums[1])
    kernel.newD = newD
    var buffers = [state.expAvg, state.expAvgSq, state.gradientSum]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    state.gradientSum = ParameterTree()
    runFusedKernel(
      kernel, name: "prodigy", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
    state.gradientSum = buffers[2]
    state.d = newD
  }

  struct Kernel: FusedKernel, TreeReduction {
    let beta1, beta2, beta3, d, d0, sumCoefficient, dlr: Double
    var newD: Double
    let epsilon, weightDecay: Double

    /// ⟨g, θ₀ − θ⟩ and Σ|s'| (inputs g, θ, θ₀, s).
    func partialSums<T: TensorFloat>(_ x: [UnsafePointer<T>], _ range: Range<Int>)
      -> SIMD4<Double>
    {
      let (g, p, p0, s) = (x[0], x[1], x[2], x[3])
      let (dd, b3, c, e0) = (T(d), T(beta3), T(sumCoefficient), T(d0))
      var acc = 0.0
      var l1 = 0.0
      for i in range {
        acc += Double(g[i] * (p0[i] - p[i]))
        let dg = dd * g[i]
        l1 += Double(abs(b3 * s[i] + c * dg / e0))
      }
      return SIMD4(acc, l1, 0, 0)
    }

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (m, v, s) = (b.state[0], b.state[1], b.state[2])
      let (dd, b1, b2, b3, c, e0) = (T(d), T(beta1), T(beta2), T(beta3), T(sumCoefficient), T(d0))
      let (k1, k2) = (T(1 - beta1), T(1 - beta2))
      let decay = T(-weightDecay * dlr)
      let step = T(dlr)
      let eps = T(newD * epsilon)
      for i in range {
        let p = b.parameter[i]
        let dg = dd * b.gradient[i]
        m[i] = b1 * m[i] + k1 * dg
        v[i] = b2 * v[i] + k2 * dg * dg
        s[i] = b3 * s[i] + c * dg / e0
        let u = decay * p - step * m[i] / (v[i].squareRoot() + eps)
        b.store(p + u, at: i)
      }
    }
  }
}
