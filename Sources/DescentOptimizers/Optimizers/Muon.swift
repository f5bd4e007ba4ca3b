import Descent
import Foundation

/// Muon (MomentUm Orthogonalized by Newton–Schulz) on the 2-D parameters, with PyTorch's
/// documented companion, AdamW, on every other parameter: step for step as `torch.optim.Muon`
/// (PyTorch 2.13) over the matrices plus `torch.optim.AdamW` over the rest.
///
/// Per 2-D parameter W of shape [A, B], at step t:
/// ```
/// g ← ∇f(Wₜ₋₁)
/// M ← lerp(M, g, 1 − μ)                       (M ← μM + (1 − μ)g)
/// U ← nesterov ? lerp(g, M, μ) : M
/// X ← U (Uᵀ when A > B);  X ← X / max(‖X‖_F, ε)
/// k times:  G ← X Xᵀ;  X ← a·X + (b·G + c·G·G)·X      (a, b, c) = (3.4445, −4.7750, 2.0315)
/// O ← X (Xᵀ when A > B)
/// Wₜ ← Wₜ₋₁ · (1 − learningRate · weightDecay) − η′ · O
/// η′ = learningRate · √max(1, A/B)      (adjustLearningRate original, Keller Jordan's)
/// η′ = learningRate · 0.2 · √max(A, B)  (match-rms-adamw, Moonshot's)
/// ```
/// `lerp(x, y, w)` is PyTorch's: x + w(y − x) for w < ½, else y − (y − x)(1 − w).
///
/// Every parameter that is not 2-D (biases, normalization scales, a test function's vector):
/// ``AdamW`` with the same learning rate and weight decay and its own defaults for the rest
/// (beta1 0.9, beta2 0.999, epsilon 1e-8) — torch.optim.Muon refuses such parameters and its
/// documentation tells users to give them to "a standard method such as AdamW", which is what
/// this optimizer does for them. `epsilon` is Muon's (the Newton–Schulz normalization floor),
/// not AdamW's.
///
/// Papers: Jordan et al., "Muon: An optimizer for hidden layers in neural networks" (2024,
/// kellerjordan.github.io/posts/muon); Liu et al., "Muon is Scalable for LLM Training"
/// (arXiv:2502.16982, 2025) for match-rms-adamw.
///
/// Defaults (PyTorch 2.13): learningRate 1e-3, weightDecay 0.1, momentum 0.95, nesterov true,
/// epsilon 1e-7, newtonSchulzSteps 5, adjustLearningRate original.
///
/// Deviations: the Newton–Schulz iteration runs in the parameters' own precision (float32 or
/// float64); PyTorch 2.13 casts the matrix to bfloat16 first (8 significant bits, and the
/// result depends on its CPU bfloat16 matmul), so the golden reference runs torch's step with
/// that cast made the identity (scripts/golden/make_catalogue2_golden.py). The coefficients
/// (a, b, c) are fixed at torch's defaults.
///
/// `descent train` refuses `muon` on a model without 2-D parameters (every parameter would take
/// the AdamW fallback; ``Muon/explainFallback(for:)``).
///
/// State: the momentum M of each 2-D parameter, and ``AdamW``'s state for the others.
public struct Muon: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var weightDecay: Double
  public var momentum: Double
  public var nesterov: Bool
  public var epsilon: Double
  public var newtonSchulzSteps: Int
  public var adjustLearningRate: LearningRateAdjustment

  /// torch's `adjust_lr_fn`: how the learning rate is scaled by a matrix's shape [A, B].
  public enum LearningRateAdjustment: String, CaseIterable, Sendable, Codable {
    /// √max(1, A/B) (Keller Jordan's implementation; torch's default).
    case original
    /// 0.2·√max(A, B) (Moonshot's: the update's RMS matches AdamW's).
    case matchRMSAdamW = "match-rms-adamw"
  }

  /// torch's Newton–Schulz coefficients (a, b, c).
  public static let newtonSchulzCoefficients = (a: 3.4445, b: -4.7750, c: 2.0315)

  public struct State: Codable, Sendable {
    /// The momentum buffer of each 2-D parameter (in tree order).
    public var momentum: ParameterTree
    /// AdamW's state for the parameters that are not 2-D.
    public var companion: AdamW.State
  }

  public init(
    learningRate: Hyperparameter = 1e-3, weightDecay: Double = 0.1, momentum: Double = 0.95,
    nesterov: Bool = true, epsilon: Double = 1e-7, newtonSchulzSteps: Int = 5,
    adjustLearningRate: LearningRateAdjustment = .original
  ) throws {
    self.learningRate = learningRate
    self.weightDecay = weightDecay
    self.momentum = momentum
    self.nesterov = nesterov
    self.epsilon = epsilon
    self.newtonSchulzSteps = newtonSchulzSteps
    self.adjustLearningRate = adjustLearningRate
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Muon>(
    name: "muon",
    summary: "momentum orthogonalized by Newton–Schulz on 2-D parameters; AdamW on the others",
    paper:
      "Jordan et al., Muon: An optimizer for hidden layers in neural networks, 2024; Liu et al., Muon is Scalable for LLM Training, arXiv:2502.16982",
    reference: "torch.optim.Muon (2-D) + torch.optim.AdamW (others) (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "decoupled decay on every parameter: θ multiplied by 1 − learningRate·weightDecay"),
      .number("momentum", \.momentum, .unitInterval, "momentum μ of the 2-D parameters"),
      .flag("nesterov", \.nesterov, "orthogonalize lerp(g, M, μ) instead of M"),
      .number(
        "epsilon", \.epsilon, .positive, "floor of ‖X‖_F in the Newton–Schulz normalization"),
      .integer(
        "newtonSchulzSteps", \.newtonSchulzSteps, atLeast: 1,
        "Newton–Schulz iterations per step (torch: below 100)"),
      .choice(
        "adjustLearningRate", \.adjustLearningRate,
        "original (√max(1, A/B)) or match-rms-adamw (0.2·√max(A, B))"),
    ]
  ) { try Muon() }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    guard newtonSchulzSteps < 100 else {
      throw OptimizerError.invalidHyperparameter(
        "muon: newtonSchulzSteps = \(newtonSchulzSteps) is invalid: must be below 100 (as torch.optim.Muon)"
      )
    }
  }

  /// Whether Muon orthogonalizes this parameter (2-D); the others take the AdamW fallback.
  public static func orthogonalizes(shape: [Int]) -> Bool { shape.count == 2 }

  /// A one-line explanation when `parameters` has no 2-D parameter, so that Muon would run as
  /// plain AdamW on all of them; nil when some parameter is 2-D.
  public static func explainFallback(for parameters: ParameterTree) -> String? {
    guard !parameters.entries.contains(where: { orthogonalizes(shape: $0.tensor.shape) }) else {
      return nil
    }
    let shapes = parameters.entries.prefix(3).map { "\($0.path) \($0.tensor.shape)" }
    return "muon orthogonalizes only 2-D parameters (weight matrices) and gives every other "
      + "parameter to its AdamW fallback; this model has none (\(shapes.joined(separator: ", "))"
      + "\(parameters.count > 3 ? ", …" : "")), so muon would be AdamW: use --optimizer adamw, "
      + "or a model with a Linear layer"
  }

  var companion: AdamW {
    // Valid whenever `self` is: learningRate and weightDecay have AdamW's constraints.
    try! AdamW(learningRate: learningRate, weightDecay: weightDecay)
  }

  private var partition: Partitioned<OrthogonalizedMomentum, AdamW> {
    Partitioned(
      OrthogonalizedMomentum(muon: self), others: companion,
      where: { _, shape in Muon.orthogonalizes(shape: shape) })
  }

  public func initialState(for parameters: ParameterTree) -> State {
    let state = partition.initialState(for: parameters)
    return State(momentum: state.selected, companion: state.others)
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    var inner = Partitioned<OrthogonalizedMomentum, AdamW>.State(
      selected: state.momentum, others: state.companion)
    state.momentum = ParameterTree()
    try partition.update(&updates, state: &inner, context: context)
    state = State(momentum: inner.selected, companion: inner.others)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    var inner = Partitioned<OrthogonalizedMomentum, AdamW>.State(
      selected: state.momentum, others: state.companion)
    state.momentum = ParameterTree()
    try partition.apply(to: &parameters, gradients: gradients, state: &inner, context: context)
    state = State(momentum: inner.selected, companion: inner.others)
  }

  /// The Muon step proper, on 2-D parameters only; its state is the momentum tree.
  struct OrthogonalizedMomentum: GradientTransformation {
    let muon: Muon

    func initialState(for parameters: ParameterTree) -> ParameterTree { zerosLike(parameters) }

    func update(_ updates: inout ParameterTree, state: inout ParameterTree, context: UpdateContext)
      throws
    {
      var parameters = context.parameters
      let before = parameters
      try apply(to: &parameters, gradients: updates, state: &state, context: context)
      for i in 0..<updates.count { updates[index: i] = parameters[index: i] - before[index: i] }
    }

    func apply(
      to parameters: inout ParameterTree, gradients: ParameterTree, state: inout ParameterTree,
      context: UpdateContext
    ) throws {
      let lr = muon.learningRate.value(atStep: context.step - 1)
      let decay = 1 - lr * muon.weightDecay
      let mu = muon.momentum
      for i in 0..<parameters.count {
        precondition(
          parameters[index: i].shape.count == 2, "muon: \(parameters.paths[i]) is not 2-D")
        let g = gradients[index: i]
        let m = lerp(state[index: i], g, 1 - mu)
        state[index: i] = m
        let direction = muon.nesterov ? lerp(g, m, mu) : m
        let stepped = step(parameters[index: i], orthogonal: muon.orthogonalize(direction),
                           decay: decay, learningRate: lr)
        Self.overwrite(&parameters, index: i, with: stepped)
      }
    }

    /// θ·(1 − lr·λ) − lr·ratio·O, with torch's shape-dependent learning-rate ratio.
    private func step(_ parameter: Tensor, orthogonal: Tensor, decay: Double, learningRate lr: Double)
      -> Tensor
    {
      let (a, b) = (Double(parameter.shape[0]), Double(parameter.shape[1]))
      let ratio =
        switch muon.adjustLearningRate {
        case .original: Swift.max(1, a / b).squareRoot()
        case .matchRMSAdamW: 0.2 * Swift.max(a, b).squareRoot()
        }
      return parameter * decay + orthogonal * (-(lr * ratio))
    }

    /// Writes `values` into the parameter's own storage (taken out of the tree first so it is
    /// uniquely referenced), as the fused optimizers do: a step never reallocates parameters.
    private static func overwrite(_ parameters: inout ParameterTree, index i: Int, with values: Tensor) {
      var stored = parameters[index: i]
      parameters[index: i] = placeholderTensor
      switch stored.dtype {
      case .float32: copy(values, into: &stored, as: Float.self)
      case .float64: copy(values, into: &stored, as: Double.self)
      default: preconditionFailure("muon: \(parameters.paths[i]) is \(stored.dtype); only float tensors train")
      }
      parameters[index: i] = stored
    }

    private static func copy<T: TensorScalar>(_ values: Tensor, into stored: inout Tensor, as: T.Type) {
      values.withUnsafeBufferPointer(as: T.self) { source in
        stored.withUnsafeMutableBufferPointer(as: T.self) { target in
          _ = target.update(fromContentsOf: source)
        }
      }
    }

    /// PyTorch's `lerp(start, end, weight)`, elementwise with a scalar weight.
    private func lerp(_ start: Tensor, _ end: Tensor, _ weight: Double) -> Tensor {
      weight < 0.5 ? start + (end - start) * weight : end - (end - start) * (1 - weight)
    }
  }

  /// torch 2.13's `_zeropower_via_newtonschulz` in the matrix's own precision: the quintic
  /// iteration on X / max(‖X‖_F, ε), transposed first (and back) when the matrix is tall.
  func orthogonalize(_ matrix: Tensor) -> Tensor {
    let (a, b, c) = Self.newtonSchulzCoefficients
    let tall = matrix.shape[0] > matrix.shape[1]
    var x = tall ? transposedCopy(matrix) : matrix
    var squares = 0.0
    for v in x.doubles { squares += v * v }
    x = x / Swift.max(squares.squareRoot(), epsilon)
    for _ in 0..<newtonSchulzSteps {
      let gram = x.matmulTransposed(x)
      let gramUpdate = gram * b + gram.matmul(gram) * c
      x = x * a + gramUpdate.matmul(x)
    }
    return tall ? transposedCopy(x) : x
  }

  private func transposedCopy(_ matrix: Tensor) -> Tensor {
    let (rows, columns) = (matrix.shape[0], matrix.shape[1])
    let values = matrix.doubles
    var out = [Double](repeating: 0, count: values.count)
    for r in 0..<rows {
      for col in 0..<columns { out[col * rows + r] = values[r * columns + col] }
    }
    return Tensor(out, shape: [columns, rows], dtype: matrix.dtype)
  }
}
