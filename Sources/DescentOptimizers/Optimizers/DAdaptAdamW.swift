import Descent

/// D-Adaptation AdamW: AdamW whose step size d is a running lower bound on the distance to the
/// solution, step for step as Optax's `optax.contrib.dadapt_adamw`.
///
/// ```
/// t ← t + 1;  bc ← √(1 − β2ᵗ) / (1 − β1ᵗ);  dlr ← d · learningRate · bc;  r ← √β2
/// a ← ⟨g, s / (√v + ε)⟩                        (over the tree; the old s and v)
/// m ← β1 · m + (1 − β1) · dlr · g;  v ← β2 · v + (1 − β2) · g²
/// s ← r · s + (1 − r) · dlr · g
/// n ← r · n + (1 − r) · dlr · a
/// d ← max(d, n / ((1 − r) · Σ|s|))            (used from the next step on)
/// θ ← θ − weightDecay · dlr · θ − m / (√v + ε)
/// ```
///
/// Paper: Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation" (ICML 2023,
/// arXiv:2301.07733), the Adam variant of its appendix.
///
/// Reference: optax 0.2.8, `optax.contrib.dadapt_adamw` (float64). Defaults (Optax's):
/// learningRate 1, beta1 0.9, beta2 0.999, epsilon 1e-8, d0 1e-6 (`estim_lr0`), weightDecay 0.
/// The learning rate (or its schedule, read at step − 1) multiplies d.
///
/// Deviations: none. Facebook's `dadaptation` package (PyTorch) differs in bias correction
/// (off by default there) and growth-rate limits, which Optax omits.
///
/// Not elementwise: one reduction pass over the tree (a and Σ|s| of the new s) precedes the
/// update pass.
///
/// State: the step count, d, the weighted numerator n, and m, v and s per parameter.
public struct DAdaptAdamW: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var d0: Double
  public var weightDecay: Double

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// The step-size estimate d.
    public var d: Double
    /// The weighted numerator n of the d estimate.
    public var numerator: Double
    public var expAvg: ParameterTree
    public var expAvgSq: ParameterTree
    public var gradientSum: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, d0: Double = 1e-6, weightDecay: Double = 0
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.d0 = d0
    self.weightDecay = weightDecay
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<DAdaptAdamW>(
    name: "dadapt-adamw",
    summary: "AdamW with the D-Adaptation step size: d grows as a lower bound on the distance to a solution",
    paper:
      "Defazio & Mishchenko, Learning-Rate-Free Learning by D-Adaptation, ICML 2023, arXiv:2301.07733",
    reference: "optax.contrib.dadapt_adamw (optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate, "multiplies the estimated step size d (a schedule in code)"),
      .number("beta1", \.beta1, .unitInterval, "decay of the first moment"),
      .number("beta2", \.beta2, .unitInterval, "decay of the second moment (√beta2 for the d sums)"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √v"),
      .number("d0", \.d0, .positive, "initial step-size estimate d₀"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative, "decoupled decay: θ ← θ − weightDecay·dlr·θ"),
    ]
  ) { try DAdaptAdamW() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, d: d0, numerator: 0, expAvg: zerosLike(parameters),
      expAvgSq: zerosLike(parameters), gradientSum: zerosLike(parameters))
  }

  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let t = state.step
    let lr = learningRate.value(atStep: context.step - 1)
    let sb2 = beta2.squareRoot()
    // JAX's `β ** count` (binary exponentiation), as Optax computes it.
    let bc = (1 - integerPower(beta2, t)).squareRoot() / (1 - integerPower(beta1, t))
    let dlr = state.d * lr * bc
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, sb2: sb2, dlr: dlr, epsilon: epsilon, weightDecay: weightDecay)
    let sums = reduceTrees(kernel, [gradients, state.gradientSum, state.expAvgSq])
    state.numerator = sb2 * state.numerator + (1 - sb2) * dlr * sums[0]
    var buffers = [state.expAvg, state.expAvgSq, state.gradientSum]
    state.expAvg = ParameterTree()
    state.expAvgSq = ParameterTree()
    state.gradientSum = ParameterTree()
    runFusedKernel(
      kernel, name: "dadapt-adamw", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.expAvg = buffers[0]
    state.expAvgSq = buffers[1]
    state.gradientSum = buffers[2]
    state.d = Swift.max(state.d, state.numerator / ((1 - sb2) * sums[1]))
  }

  struct Kernel: FusedKernel, TreeReduction {
    let beta1, beta2, sb2, dlr, epsilon, weightDecay: Double

    /// ⟨g, s/(√v + ε)⟩ with the old s and v, and Σ|s'| (inputs g, s, v).
    func partialSums<T: TensorFloat>(_ x: [UnsafePointer<T>], _ range: Range<Int>)
      -> SIMD4<Double>
    {
      let (g, s, v) = (x[0], x[1], x[2])
      let (r, c, eps) = (T(sb2), T((1 - sb2) * dlr), T(epsilon))
      var acc = 0.0
      var l1 = 0.0
      for i in range {
        acc += Double(g[i] * (s[i] / (v[i].squareRoot() + eps)))
        l1 += Double(abs(r * s[i] + c * g[i]))
      }
      return SIMD4(acc, l1, 0, 0)
    }

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let (m, v, s) = (b.state[0], b.state[1], b.state[2])
      let (b1, b2, r) = (T(beta1), T(beta2), T(sb2))
      let (k1, k2, c) = (T((1 - beta1) * dlr), T(1 - beta2), T((1 - sb2) * dlr))
      let decay = T(-weightDecay * dlr)
      let eps = T(epsilon)
      for i in range {
        let p = b.parameter[i]
        let g = b.gradient[i]
        m[i] = b1 * m[i] + k1 * g
        v[i] = b2 * v[i] + k2 * g * g
        s[i] = r * s[i] + c * g
        b.store(p + (decay * p - m[i] / (v[i].squareRoot() + eps)), at: i)
      }
    }
  }
}
