import Descent
import Foundation

/// Averaged stochastic gradient descent: SGD with a decaying step size ηₜ and a running
/// (Polyak–Ruppert) average of the iterates from step t0 on. Step for step as PyTorch's
/// `torch.optim.ASGD`.
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// θₜ ← θₜ₋₁ · (1 − decay · η) − η · g        (η₁ = learningRate)
/// θ̄ ← θ̄ + μ · (θₜ − θ̄)   if μ ≠ 1, else θ̄ ← θₜ      (μ₁ = 1)
/// η ← learningRate / (1 + decay · learningRate · t)^alpha     (for step t + 1)
/// μ ← 1 / max(1, t − t0)
/// ```
///
/// Paper: Polyak & Juditsky, "Acceleration of Stochastic Approximation by Averaging" (SIAM J.
/// Control Optim. 1992); the step-size rule is Bottou's "Stochastic Gradient Descent Tricks"
/// (Neural Networks: Tricks of the Trade, 2012), as in PyTorch.
///
/// Defaults (PyTorch 2.13): learningRate 1e-2, decay (torch's `lambd`) 1e-4, alpha 0.75, t0 1e6,
/// weightDecay 0, maximize false. With t0 = 1e6 averaging starts after a million steps, so
/// until then θ̄ = θ.
///
/// The averaged iterate: ``State/averagedParameters`` holds θ̄ (torch's `state[p]["ax"]`), the
/// point ASGD's theory evaluates. Read it from a driver with
/// `optimizer.state(as: ASGD.State.self)?.averagedParameters`, or from the state of a `Chain`
/// member directly; it has the parameters' paths, shapes and dtypes. The parameters themselves
/// stay the SGD iterate θₜ, as in PyTorch.
///
/// Deviations: none. As in PyTorch, a learning-rate schedule enters through η, which each step
/// computes for the next one from the schedule's value at the current step.
///
/// State: the step count, η and μ (Doubles, shared by all parameters: PyTorch keeps equal copies
/// per parameter), and θ̄ per parameter.
public struct ASGD: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var decay: Double
  public var alpha: Double
  public var t0: Double
  public var weightDecay: Double
  public var maximize: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// The step size of the next step.
    public var eta: Double
    /// The averaging weight of the next step.
    public var mu: Double
    /// The averaged iterate θ̄ (torch's `ax`).
    public var averagedParameters: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-2, decay: Double = 1e-4, alpha: Double = 0.75,
    t0: Double = 1e6, weightDecay: Double = 0, maximize: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.decay = decay
    self.alpha = alpha
    self.t0 = t0
    self.weightDecay = weightDecay
    self.maximize = maximize
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<ASGD>(
    name: "asgd",
    summary: "SGD with step size η/(1 + decay·η·t)^alpha and a running average of the iterates from t0",
    paper:
      "Polyak & Juditsky, Acceleration of Stochastic Approximation by Averaging, SIAM J. Control Optim. 1992",
    reference: "torch.optim.ASGD (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number(
        "decay", \.decay, .nonNegative,
        "torch's lambd: shrinks θ by 1 − decay·η and the step size over time"),
      .number("alpha", \.alpha, .nonNegative, "power of the step-size decay"),
      .number("t0", \.t0, .nonNegative, "step from which the iterates are averaged"),
      .coupledWeightDecay(\.weightDecay),
      .maximize(\.maximize),
    ]
  ) { try ASGD() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0, eta: learningRate.value(atStep: 0), mu: 1,
      averagedParameters: zerosLike(parameters))
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    let kernel = Kernel(
      eta: state.eta, shrink: 1 - decay * state.eta, mu: state.mu, weightDecay: weightDecay,
      maximize: maximize)
    var buffers = [state.averagedParameters]
    state.averagedParameters = ParameterTree()
    runFusedKernel(
      kernel, name: "asgd", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.averagedParameters = buffers[0]
    let lr = learningRate.value(atStep: context.step - 1)
    let t = Double(state.step)
    state.eta = lr / pow(1 + decay * lr * t, alpha)
    state.mu = 1 / Swift.max(1, t - t0)
  }

  struct Kernel: FusedKernel {
    let eta, shrink, mu, weightDecay: Double
    let maximize: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let average = b.state[0]
      let negEta = T(-eta)
      let factor = T(shrink)
      let wd = T(weightDecay)
      let weight = T(mu)
      let averaging = mu != 1
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        let pNew = p * factor + negEta * g
        average[i] = averaging ? average[i] + (pNew - average[i]) * weight : pNew
        b.store(pNew, at: i)
      }
    }
  }
}
