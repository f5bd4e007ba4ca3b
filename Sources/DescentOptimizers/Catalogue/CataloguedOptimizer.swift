import Descent

/// An optimizer that describes itself for the catalogue: `descent optimizers`, `--optimizer NAME`
/// and `--set key=value` all come from its ``catalogueEntry``, and its initializer validates with
/// the same declarations (``OptimizerDescription/check(_:)``).
///
/// One file per optimizer: the doc comment (rule, paper, reference, defaults, deviations), the
/// properties with an initializer whose default arguments are the defaults, `catalogueEntry`,
/// the typed state and the step. Register the type in ``OptimizerCatalogue/registered`` (a test
/// fails when a conforming type is missing there). docs/optimizers.md, "Adding an optimizer".
public protocol CataloguedOptimizer: GradientTransformation {
  /// Name, summary, paper, reference, group and hyperparameter declarations.
  static var catalogueEntry: OptimizerDescription<Self> { get }

  /// Throws a one-line ``OptimizerError`` when the hyperparameters are invalid. The default
  /// checks each declared hyperparameter against its constraint; optimizers with rules that
  /// relate several values (Nesterov needs momentum) add them after calling
  /// `Self.catalogueEntry.check(self)`.
  func validate() throws
}

extension CataloguedOptimizer {
  public func validate() throws { try Self.catalogueEntry.check(self) }
}

/// Which training support an optimizer needs, which decides where the catalogue lists it and
/// what `descent compare` runs by default.
public enum OptimizerGroup: String, Sendable, Codable, CaseIterable {
  /// Gradients only: the shared golden parity table drives these, and `descent compare` runs
  /// them by default.
  case firstOrder = "first-order"
  /// An alias of a first-order optimizer with other defaults (`adam8bit`).
  case alias
  /// Needs the loss function for Hessian-vector products (`lossFunction:` or `curvature:`).
  case lossAware = "loss-aware"
  /// Curvature methods with their own training support (gradient history, sampled labels).
  case curvature
}

/// The catalogue's description of one optimizer type: what it is, where it comes from, its
/// hyperparameters, and how to build it from `--set` values.
public struct OptimizerDescription<Optimizer: CataloguedOptimizer>: Sendable {
  public let name: String
  public let summary: String
  public let paper: String
  public let reference: String
  public let group: OptimizerGroup
  /// Every hyperparameter, `learningRate` first.
  public let hyperparameters: [HyperparameterDeclaration<Optimizer>]
  /// The optimizer with every default (its initializer with no arguments).
  let defaults: @Sendable () throws -> Optimizer
  /// Where the optimizer keeps its ``StateStorage``, if it can keep 8-bit state.
  let stateStorage: (any WritableKeyPath<Optimizer, StateStorage> & Sendable)?
  /// Other names for this optimizer with other defaults (`adam8bit`: `stateBits` 8).
  public let aliases: [Alias]

  /// A catalogue name that runs the same optimizer with some defaults changed.
  public struct Alias: Sendable {
    public let name: String
    public let summary: String
    public let paper: String
    public let reference: String
    /// The changed defaults, by `--set` key.
    public let defaults: [String: HyperparameterValue]

    public init(
      name: String, summary: String, paper: String, reference: String,
      defaults: [String: HyperparameterValue]
    ) {
      self.name = name
      self.summary = summary
      self.paper = paper
      self.reference = reference
      self.defaults = defaults
    }
  }

  /// - Parameters:
  ///   - defaults: builds the optimizer with its initializer's defaults (`{ try Adam() }`).
  public init(
    name: String, summary: String, paper: String, reference: String,
    group: OptimizerGroup = .firstOrder, hyperparameters: [HyperparameterDeclaration<Optimizer>],
    aliases: [Alias] = [], defaults: @escaping @Sendable () throws -> Optimizer
  ) {
    self.init(
      name: name, summary: summary, paper: paper, reference: reference, group: group,
      hyperparameters: hyperparameters, storage: nil, aliases: aliases, defaults: defaults)
  }

  /// An optimizer that can keep 8-bit state: `stateStorage` is its ``StateStorage`` property,
  /// whose three keys are appended to `hyperparameters`.
  public init(
    name: String, summary: String, paper: String, reference: String,
    group: OptimizerGroup = .firstOrder, hyperparameters: [HyperparameterDeclaration<Optimizer>],
    stateStorage: WritableKeyPath<Optimizer, StateStorage> & Sendable,
    aliases: [Alias] = [], defaults: @escaping @Sendable () throws -> Optimizer
  ) {
    self.init(
      name: name, summary: summary, paper: paper, reference: reference, group: group,
      hyperparameters: hyperparameters + HyperparameterDeclaration.stateStorage(stateStorage),
      storage: stateStorage, aliases: aliases, defaults: defaults)
  }

  private init(
    name: String, summary: String, paper: String, reference: String, group: OptimizerGroup,
    hyperparameters: [HyperparameterDeclaration<Optimizer>],
    storage: (any WritableKeyPath<Optimizer, StateStorage> & Sendable)?, aliases: [Alias],
    defaults: @escaping @Sendable () throws -> Optimizer
  ) {
    self.name = name
    self.summary = summary
    self.paper = paper
    self.reference = reference
    self.group = group
    self.hyperparameters = hyperparameters
    self.stateStorage = storage
    self.aliases = aliases
    self.defaults = defaults
  }

  /// Checks every declared hyperparameter of `optimizer` against its constraint:
  /// `adam: beta1 = 1.5 is invalid: must be in [0, 1)`.
  public func check(_ optimizer: Optimizer) throws {
    for declaration in hyperparameters {
      try check(declaration.read(optimizer), of: declaration)
    }
  }

  func check(_ value: HyperparameterValue, of declaration: HyperparameterDeclaration<Optimizer>)
    throws
  {
    if case .choice(let names) = declaration.constraint {
      guard case .choice(let name) = value, names.contains(name) else {
        throw OptimizerError.invalidHyperparameter(
          "\(self.name): \(declaration.name) = \(value) is invalid: must be \(declaration.constraint.requirement)"
        )
      }
      return
    }
    guard case .number(let x) = value, !declaration.isFlag else { return }
    guard declaration.constraint.admits(x) else {
      throw OptimizerError.invalidHyperparameter(
        "\(name): \(declaration.name) = \(Validate.format(x)) is invalid: must be \(declaration.constraint.requirement)"
      )
    }
  }

  /// The optimizer with `values` (by `--set` key, already parsed) over its defaults, validated.
  func make(_ settings: OptimizerSettings) throws -> Optimizer {
    var optimizer = try defaults()
    for declaration in hyperparameters {
      guard let value = settings.values[declaration.name] else { continue }
      try check(value, of: declaration)
      declaration.write(&optimizer, value)
    }
    if let schedule = settings.learningRateSchedule {
      guard let declaration = hyperparameters.first(where: { $0.name == "learningRate" }),
        let writeSchedule = declaration.writeSchedule
      else {
        throw OptimizerError.invalidHyperparameter(
          "\(name) has no learning rate to schedule: run it without --schedule and --warmup")
      }
      writeSchedule(&optimizer, schedule)
    }
    let fullPrecisionStatePaths = settings.fullPrecisionStatePaths
    if let stateStorage {
      optimizer[keyPath: stateStorage] = optimizer[keyPath: stateStorage].keepingFullPrecision(
        fullPrecisionStatePaths)
    }
    try optimizer.validate()
    return optimizer
  }

  /// The catalogue entries: this optimizer and its aliases.
  var infos: [OptimizerInfo] {
    let base = (try? defaults()).map { optimizer in
      hyperparameters.map { declaration in
        HyperparameterInfo(
          name: declaration.name, defaultValue: declaration.read(optimizer),
          description: declaration.description, validValues: declaration.constraint.text)
      }
    }
    guard let base else {
      preconditionFailure("\(name): the initializer's defaults do not validate")
    }
    let make: @Sendable (OptimizerSettings) throws -> any GradientTransformation = { settings in
      try self.make(settings)
    }
    let own = OptimizerInfo(
      name: name, summary: summary, paper: paper, reference: reference, group: group,
      typeName: String(describing: Optimizer.self), hyperparameters: base, factory: make)
    return [own]
      + aliases.map { alias in
        OptimizerInfo(
          name: alias.name, summary: alias.summary, paper: alias.paper,
          reference: alias.reference, group: .alias, typeName: String(describing: Optimizer.self),
          hyperparameters: base.map { info in
            guard let value = alias.defaults[info.name] else { return info }
            return HyperparameterInfo(
              name: info.name, defaultValue: value, description: info.description,
              validValues: info.validValues)
          },
          factory: { settings in
            do { return try make(settings) } catch OptimizerError.invalidHyperparameter(
              let message) where message.hasPrefix("\(name): ")
            {
              // Errors name the alias the user typed, not the optimizer behind it.
              throw OptimizerError.invalidHyperparameter(
                alias.name + message.dropFirst(name.count))
            }
          })
      }
  }
}
