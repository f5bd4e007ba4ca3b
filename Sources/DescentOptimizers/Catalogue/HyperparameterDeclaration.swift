/// One hyperparameter of an optimizer, declared once beside its property: the `--set` name, how
/// to read and write it on the optimizer value, its constraint and a one-line description.
///
/// ```swift
/// .number("beta1", \.beta1, .unitInterval, "decay of the first moment")
/// .integer("updateEvery", \.updateEvery, atLeast: 1, "recompute D every this many steps")
/// .flag("amsgrad", \.amsgrad, "use the running maximum of the second moment (AMSGrad)")
/// ```
///
/// From the declarations come the initializers' validation (``OptimizerDescription/check(_:)``),
/// the catalogue entry, `--set` parsing and its errors, `descent optimizers` and the docs table.
/// Defaults are not repeated here: they are read from the optimizer that
/// ``OptimizerDescription`` builds with its initializer's default arguments.
public struct HyperparameterDeclaration<Optimizer>: Sendable {
  /// The `--set` key, also the Swift property name where there is one.
  public let name: String
  public let constraint: HyperparameterConstraint
  public let description: String
  let read: @Sendable (Optimizer) -> HyperparameterValue
  /// Writes a value that has already passed `constraint` (and is of the declaration's kind).
  let write: @Sendable (inout Optimizer, HyperparameterValue) -> Void
  /// Sets a schedule, for hyperparameters that take one (``learningRate(_:_:)``).
  let writeSchedule: (@Sendable (inout Optimizer, Hyperparameter) -> Void)?

  /// A declaration with its own accessors (a derived hyperparameter, e.g. a flag that picks an
  /// enum case).
  public init(
    name: String, constraint: HyperparameterConstraint, description: String,
    read: @escaping @Sendable (Optimizer) -> HyperparameterValue,
    write: @escaping @Sendable (inout Optimizer, HyperparameterValue) -> Void,
    writeSchedule: (@Sendable (inout Optimizer, Hyperparameter) -> Void)? = nil
  ) {
    self.name = name
    self.constraint = constraint
    self.description = description
    self.read = read
    self.write = write
    self.writeSchedule = writeSchedule
  }

  /// Whether the value is `true`/`false` rather than a number.
  public var isFlag: Bool { constraint == .boolean }

  /// The step size (`learningRate`, ≥ 0): a constant from the command line, any
  /// ``Hyperparameter`` (a schedule) in code. A schedule is checked at its first step.
  public static func learningRate(
    _ keyPath: WritableKeyPath<Optimizer, Hyperparameter> & Sendable,
    _ description: String = "step size (a schedule in code; a constant here)"
  ) -> Self {
    Self(
      name: "learningRate", constraint: .nonNegative, description: description,
      read: { .number($0[keyPath: keyPath].value(atStep: 0)) },
      write: { optimizer, value in
        optimizer[keyPath: keyPath] = Hyperparameter(value.number)
      },
      writeSchedule: { optimizer, schedule in optimizer[keyPath: keyPath] = schedule })
  }

  /// A real-valued hyperparameter.
  public static func number(
    _ name: String, _ keyPath: WritableKeyPath<Optimizer, Double> & Sendable,
    _ constraint: HyperparameterConstraint, _ description: String
  ) -> Self {
    Self(
      name: name, constraint: constraint, description: description,
      read: { .number($0[keyPath: keyPath]) },
      write: { optimizer, value in optimizer[keyPath: keyPath] = value.number })
  }

  /// A whole-number hyperparameter (`integer ≥ atLeast`).
  public static func integer(
    _ name: String, _ keyPath: WritableKeyPath<Optimizer, Int> & Sendable, atLeast bound: Int,
    _ description: String
  ) -> Self {
    Self(
      name: name, constraint: .integer(atLeast: bound), description: description,
      read: { .number(Double($0[keyPath: keyPath])) },
      write: { optimizer, value in optimizer[keyPath: keyPath] = Int(value.number) })
  }

  /// A flag.
  public static func flag(
    _ name: String, _ keyPath: WritableKeyPath<Optimizer, Bool> & Sendable, _ description: String
  ) -> Self {
    Self(
      name: name, constraint: .boolean, description: description,
      read: { .boolean($0[keyPath: keyPath]) },
      write: { optimizer, value in optimizer[keyPath: keyPath] = value.boolean })
  }

  /// A named choice: an enum property whose raw values are the `--set` values
  /// (`.choice("lineSearch", \.lineSearch, "none, or strong-wolfe line search")`).
  public static func choice<Choice>(
    _ name: String, _ keyPath: WritableKeyPath<Optimizer, Choice> & Sendable, _ description: String
  ) -> Self
  where Choice: RawRepresentable & CaseIterable & Sendable, Choice.RawValue == String {
    Self(
      name: name, constraint: .choice(Choice.allCases.map(\.rawValue)), description: description,
      read: { .choice($0[keyPath: keyPath].rawValue) },
      write: { optimizer, value in
        if case .choice(let raw) = value, let choice = Choice(rawValue: raw) {
          optimizer[keyPath: keyPath] = choice
        }
      })
  }

  /// Whether the value is one of named choices.
  public var isChoice: Bool {
    if case .choice = constraint { return true }
    return false
  }

  /// `maximize`: ascend the objective instead of descending.
  public static func maximize(_ keyPath: WritableKeyPath<Optimizer, Bool> & Sendable) -> Self {
    flag(
      "maximize", keyPath, "ascend the objective instead of descending (gradient negated first)")
  }

  /// `weightDecay` as PyTorch's coupled L2 penalty: weightDecay·θ added to the gradient.
  public static func coupledWeightDecay(_ keyPath: WritableKeyPath<Optimizer, Double> & Sendable)
    -> Self
  {
    number(
      "weightDecay", keyPath, .nonNegative, "coupled L2 penalty: weightDecay·θ added to the gradient")
  }

  /// `weightDecay` decoupled as AdamW's: θ multiplied by 1 − learningRate·weightDecay.
  public static func decoupledWeightDecay(
    _ keyPath: WritableKeyPath<Optimizer, Double> & Sendable
  ) -> Self {
    number(
      "weightDecay", keyPath, .nonNegative,
      "decoupled decay: θ multiplied by 1 − learningRate·weightDecay")
  }

  /// The three keys of ``StateStorage`` (`stateBits`, `blockSize`, `minQuantizedSize`) for an
  /// optimizer that can keep 8-bit block-wise state.
  public static func stateStorage(_ keyPath: WritableKeyPath<Optimizer, StateStorage> & Sendable)
    -> [Self]
  {
    [
      Self(
        name: "stateBits", constraint: .oneOf([8, 32]),
        description: "bits per optimizer-state value: 32, or 8 for block-wise quantized state",
        read: { .number(Double($0[keyPath: keyPath].bits)) },
        write: { optimizer, value in
          optimizer[keyPath: keyPath] = optimizer[keyPath: keyPath].with(bits: Int(value.number))
        }),
      Self(
        name: "blockSize", constraint: .powerOfTwo(16...4096),
        description: "values per quantization block of 8-bit state (one float32 absmax each)",
        read: { .number(Double($0[keyPath: keyPath].blockSize)) },
        write: { optimizer, value in
          optimizer[keyPath: keyPath] = optimizer[keyPath: keyPath].with(
            blockSize: Int(value.number))
        }),
      Self(
        name: "minQuantizedSize", constraint: .integer(atLeast: 0),
        description: "parameters with fewer elements keep 32-bit state",
        read: { .number(Double($0[keyPath: keyPath].minQuantizedSize)) },
        write: { optimizer, value in
          optimizer[keyPath: keyPath] = optimizer[keyPath: keyPath].with(
            minQuantizedSize: Int(value.number))
        }),
    ]
  }
}

extension HyperparameterValue {
  /// The number (0 for a flag; declarations only receive values of their own kind).
  var number: Double {
    if case .number(let x) = self { return x }
    return 0
  }

  /// The flag (false for a number).
  var boolean: Bool {
    if case .boolean(let b) = self { return b }
    return false
  }
}
