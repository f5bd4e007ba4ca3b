import Descent

/// NovoGrad: momentum over gradients normalized per tensor by a running average of the tensor's
/// squared gradient norm (one second-moment scalar per layer), with weight decay added to the
/// normalized gradient. Step for step as Optax's `optax.novograd` (`scale_by_novograd`,
/// `scale_by_learning_rate`).
///
/// Per tensor:
/// ```
/// g ← ∇f(θₜ₋₁)
/// n ← ‖g‖²                                   (t = 1)
/// n ← (1 − β2) · ‖g‖² + β2 · n               (t > 1)
/// d ← g / (√(n + εroot) + ε) + weightDecay · θₜ₋₁
/// m ← d  (t = 1),   m ← β1 · m + d  (t > 1)
/// θₜ ← θₜ₋₁ + (−learningRate) · m
/// ```
///
/// Papers: Ginsburg et al., "Stochastic Gradient Methods with Layer-wise Adaptive Moments for
/// Training of Deep Networks" (2019, arXiv:1905.11286); Li et al., "Jasper" (2019,
/// arXiv:1904.03288).
///
/// Defaults (Optax 0.2.8): learningRate 1e-3 (Optax has none), beta1 0.9, beta2 0.25,
/// epsilon 1e-6, epsilonRoot 0, weightDecay 0.
///
/// Deviations: none. As in Optax, m accumulates without a (1 − β1) factor (the paper's form).
///
/// Not elementwise: each tensor's gradient norm precedes its update.
///
/// State: the step count, m per parameter and the scalar n per parameter (shape []).
public struct NovoGrad: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var epsilonRoot: Double
  public var weightDecay: Double

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var mu: ParameterTree
    /// The running squared gradient norm of each tensor (a scalar tensor per parameter).
    public var nu: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.25,
    epsilon: Double = 1e-6, epsilonRoot: Double = 0, weightDecay: Double = 0
  ) throws {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
    self.weightDecay = weightDecay
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<NovoGrad>(
    name: "novograd",
    summary: "momentum over gradients normalized by a per-tensor running ‖g‖², plus weight decay",
    paper:
      "Ginsburg et al., Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training of Deep Networks, 2019, arXiv:1905.11286",
    reference: "optax.novograd (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta1", \.beta1, .unitInterval, "decay of the momentum (no 1 − β1 factor)"),
      .number("beta2", \.beta2, .unitInterval, "decay of the per-tensor ‖g‖² average"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √n"),
      .number("epsilonRoot", \.epsilonRoot, .nonNegative, "added to n inside the square root"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "weightDecay·θ added to the normalized gradient"),
    ]
  ) { try NovoGrad() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, mu: zerosLike(parameters),
      nu: parameters.map { Tensor.zeros([], dtype: $0.dtype) })
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
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), beta1: beta1, beta2: beta2,
      epsilon: epsilon, epsilonRoot: epsilonRoot, weightDecay: weightDecay,
      first: state.step == 1)
    var buffers = [state.mu, state.nu]
    state.mu = ParameterTree()
    state.nu = ParameterTree()
    runTensorKernel(
      kernel, name: "novograd", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.mu = buffers[0]
    state.nu = buffers[1]
  }

  struct Kernel: TensorKernel {
    let learningRate, beta1, beta2, epsilon, epsilonRoot, weightDecay: Double
    let first: Bool

    func run<T: TensorFloat>(_ b: TensorBuffers<T>) {
      let m = b.state[0]
      let n = b.state[1]
      // ‖g‖² as Optax computes it: the norm, squared.
      let norm = T(euclideanNorm(b.gradient, b.count))
      let squared = norm * norm
      n[0] = first ? squared : T(1 - beta2) * squared + T(beta2) * n[0]
      let denominator = (n[0] + T(epsilonRoot)).squareRoot() + T(epsilon)
      let (wd, b1, negLR) = (T(weightDecay), T(beta1), T(-learningRate))
      for i in 0..<b.count {
        let p = b.parameter[i]
        let d = b.gradient[i] / denominator + wd * p
        let mNew = first ? d : b1 * m[i] + d
        m[i] = mNew
        b.store(p + negLR * mNew, at: i)
      }
    }
  }
}
