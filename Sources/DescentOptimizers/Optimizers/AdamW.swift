import Descent

/// Adam with decoupled weight decay, step for step as PyTorch's `torch.optim.AdamW`.
///
/// ```
/// θ ← θ · (1 − learningRate · weightDecay)      (before the Adam step, on the raw parameter)
/// then Adam's step (see ``Adam``) on the unmodified gradient
/// ```
///
/// Paper: Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019,
/// arXiv:1711.05101).
///
/// Defaults (PyTorch 2.13): learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8,
/// weightDecay 0.01, amsgrad false, maximize false.
///
/// Deviations: none. Like PyTorch, the decay is multiplied by the (possibly scheduled) learning
/// rate; Optax's `adamw` does the same through ``AddDecayedWeights`` before ``ScaleByLearningRate``.
///
/// State: ``Adam/State``.
public struct AdamW: FusedOptimizer {
  public typealias State = Adam.State
  let adam: Adam

  public var learningRate: Hyperparameter { adam.learningRate }
  public var beta1: Double { adam.beta1 }
  public var beta2: Double { adam.beta2 }
  public var epsilon: Double { adam.epsilon }
  public var weightDecay: Double { adam.weightDecay }
  public var amsgrad: Bool { adam.amsgrad }
  public var maximize: Bool { adam.maximize }
  public var stateStorage: StateStorage { adam.stateStorage }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false,
    maximize: Bool = false, stateStorage: StateStorage = .fullPrecision
  ) throws {
    adam = try Adam(
      name: "adamw", learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
      weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize, decoupled: true,
      stateStorage: stateStorage)
  }

  public func initialState(for parameters: ParameterTree) -> State {
    adam.initialState(for: parameters)
  }

  /// Adam's fused step with decoupled weight decay.
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State
  ) {
    adam.fusedStep(&target, mode, gradients, &state)
  }
}
