import Descent
import DescentOptimizers

/// What `--clip-norm`, `--clip-value`, `--accumulate` and `--no-decay-on` wrap around the
/// catalogue optimizer, composed as Optax composes them:
///
/// ```
/// AccumulateGradients(N) {            --accumulate N: one step per N batches, their mean gradient
///   ClipByValue(v)                    --clip-value v: each gradient element into [−v, v]
///   ClipByGlobalNorm(c)               --clip-norm c: the whole gradient to L2 norm ≤ c
///   Partitioned(optimizer(weightDecay: 0), others: optimizer)   --no-decay-on bias,norm
/// }
/// ```
///
/// Clipping sees the accumulated mean (PyTorch clips after accumulating, before `step()`).
/// Each wrapper keeps the optimizer's fused in-place step (``Composed`` hands the transformed
/// gradients to the optimizer's own `apply`). Loss-aware and curvature optimizers (AdaHessian,
/// Sophia, M-FAC) take curvature at one batch and the whole parameter tree, so they refuse these
/// options rather than run with a silently different meaning.
struct GradientProcessing: Equatable {
  var clipNorm: Double?
  var clipValue: Double?
  var accumulate: Int
  var noDecayOn: [ParameterGroup]

  init(_ configuration: TrainingConfiguration) {
    clipNorm = configuration.clipNorm
    clipValue = configuration.clipValue
    accumulate = configuration.accumulate ?? 1
    noDecayOn = (configuration.noDecayOn ?? []).compactMap(ParameterGroup.init(rawValue:))
  }

  var isEmpty: Bool { clipNorm == nil && clipValue == nil && accumulate == 1 && noDecayOn.isEmpty }

  /// The optimizer steps over a run of `batches` batches.
  func optimizerSteps(forBatches batches: Int) -> Int { (batches + accumulate - 1) / accumulate }

  /// The optimizer step that training step `step` (0-based batch index) belongs to.
  func optimizerStep(forBatch step: Int) -> Int { step / accumulate }

  /// Clipping, accumulation and parameter groups wrap first-order updates only: an optimizer
  /// that takes curvature (or a loss closure) at one batch over all parameters cannot be wrapped.
  func checkCompatible(with info: OptimizerInfo) throws {
    guard isEmpty || info.group == .firstOrder || info.group == .alias else {
      let options = [
        clipNorm.map { _ in "--clip-norm" }, clipValue.map { _ in "--clip-value" },
        accumulate > 1 ? "--accumulate" : nil, noDecayOn.isEmpty ? nil : "--no-decay-on",
      ].compactMap { $0 }
      throw TrainingError.usage(
        "\(options.joined(separator: ", ")) cannot be used with \(info.name) "
          + "(\(info.group.rawValue)): it takes curvature at one batch over all parameters; use a "
          + "first-order optimizer")
    }
  }

  /// Checks the values, and that they fit the optimizer (the configuration's `validate`, so
  /// `compare` refuses before any run what `train` refuses).
  static func validate(_ configuration: TrainingConfiguration) throws {
    func check(_ ok: Bool, _ message: String) throws {
      if !ok { throw TrainingError.usage(message) }
    }
    if let c = configuration.clipNorm {
      try check(c.isFinite && c > 0, "--clip-norm \(c): must be a finite number > 0")
    }
    if let v = configuration.clipValue {
      try check(v.isFinite && v > 0, "--clip-value \(v): must be a finite number > 0")
    }
    if let n = configuration.accumulate {
      let rule = WholeNumberFlags.accumulate
      try check(rule.admits(n), rule.problem(flag: "--accumulate", value: n))
    }
    for group in configuration.noDecayOn ?? [] where ParameterGroup(rawValue: group) == nil {
      throw TrainingError.usage(
        "--no-decay-on \(group): unknown parameter group; use "
          + ParameterGroup.allCases.map(\.rawValue).joined(separator: ", "))
    }
    // An unknown optimizer name is reported by the catalogue's own check.
    if let info = try? OptimizerCatalogue.info(named: configuration.optimizer) {
      try GradientProcessing(configuration).checkCompatible(with: info)
    }
  }

  /// `base` (already built by the catalogue) wrapped as the options say; `make` rebuilds the
  /// optimizer with other settings (the no-decay group's `weightDecay=0`).
  func wrap(
    _ base: any GradientTransformation, info: OptimizerInfo,
    make: ([String: String]) throws -> any GradientTransformation
  ) throws -> any GradientTransformation {
    if isEmpty { return base }
    try checkCompatible(with: info)
    var transformation = base
    if !noDecayOn.isEmpty {
      guard info.hyperparameters.contains(where: { $0.name == "weightDecay" }) else {
        throw TrainingError.usage(
          "--no-decay-on: \(info.name) has no weightDecay to turn off; drop the option")
      }
      transformation = Self.partition(
        try make(["weightDecay": "0"]), others: transformation,
        where: ParameterGroup.noDecay(noDecayOn))
    }
    if let clipNorm { transformation = Self.compose(ClipByGlobalNorm(clipNorm), transformation) }
    if let clipValue { transformation = Self.compose(ClipByValue(clipValue), transformation) }
    if accumulate > 1 { transformation = Self.accumulated(accumulate, transformation) }
    return transformation
  }

  private static func partition<A: GradientTransformation, B: GradientTransformation>(
    _ selected: A, others: B, where predicate: @escaping @Sendable (String, [Int]) -> Bool
  ) -> any GradientTransformation {
    Partitioned(selected, others: others, where: predicate)
  }

  private static func compose<A: GradientTransformation, B: GradientTransformation>(
    _ first: A, _ second: B
  ) -> any GradientTransformation {
    Composed(first, second)
  }

  private static func accumulated<T: GradientTransformation>(_ steps: Int, _ inner: T)
    -> any GradientTransformation
  {
    AccumulateGradients(steps: steps, inner)
  }
}
