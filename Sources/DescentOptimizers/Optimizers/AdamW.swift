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
public struct AdamW: FusedOptimizer, CataloguedOptimizer, AdamFamily {
  public typealias State = Adam.State
  var adam: Adam

  public var learningRate: Hyperparameter {
    get { adam.learningRate }
    set { adam.learningRate = newValue }
  }
  public var beta1: Double {
    get { adam.beta1 }
    set { adam.beta1 = newValue }
  }
  public var beta2: Double {
    get { adam.beta2 }
    set { adam.beta2 = newValue }
  }
  public var epsilon: Double {
    get { adam.epsilon }
    set { adam.epsilon = newValue }
  }
  public var weightDecay: Double {
    get { adam.weightDecay }
    set { adam.weightDecay = newValue }
  }
  public var amsgrad: Bool {
    get { adam.amsgrad }
    set { adam.amsgrad = newValue }
  }
  public var maximize: Bool {
    get { adam.maximize }
    set { adam.maximize = newValue }
  }
  public var stateStorage: StateStorage {
    get { adam.stateStorage }
    set { adam.stateStorage = newValue }
  }

  public init(
    learningRate: Hyperparameter = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false,
    maximize: Bool = false, stateStorage: StateStorage = .fullPrecision
  ) throws {
    adam = Adam(
      unchecked: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
      weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize, decoupled: true,
      stateStorage: stateStorage)
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<AdamW>(
    name: "adamw", summary: "Adam with decoupled weight decay θ ← θ·(1 − η·weightDecay)",
    paper:
      "Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019, arXiv:1711.05101",
    reference: "torch.optim.AdamW (PyTorch 2.13)",
    hyperparameters: Adam.hyperparameters(weightDecay: .decoupledWeightDecay(\.weightDecay)),
    stateStorage: \.stateStorage,
    aliases: [
      .init(
        name: "adamw8bit", summary: "adamw with 8-bit block-wise quantized m and v (stateBits=8)",
        paper:
          "Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019, arXiv:1711.05101; "
          + Adam.eightBitPaper,
        reference: "bitsandbytes.optim.AdamW8bit (0.50.2) quantization; torch.optim.AdamW update",
        defaults: ["stateBits": .number(8)])
    ]
  ) { try AdamW() }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    try Adam.checkStateStorage(amsgrad: amsgrad, stateStorage: stateStorage, in: "adamw")
  }

  public func initialState(for parameters: ParameterTree) -> State {
    adam.initialState(for: parameters)
  }

  /// Adam's fused step with decoupled weight decay.
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    adam.fusedStep(&target, mode, gradients, &state, context: context)
  }
}
