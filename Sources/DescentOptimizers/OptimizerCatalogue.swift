import Descent
import Foundation
import Synchronization

/// The value of a hyperparameter as the catalogue describes and parses it.
public enum HyperparameterValue: Sendable, Equatable, Codable, CustomStringConvertible {
  case number(Double)
  case boolean(Bool)
  /// One of a declaration's named choices (`lineSearch=strong-wolfe`).
  case choice(String)

  public var description: String {
    switch self {
    case .number(let x): Validate.format(x)
    case .boolean(let b): b ? "true" : "false"
    case .choice(let name): name
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let x): try container.encode(x)
    case .boolean(let b): try container.encode(b)
    case .choice(let name): try container.encode(name)
    }
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let b = try? container.decode(Bool.self) {
      self = .boolean(b)
    } else if let name = try? container.decode(String.self) {
      self = .choice(name)
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
  /// Which training support it needs (see ``OptimizerGroup``).
  public let group: OptimizerGroup
  /// The Swift type that implements it (`AdamW`).
  public let typeName: String
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
  ///
  /// `learningRateSchedule`: the learning rate follows this schedule (indexed by the driver's
  /// step, ``UpdateContext/step`` − 1) instead of the constant; the optimizer applies it inside
  /// its own step, as PyTorch's schedulers set `lr` before each step.
  public func make(
    learningRate: Double? = nil, settings: [String: String] = [:],
    fullPrecisionStatePaths: Set<String> = [], learningRateSchedule: (any Schedule)? = nil
  ) throws -> any GradientTransformation {
    try factory(
      OptimizerSettings(
        values: resolvedValues(learningRate: learningRate, settings: settings),
        fullPrecisionStatePaths: fullPrecisionStatePaths,
        learningRateSchedule: learningRateSchedule.map(Hyperparameter.init)))
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
      // Exactly the two words the message names (and `descent optimizers` lists): `yes` or `1`
      // would be a guess at what was meant.
      switch trimmed {
      case "true": return .boolean(true)
      case "false": return .boolean(false)
      default:
        throw OptimizerError.invalidHyperparameter(
          "\(name): \(info.name)=\(text) is invalid: must be true or false")
      }
    case .choice:
      let choices = info.validValues.split(separator: "|").map(String.init)
      guard choices.contains(trimmed) else {
        throw OptimizerError.invalidHyperparameter(
          "\(name): \(info.name)=\(text) is invalid: must be one of \(choices.joined(separator: ", "))")
      }
      return .choice(trimmed)
    case .number:
      // Finite, checked on the text as typed: `beta1=1e999` is refused as `1e999`, not as the
      // infinity it parses to; the range is checked by the optimizer's declaration.
      guard let x = HyperparameterConstraint.finite.value(of: trimmed) else {
        throw OptimizerError.invalidHyperparameter(
          "\(name): \(info.name)=\(text) is invalid: must be a finite number; valid values: \(info.validValues)"
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
  /// A schedule for the learning rate (replacing its constant), if any.
  public let learningRateSchedule: Hyperparameter?

  public init(
    values: [String: HyperparameterValue], fullPrecisionStatePaths: Set<String> = [],
    learningRateSchedule: Hyperparameter? = nil
  ) {
    self.values = values
    self.fullPrecisionStatePaths = fullPrecisionStatePaths
    self.learningRateSchedule = learningRateSchedule
  }

  public func number(_ name: String) -> Double {
    guard case .number(let x)? = values[name] else {
      preconditionFailure("OptimizerSettings: \(name) is not a numeric hyperparameter")
    }
    return x
  }

  public func choice(_ name: String) -> String {
    guard case .choice(let c)? = values[name] else {
      preconditionFailure("OptimizerSettings: \(name) is not a choice hyperparameter")
    }
    return c
  }

  public func flag(_ name: String) -> Bool {
    guard case .boolean(let b)? = values[name] else {
      preconditionFailure("OptimizerSettings: \(name) is not a boolean hyperparameter")
    }
    return b
  }
}

/// Every optimizer that `descent train/compare/optimize --optimizer NAME` and `descent optimizers`
/// know. Each entry comes from its type's ``CataloguedOptimizer/catalogueEntry`` (one declaration
/// per hyperparameter beside the optimizer's rule); this enum only lists the types.
public enum OptimizerCatalogue {
  /// The catalogued optimizer types, in the order `descent optimizers` lists each group. Adding
  /// an optimizer adds its type here (CatalogueRegistrationTests fails when a type that conforms
  /// to ``CataloguedOptimizer`` is missing).
  public static let registered: [any CataloguedOptimizer.Type] = [
    SGD.self, Adagrad.self, Adadelta.self, RMSprop.self, Adam.self, AdamW.self, DiffGrad.self,
    AdaGradNorm.self, AdaHessian.self, MFAC.self, SophiaG.self, SophiaH.self,
    NAdam.self, RAdam.self, Adamax.self,
    AdaBelief.self, Yogi.self, Lion.self, Adan.self,
    Signum.self, OptimisticGradientDescent.self, OptimisticAdam.self,
    ADOPT.self, AdEMAMix.self,
    Rprop.self, ASGD.self, Adafactor.self, LAMB.self, LARS.self, NovoGrad.self, Fromage.self,
    SM3.self, MADGRAD.self, ScheduleFreeAdamW.self, ScheduleFreeSGD.self,
    Prodigy.self, DAdaptAdamW.self, DoG.self, DoWG.self, COCOB.self, Momo.self,
    PolyakSGD.self, Muon.self,
  ]

  /// The built-in entries, grouped as ``OptimizerGroup`` orders them (first-order, aliases,
  /// loss-aware, curvature), registration order within a group.
  public static let builtIn: [OptimizerInfo] = grouped(registered.flatMap { $0.catalogueInfos })

  /// Every entry `descent` can run: ``builtIn``, then the optimizers registered at run time
  /// with ``register(_:)``. `descent optimizers` lists these.
  public static var available: [OptimizerInfo] {
    builtIn + grouped(userRegistered.withLock { $0 }.flatMap { $0.catalogueInfos })
  }

  private static func grouped(_ entries: [OptimizerInfo]) -> [OptimizerInfo] {
    OptimizerGroup.allCases.flatMap { group in entries.filter { $0.group == group } }
  }

  private static let userRegistered = Mutex<[any CataloguedOptimizer.Type]>([])

  /// Adds an optimizer written outside this package to the catalogue, so that
  /// `OptimizerCatalogue.make(name)` and a `descent`-style tool built on DescentTraining can run
  /// it by name. Throws when its name (or an alias) is taken.
  public static func register(_ type: any CataloguedOptimizer.Type) throws {
    let names = type.catalogueInfos.map(\.name)
    try userRegistered.withLock { types in
      let taken = Set((builtIn + types.flatMap { $0.catalogueInfos }).map(\.name))
      if let clash = names.first(where: taken.contains) {
        throw OptimizerError.invalidHyperparameter(
          "cannot register \(type): the name '\(clash)' is already in the catalogue")
      }
      types.append(type)
    }
  }

  /// The built-in first-order optimizers: the shared golden parity and convergence tables drive
  /// them, and `descent compare` runs them by default.
  public static var all: [OptimizerInfo] { builtIn.filter { $0.group == .firstOrder } }

  /// The names of ``all``, in catalogue order.
  public static var names: [String] { all.map(\.name) }

  /// `adam8bit` and `adamw8bit`: aliases with 8-bit state by default.
  public static var eightBitAliases: [OptimizerInfo] { builtIn.filter { $0.group == .alias } }

  /// Optimizers that need the loss function (Hessian-vector products): `adahessian`.
  public static var lossAware: [OptimizerInfo] { builtIn.filter { $0.group == .lossAware } }

  /// `mfac`, `sophia` (SophiaG) and `sophiah`: curvature methods with their own training support
  /// (`descent train` makes SophiaG's sampled-label Hessian estimate) and their own parity tests.
  public static var curvatureOptimizers: [OptimizerInfo] {
    builtIn.filter { $0.group == .curvature }
  }

  /// The optimizer called `name` (case-insensitive), or a one-line
  /// ``OptimizerError/unknownOptimizer(_:)`` with a did-you-mean suggestion.
  public static func info(named name: String) throws -> OptimizerInfo {
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
}

extension CataloguedOptimizer {
  /// This type's catalogue entries (itself and its aliases).
  static var catalogueInfos: [OptimizerInfo] { catalogueEntry.infos }
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
