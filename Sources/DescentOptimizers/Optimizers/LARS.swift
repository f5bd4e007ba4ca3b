import Descent

/// LARS: SGD with momentum whose step is rescaled per tensor by the layer-wise trust ratio
/// trustCoefficient·‖θ‖/‖g + weightDecay·θ‖. Step for step as Optax's `optax.lars`
/// (`add_decayed_weights`, `scale_by_trust_ratio`, `scale_by_learning_rate`, `trace`).
///
/// Per tensor:
/// ```
/// u ← ∇f(θₜ₋₁) + weightDecay · θₜ₋₁
/// r ← trustCoefficient · ‖θₜ₋₁‖ / (‖u‖ + ε)      (1 when either norm is 0)
/// u ← (−learningRate) · (u · r)
/// b ← u + momentum · b
/// θₜ ← θₜ₋₁ + (nesterov ? u + momentum · b : b)
/// ```
/// The momentum buffer holds steps already scaled by the learning rate (Optax's `trace` after
/// the scale), so a learning-rate schedule does not rescale past momentum.
///
/// Paper: You, Gitman & Ginsburg, "Large Batch Training of Convolutional Networks" (2017,
/// arXiv:1708.03888).
///
/// Defaults (Optax 0.2.8): learningRate 1 (Optax has no default; with trustCoefficient 1e-3 a
/// step moves each tensor by about 0.1% of its norm), weightDecay 0, trustCoefficient 1e-3,
/// epsilon 0, momentum 0.9, nesterov false.
///
/// Deviations: none. Optax's `weight_decay_mask` and `trust_ratio_mask` (commonly used to
/// exclude biases and norms) are not options here; use ``Masked`` in a ``Chain`` to exclude
/// tensors from the whole rule.
///
/// Not elementwise: each tensor's two norms precede its update.
///
/// State: the momentum buffer b per parameter.
public struct LARS: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var weightDecay: Double
  public var trustCoefficient: Double
  public var epsilon: Double
  public var momentum: Double
  public var nesterov: Bool

  public struct State: Codable, Sendable, Equatable {
    public var trace: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1, weightDecay: Double = 0, trustCoefficient: Double = 1e-3,
    epsilon: Double = 0, momentum: Double = 0.9, nesterov: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.weightDecay = weightDecay
    self.trustCoefficient = trustCoefficient
    self.epsilon = epsilon
    self.momentum = momentum
    self.nesterov = nesterov
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<LARS>(
    name: "lars",
    summary: "momentum SGD with the layer-wise trust ratio trustCoefficient·‖θ‖/‖g + wd·θ‖",
    paper:
      "You, Gitman & Ginsburg, Large Batch Training of Convolutional Networks, 2017, arXiv:1708.03888",
    reference: "optax.lars (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "weightDecay·θ added to the gradient before the trust ratio"),
      .number(
        "trustCoefficient", \.trustCoefficient, .nonNegative,
        "the trust ratio's factor on ‖θ‖/‖u‖"),
      .number("epsilon", \.epsilon, .nonNegative, "added to ‖u‖ in the trust ratio"),
      .number("momentum", \.momentum, .unitInterval, "decay of the momentum buffer"),
      .flag("nesterov", \.nesterov, "Nesterov momentum: step u + momentum·b"),
    ]
  ) { try LARS() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(trace: zerosLike(parameters))
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
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), weightDecay: weightDecay,
      trustCoefficient: trustCoefficient, epsilon: epsilon, momentum: momentum,
      nesterov: nesterov)
    var buffers = [state.trace]
    state.trace = ParameterTree()
    runTensorKernel(
      kernel, name: "lars", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.trace = buffers[0]
  }

  struct Kernel: TensorKernel {
    let learningRate, weightDecay, trustCoefficient, epsilon, momentum: Double
    let nesterov: Bool

    func run<T: TensorFloat>(_ b: TensorBuffers<T>) {
      let trace = b.state[0]
      let wd = T(weightDecay)
      @inline(__always) func direction(_ i: Int) -> T { b.gradient[i] + wd * b.parameter[i] }
      var updateSquares = 0.0
      var parameterSquares = 0.0
      for i in 0..<b.count {
        let u = Double(direction(i))
        let p = Double(b.parameter[i])
        updateSquares += u * u
        parameterSquares += p * p
      }
      let (parameterNorm, updateNorm) = (parameterSquares.squareRoot(), updateSquares.squareRoot())
      let ratio =
        parameterNorm == 0 || updateNorm == 0
        ? T(1) : T(trustCoefficient * parameterNorm / (updateNorm + epsilon))
      let negLR = T(-learningRate)
      let mu = T(momentum)
      for i in 0..<b.count {
        let p = b.parameter[i]
        let u = negLR * (direction(i) * ratio)
        let t = u + mu * trace[i]
        trace[i] = t
        b.store(p + (nesterov ? u + mu * t : t), at: i)
      }
    }
  }
}
