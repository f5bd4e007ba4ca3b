import Descent

/// Fromage (frobenius matched gradient descent): each tensor steps by learningRate times its own
/// norm in the direction of its gradient, and is then shrunk by 1/√(1 + learningRate²) so that
/// its norm does not grow. Step for step as Optax's `optax.fromage` (`scale_by_trust_ratio`,
/// `scale_by_learning_rate`, `add_decayed_weights`).
///
/// Per tensor, with c = 1/√(1 + learningRate²):
/// ```
/// g ← ∇f(θₜ₋₁)
/// r ← max‖θₜ₋₁‖ / max‖g‖                    (max‖x‖ = ‖x‖, or minNorm when ‖x‖ ≤ minNorm)
/// u ← (−learningRate · c) · (g · r) + (c − 1) · θₜ₋₁
/// θₜ ← θₜ₋₁ + u                              (= c · (θₜ₋₁ − learningRate · r · g))
/// ```
///
/// Paper: Bernstein, Vahdat, Yue & Liu, "On the distance between two neural networks and the
/// stability of learning" (NeurIPS 2020, arXiv:2002.03432).
///
/// Defaults (Optax 0.2.8): learningRate 1e-2 (Optax has none; the paper's default), minNorm 1e-6.
///
/// Deviations: none. A learning-rate schedule sets c at each step from the scheduled value, as
/// Optax does for a callable learning rate.
///
/// Not elementwise: each tensor's two norms precede its update.
///
/// State: none (an empty state).
public struct Fromage: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var minNorm: Double

  public typealias State = EmptyState

  public init(learningRate: Hyperparameter = 1e-2, minNorm: Double = 1e-6) throws {
    self.learningRate = learningRate
    self.minNorm = minNorm
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Fromage>(
    name: "fromage",
    summary: "per-tensor steps of learningRate·‖θ‖ along g/‖g‖, then θ shrunk by 1/√(1 + lr²)",
    paper:
      "Bernstein et al., On the distance between two neural networks and the stability of learning, NeurIPS 2020, arXiv:2002.03432",
    reference: "optax.fromage (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("minNorm", \.minNorm, .nonNegative, "norms at or below this count as minNorm"),
    ]
  ) { try Fromage() }

  public func initialState(for parameters: ParameterTree) -> State { State() }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let gradients = updates
    step(&updates, .updates(parameters: context.parameters), gradients, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    step(&parameters, .parameters, gradients, context: context)
  }

  private func step(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    context: UpdateContext
  ) {
    let lr = learningRate.value(atStep: context.step - 1)
    let shrink = 1 / (1 + lr * lr).squareRoot()
    var noState: [ParameterTree] = []
    runTensorKernel(
      Kernel(stepSize: -(lr * shrink), decay: shrink - 1, minNorm: minNorm), name: "fromage",
      into: &target, mode: mode, gradients: gradients, state: &noState)
  }

  struct Kernel: TensorKernel {
    let stepSize, decay, minNorm: Double

    func run<T: TensorFloat>(_ b: TensorBuffers<T>) {
      // Optax's safe_norm(x, minNorm).
      func safeNorm(_ x: UnsafePointer<T>) -> Double {
        let norm = euclideanNorm(x, b.count)
        return norm <= minNorm ? minNorm : norm
      }
      let (parameterNorm, gradientNorm) = (safeNorm(b.parameter), safeNorm(b.gradient))
      let ratio = parameterNorm == 0 || gradientNorm == 0 ? T(1) : T(parameterNorm / gradientNorm)
      let (scale, wd) = (T(stepSize), T(decay))
      for i in 0..<b.count {
        let p = b.parameter[i]
        b.store(p + (scale * (b.gradient[i] * ratio) + wd * p), at: i)
      }
    }
  }
}
