import Descent
import Foundation

/// The value of a hyperparameter as the catalogue describes and parses it.
public enum HyperparameterValue: Sendable, Equatable, Codable, CustomStringConvertible {
  case number(Double)
  case boolean(Bool)

  public var description: String {
    switch self {
    case .number(let x): Validate.format(x)
    case .boolean(let b): b ? "true" : "false"
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let x): try container.encode(x)
    case .boolean(let b): try container.encode(b)
    }
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let b = try? container.decode(Bool.self) {
      self = .boolean(b)
    } else {
      self = .number(try container.decode(Double.self))
    }
  }
}

/// One hyperparameter of a catalogued optimizer: its Swift property name (also its `--set` key),
/// default, meaning and valid values.
public struct HyperparameterInfo: Sendable, Equatable, Codable {
  public let name: String
  public let defaultValue: HyperparameterValue
  public let description: String
  /// The values the optimizer accepts, e.g. `[0, 1)` or `true|false`.
  public let validValues: String
}

/// A catalogued optimizer: what it is, where it comes from, its hyperparameters, and a factory.
public struct OptimizerInfo: Sendable, Encodable {
  /// The name used on the command line (`--optimizer adam`).
  public let name: String
  /// One line: what the optimizer does.
  public let summary: String
  /// The paper: authors, title, venue and year, arXiv id where there is one.
  public let paper: String
  /// The implementation its steps match (the parity tests' golden reference).
  public let reference: String
  /// Every hyperparameter, `learningRate` first.
  public let hyperparameters: [HyperparameterInfo]
  let factory: @Sendable (OptimizerSettings) throws -> any GradientTransformation

  private enum CodingKeys: String, CodingKey {
    case name, summary, paper, reference, hyperparameters
  }

  /// The optimizer with `learningRate` (if given) and `settings` (`--set key=value`: numbers and
  /// `true`/`false`); everything else at its default. Throws a one-line ``OptimizerError`` for
  /// unknown keys, unparsable values and values out of range.
  ///
  /// `fullPrecisionStatePaths`: parameters whose state stays 32-bit when the optimizer keeps 8-bit
  /// state (`stateBits=8`), such as a model's `StableEmbedding` weights (DescentNN's
  /// `Layer.fullPrecisionStatePaths`); ignored by optimizers without the option.
  public func make(
    learningRate: Double? = nil, settings: [String: String] = [:],
    fullPrecisionStatePaths: Set<String> = []
  ) throws -> any GradientTransformation {
    try factory(
      OptimizerSettings(
        values: resolvedValues(learningRate: learningRate, settings: settings),
        fullPrecisionStatePaths: fullPrecisionStatePaths))
  }

  /// Every hyperparameter's value after `learningRate` and `settings` are applied to the
  /// defaults, as ``make(learningRate:settings:)`` resolves them (same errors).
  public func resolvedValues(learningRate: Double? = nil, settings: [String: String] = [:]) throws
    -> [String: HyperparameterValue]
  {
    var values: [String: HyperparameterValue] = [:]
    for info in hyperparameters { values[info.name] = info.defaultValue }
    for key in settings.keys.sorted() {
      let text = settings[key]!
      guard let info = hyperparameters.first(where: { $0.name == key }) else {
        let names = hyperparameters.map(\.name)
        let suggestion = closestName(to: key, in: names).map { " (did you mean '\($0)'?)" } ?? ""
        throw OptimizerError.unknownHyperparameter(
          "\(name) has no hyperparameter '\(key)'\(suggestion); it has: \(names.joined(separator: ", "))"
        )
      }
      values[key] = try parse(text, for: info)
    }
    if let learningRate {
      if let text = settings["learningRate"], values["learningRate"] != .number(learningRate) {
        throw OptimizerError.invalidHyperparameter(
          "\(name): learningRate is given twice (\(Validate.format(learningRate)) and learningRate=\(text)): give it once"
        )
      }
      values["learningRate"] = .number(learningRate)
    }
    return values
  }

  private func parse(_ text: String, for info: HyperparameterInfo) throws -> HyperparameterValue {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    switch info.defaultValue {
    case .boolean:
      switch trimmed.lowercased() {
      case "true", "1", "yes": return .boolean(true)
      case "false", "0", "no": return .boolean(false)
      default:
        throw OptimizerError.invalidHyperparameter(
          "\(name): \(info.name)=\(text) is invalid: must be true or false")
      }
    case .number:
      guard let x = Double(trimmed), x.isFinite else {
        throw OptimizerError.invalidHyperparameter(
          "\(name): \(info.name)=\(text) is invalid: must be a finite number in \(info.validValues)"
        )
      }
      return .number(x)
    }
  }
}

/// Parsed hyperparameter values handed to a catalogue factory (every name present).
public struct OptimizerSettings: Sendable {
  public let values: [String: HyperparameterValue]
  /// Parameters whose state stays 32-bit under `stateBits=8` (``StateStorage/keepsFullPrecision``).
  public let fullPrecisionStatePaths: Set<String>

  public init(values: [String: HyperparameterValue], fullPrecisionStatePaths: Set<String> = []) {
    self.values = values
    self.fullPrecisionStatePaths = fullPrecisionStatePaths
  }

  public func number(_ name: String) -> Double {
    guard case .number(let x)? = values[name] else {
      preconditionFailure("OptimizerSettings: \(name) is not a numeric hyperparameter")
    }
    return x
  }

  public func flag(_ name: String) -> Bool {
    guard case .boolean(let b)? = values[name] else {
      preconditionFailure("OptimizerSettings: \(name) is not a boolean hyperparameter")
    }
    return b
  }
}

/// Every optimizer that `descent optimize --optimizer NAME` and `descent optimizers` know, with its
/// hyperparameters (Swift property names, which are also the `--set` keys), defaults, paper and
/// the reference implementation it matches.
public enum OptimizerCatalogue {
  /// The catalogued optimizers, in the order `descent optimizers` lists them.
  public static let all: [OptimizerInfo] = [
    sgd, adagrad, adadelta, rmsprop, adam, adamw, diffgrad, adagradnorm,
  ]

  /// Optimizers that need the loss function (Hessian-vector products), resolved by
  /// ``info(named:)`` but kept out of ``all`` (whose entries share the gradient-only golden parity
  /// table and are `descent compare`'s default set). They have rows in the shared convergence
  /// table (ConvergenceTableTests) and their own parity tests (AdaHessianTests).
  public static let lossAware: [OptimizerInfo] = [adahessian]

  /// The names of ``all``, in catalogue order: the first-order optimizers that the shared parity
  /// and convergence tables drive and that `descent compare` runs by default.
  public static var names: [String] { all.map(\.name) }

  /// Every optimizer `descent` can run: ``all``, then the 8-bit aliases, the loss-aware and the
  /// curvature optimizers (each with its own tests). `descent optimizers` lists these.
  public static var available: [OptimizerInfo] {
    all + eightBitAliases + lossAware + curvatureOptimizers
  }

  /// The optimizer called `name` (case-insensitive), or a one-line
  /// ``OptimizerError/unknownOptimizer(_:)`` with a did-you-mean suggestion.
  public static func info(named name: String) throws -> OptimizerInfo {
    let available = self.available
    if let info = available.first(where: { $0.name == name.lowercased() }) {
      return info
    }
    let known = available.map(\.name)
    let suggestion =
      closestName(to: name.lowercased(), in: known).map { " (did you mean '\($0)'?)" } ?? ""
    throw OptimizerError.unknownOptimizer(
      "unknown optimizer '\(name)'\(suggestion); known: \(known.joined(separator: ", "))")
  }

  /// The optimizer `name` configured from a learning rate and `--set` settings
  /// (`fullPrecisionStatePaths`: see ``OptimizerInfo/make(learningRate:settings:fullPrecisionStatePaths:)``).
  public static func make(
    _ name: String, learningRate: Double? = nil, settings: [String: String] = [:],
    fullPrecisionStatePaths: Set<String> = []
  ) throws -> any GradientTransformation {
    try info(named: name).make(
      learningRate: learningRate, settings: settings,
      fullPrecisionStatePaths: fullPrecisionStatePaths)
  }

  // MARK: - Entries

  private static let lrText = "step size (a schedule in code; a constant here)"
  private static let maximizeInfo = flag(
    "maximize", false, "ascend the objective instead of descending (gradient negated first)")
  private static let couplingNote = "coupled L2 penalty: weightDecay·θ added to the gradient"

  static let sgd = OptimizerInfo(
    name: "sgd", summary: "stochastic gradient descent with momentum, dampening and Nesterov",
    paper:
      "Robbins & Monro, A Stochastic Approximation Method, Ann. Math. Statist. 1951; Nesterov momentum per Sutskever et al., ICML 2013",
    reference: "torch.optim.SGD (PyTorch 2.13)",
    hyperparameters: [
      number("learningRate", 1e-3, lrText, "≥ 0"),
      number("momentum", 0, "momentum factor μ of the buffer b ← μ·b + (1−dampening)·g", "≥ 0"),
      number("dampening", 0, "dampening of the gradient in the momentum buffer", "finite"),
      number("weightDecay", 0, couplingNote, "≥ 0"),
      flag("nesterov", false, "Nesterov momentum (needs momentum > 0 and dampening = 0)"),
      maximizeInfo,
    ] + StateStorage.catalogueHyperparameters()
  ) { s in
    try SGD(
      learningRate: Hyperparameter(s.number("learningRate")), momentum: s.number("momentum"),
      dampening: s.number("dampening"), weightDecay: s.number("weightDecay"),
      nesterov: s.flag("nesterov"), maximize: s.flag("maximize"),
      stateStorage: StateStorage(settings: s, optimizer: "sgd"))
  }

  static let adagrad = OptimizerInfo(
    name: "adagrad", summary: "per-coordinate step sizes from the sum of squared gradients",
    paper:
      "Duchi, Hazan & Singer, Adaptive Subgradient Methods for Online Learning and Stochastic Optimization, JMLR 2011",
    reference: "torch.optim.Adagrad (PyTorch 2.13)",
    hyperparameters: [
      number("learningRate", 1e-2, lrText, "≥ 0"),
      number("lrDecay", 0, "learning-rate decay: η/(1 + (t−1)·lrDecay)", "≥ 0"),
      number("weightDecay", 0, couplingNote, "≥ 0"),
      number("initialAccumulatorValue", 0, "initial value of the sum of squares", "≥ 0"),
      number("epsilon", 1e-10, "added to √sum", "≥ 0"),
      maximizeInfo,
    ] + StateStorage.catalogueHyperparameters()
  ) { s in
    try Adagrad(
      learningRate: Hyperparameter(s.number("learningRate")), lrDecay: s.number("lrDecay"),
      weightDecay: s.number("weightDecay"),
      initialAccumulatorValue: s.number("initialAccumulatorValue"), epsilon: s.number("epsilon"),
      maximize: s.flag("maximize"), stateStorage: StateStorage(settings: s, optimizer: "adagrad"))
  }

  static let adadelta = OptimizerInfo(
    name: "adadelta",
    summary: "step sizes from running averages of squared gradients and squared updates",
    paper: "Zeiler, ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701, 2012",
    reference: "torch.optim.Adadelta (PyTorch 2.13)",
    hyperparameters: [
      number("learningRate", 1.0, "scale of the AdaDelta update", "≥ 0"),
      number("rho", 0.9, "decay of the running averages", "[0, 1]"),
      number("epsilon", 1e-6, "added inside both square roots", "≥ 0"),
      number("weightDecay", 0, couplingNote, "≥ 0"),
      maximizeInfo,
    ] + StateStorage.catalogueHyperparameters()
  ) { s in
    try Adadelta(
      learningRate: Hyperparameter(s.number("learningRate")), rho: s.number("rho"),
      epsilon: s.number("epsilon"), weightDecay: s.number("weightDecay"),
      maximize: s.flag("maximize"), stateStorage: StateStorage(settings: s, optimizer: "adadelta"))
  }

  static let rmsprop = OptimizerInfo(
    name: "rmsprop",
    summary: "gradient divided by a running RMS, optionally centered and with momentum",
    paper:
      "Hinton, Srivastava & Swersky, Neural Networks for Machine Learning, lecture 6e, 2012; centered: Graves, arXiv:1308.0850, 2013",
    reference: "torch.optim.RMSprop (PyTorch 2.13)",
    hyperparameters: [
      number("learningRate", 1e-2, lrText, "≥ 0"),
      number("alpha", 0.99, "decay of the running average of squared gradients", "[0, 1]"),
      number("epsilon", 1e-8, "added to the root", "≥ 0"),
      number("weightDecay", 0, couplingNote, "≥ 0"),
      number("momentum", 0, "momentum factor of the scaled update", "≥ 0"),
      flag(
        "centered", false, "subtract the squared running mean of the gradient (variance estimate)"),
      maximizeInfo,
    ] + StateStorage.catalogueHyperparameters()
  ) { s in
    try RMSprop(
      learningRate: Hyperparameter(s.number("learningRate")), alpha: s.number("alpha"),
      epsilon: s.number("epsilon"), weightDecay: s.number("weightDecay"),
      momentum: s.number("momentum"), centered: s.flag("centered"), maximize: s.flag("maximize"),
      stateStorage: StateStorage(settings: s, optimizer: "rmsprop"))
  }

  private static func adamParameters(
    weightDecay: Double, decayText: String, stateBits: Int = 32
  ) -> [HyperparameterInfo] {
    [
      number("learningRate", 1e-3, lrText, "≥ 0"),
      number("beta1", 0.9, "decay of the first moment", "[0, 1)"),
      number("beta2", 0.999, "decay of the second moment", "[0, 1)"),
      number("epsilon", 1e-8, "added to the bias-corrected √v", "≥ 0"),
      number("weightDecay", weightDecay, decayText, "≥ 0"),
      flag("amsgrad", false, "use the running maximum of the second moment (AMSGrad)"),
      maximizeInfo,
    ] + StateStorage.catalogueHyperparameters(bits: stateBits)
  }

  static let adam = OptimizerInfo(
    name: "adam",
    summary: "bias-corrected first and second moment estimates (coupled L2 weight decay)",
    paper:
      "Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015, arXiv:1412.6980; AMSGrad: Reddi et al., ICLR 2018",
    reference: "torch.optim.Adam (PyTorch 2.13)",
    hyperparameters: adamParameters(weightDecay: 0, decayText: couplingNote)
  ) { s in
    try Adam(
      learningRate: Hyperparameter(s.number("learningRate")), beta1: s.number("beta1"),
      beta2: s.number("beta2"), epsilon: s.number("epsilon"), weightDecay: s.number("weightDecay"),
      amsgrad: s.flag("amsgrad"), maximize: s.flag("maximize"),
      stateStorage: StateStorage(settings: s, optimizer: "adam"))
  }

  static let adamw = OptimizerInfo(
    name: "adamw", summary: "Adam with decoupled weight decay θ ← θ·(1 − η·weightDecay)",
    paper:
      "Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019, arXiv:1711.05101",
    reference: "torch.optim.AdamW (PyTorch 2.13)",
    hyperparameters: adamParameters(
      weightDecay: 0.01, decayText: "decoupled decay: θ multiplied by 1 − learningRate·weightDecay")
  ) { s in
    try AdamW(
      learningRate: Hyperparameter(s.number("learningRate")), beta1: s.number("beta1"),
      beta2: s.number("beta2"), epsilon: s.number("epsilon"), weightDecay: s.number("weightDecay"),
      amsgrad: s.flag("amsgrad"), maximize: s.flag("maximize"),
      stateStorage: StateStorage(settings: s, optimizer: "adamw"))
  }

  // MARK: 8-bit names

  private static let eightBitPaper =
    "Dettmers et al., 8-bit Optimizers via Block-wise Quantization, ICLR 2022, arXiv:2110.02861"

  /// `adam8bit` and `adamw8bit`: ``adam`` and ``adamw`` with `stateBits` defaulting to 8
  /// (bitsandbytes' `Adam8bit`, `AdamW8bit`). Resolved by ``info(named:)`` but kept out of
  /// ``all``, whose entries each have their own parity and convergence tables.
  public static let eightBitAliases: [OptimizerInfo] = [
    OptimizerInfo(
      name: "adam8bit", summary: "adam with 8-bit block-wise quantized m and v (stateBits=8)",
      paper: adam.paper + "; " + eightBitPaper,
      reference: "bitsandbytes.optim.Adam8bit (0.50.2) quantization; torch.optim.Adam update",
      hyperparameters: adamParameters(weightDecay: 0, decayText: couplingNote, stateBits: 8),
      factory: adam.factory),
    OptimizerInfo(
      name: "adamw8bit", summary: "adamw with 8-bit block-wise quantized m and v (stateBits=8)",
      paper: adamw.paper + "; " + eightBitPaper,
      reference: "bitsandbytes.optim.AdamW8bit (0.50.2) quantization; torch.optim.AdamW update",
      hyperparameters: adamParameters(
        weightDecay: 0.01,
        decayText: "decoupled decay: θ multiplied by 1 − learningRate·weightDecay", stateBits: 8),
      factory: adamw.factory),
  ]

  static let diffgrad = OptimizerInfo(
    name: "diffgrad", summary: "Adam with friction ξ = sigmoid(|g_prev − g|) on the first moment",
    paper:
      "Dubey et al., diffGrad: An Optimization Method for Convolutional Neural Networks, IEEE TNNLS 2019, arXiv:1909.11015",
    reference: "torch_optimizer.DiffGrad (torch-optimizer 0.3.0; the paper's diffGrad_v2)",
    hyperparameters: [
      number("learningRate", 1e-3, lrText, "≥ 0"),
      number("beta1", 0.9, "decay of the first moment", "[0, 1)"),
      number("beta2", 0.999, "decay of the second moment", "[0, 1)"),
      number("epsilon", 1e-8, "added to the raw √v (torch-optimizer's placement)", "≥ 0"),
      number("weightDecay", 0, couplingNote, "≥ 0"),
      maximizeInfo,
    ] + StateStorage.catalogueHyperparameters()
  ) { s in
    try DiffGrad(
      learningRate: Hyperparameter(s.number("learningRate")), beta1: s.number("beta1"),
      beta2: s.number("beta2"), epsilon: s.number("epsilon"), weightDecay: s.number("weightDecay"),
      maximize: s.flag("maximize"), stateStorage: StateStorage(settings: s, optimizer: "diffgrad"))
  }

  static let adagradnorm = OptimizerInfo(
    name: "adagradnorm",
    summary: "one scalar AdaGrad step size: v ← v + ‖g‖², θ ← θ − η·g/(√v + ε)",
    paper:
      "Ward, Wu & Bottou, AdaGrad stepsizes, ICML 2019, arXiv:1806.01811; base of AdAdaGrad (Lau, Liu & Kolar, arXiv:2402.11215, 2024)",
    reference: "the rule written in PyTorch ops (scripts/golden/make_optimizer_golden.py)",
    hyperparameters: [
      number("learningRate", 1e-2, lrText, "≥ 0"),
      number(
        "initialAccumulatorValue", 0, "v₀; with 0 the first step is −η·g/‖g‖ (Ward et al.'s b₀²)",
        "≥ 0"),
      number("epsilon", 1e-10, "added to √v", "≥ 0"),
      number("weightDecay", 0, couplingNote, "≥ 0"),
      maximizeInfo,
    ]
  ) { s in
    try AdaGradNorm(
      learningRate: Hyperparameter(s.number("learningRate")),
      initialAccumulatorValue: s.number("initialAccumulatorValue"), epsilon: s.number("epsilon"),
      weightDecay: s.number("weightDecay"), maximize: s.flag("maximize"))
  }

  static let adahessian = OptimizerInfo(
    name: "adahessian",
    summary: "Adam with v the EMA of D², D = |z ⊙ Hz| a Hutchinson Hessian diagonal (needs the loss)",
    paper:
      "Yao et al., ADAHESSIAN: An Adaptive Second Order Optimizer for Machine Learning, AAAI 2021, arXiv:2006.00719",
    reference:
      "torch_optimizer.Adahessian (torch-optimizer 0.3.0, hessian_power=1) with injected probes",
    hyperparameters: [
      number("learningRate", 0.15, lrText, "≥ 0"),
      number("beta1", 0.9, "decay of the first moment", "[0, 1)"),
      number("beta2", 0.999, "decay of the EMA of D²", "[0, 1)"),
      number("epsilon", 1e-4, "added to the bias-corrected (√v)ᵏ", "≥ 0"),
      number(
        "weightDecay", 0, "decoupled decay: θ multiplied by 1 − learningRate·weightDecay", "≥ 0"),
      number("hessianPower", 1, "k: the denominator is (√v̂)ᵏ + ε", "[0, 1]"),
      number("updateEvery", 1, "recompute D every this many steps (else reuse it)", "integer ≥ 1"),
    ]
  ) { s in
    let every = s.number("updateEvery")
    guard every >= 1, every == every.rounded(), every < 1e9 else {
      throw OptimizerError.invalidHyperparameter(
        "adahessian: updateEvery \(Validate.format(every)): must be an integer ≥ 1")
    }
    return try AdaHessian(
      learningRate: Hyperparameter(s.number("learningRate")), beta1: s.number("beta1"),
      beta2: s.number("beta2"), epsilon: s.number("epsilon"), weightDecay: s.number("weightDecay"),
      hessianPower: s.number("hessianPower"), updateEvery: Int(every))
  }

  private static func number(_ name: String, _ value: Double, _ text: String, _ valid: String)
    -> HyperparameterInfo
  {
    HyperparameterInfo(
      name: name, defaultValue: .number(value), description: text, validValues: valid)
  }

  private static func flag(_ name: String, _ value: Bool, _ text: String) -> HyperparameterInfo {
    HyperparameterInfo(
      name: name, defaultValue: .boolean(value), description: text, validValues: "true|false")
  }
}

/// The candidate closest to `name` by edit distance (case-insensitive), if close enough to be a
/// plausible typo: at most 2 edits, or a third of the name's length.
func closestName(to name: String, in candidates: [String]) -> String? {
  let target = Array(name.lowercased())
  var best: (String, Int)?
  for candidate in candidates {
    let d = editDistance(target, Array(candidate.lowercased()))
    if best == nil || d < best!.1 { best = (candidate, d) }
  }
  guard let (candidate, distance) = best, distance <= max(2, target.count / 3) else { return nil }
  return candidate
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
      current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
    }
    swap(&previous, &current)
  }
  return previous[b.count]
}
