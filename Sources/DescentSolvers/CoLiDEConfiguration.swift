/// The hyperparameters of a CoLiDE fit (arXiv:2310.02895), with the defaults of the official
/// demo `main.py` (SAMiatto/colide f369759): λ = 0.05, T = 4 stages with s = [1.0, 0.9, 0.8, 0.7],
/// μ = 1 shrunk by 0.1 per stage, 2·10⁴ Adam iterations in each warm stage and 7·10⁴ in the last,
/// learning rate 3·10⁻⁴, Adam β₁ = 0.99, β₂ = 0.999, ε = 10⁻⁸, objective checked every 1000
/// iterations with relative tolerance 10⁻⁶. (`model.py`'s own `fit` defaults are T = 5,
/// s = [1, .9, .8, .7, .6], 3·10⁴ / 6·10⁴ iterations; the demo's values are the paper's.)
public struct CoLiDEConfiguration: Sendable, Equatable {
  /// λ, the L1 weight.
  public var lambda: Double = 0.05
  /// s for each stage; the last value repeats when there are more stages than values.
  public var s: [Double] = [1.0, 0.9, 0.8, 0.7]
  /// T, the number of stages of the μ path.
  public var stages: Int = 4
  public var muInit: Double = 1.0
  public var muFactor: Double = 0.1
  /// Adam iterations in every stage but the last.
  public var warmIterations: Int = 20_000
  /// Adam iterations in the last stage.
  public var maxIterations: Int = 70_000
  public var learningRate: Double = 3e-4
  /// Iterations between objective checks.
  public var checkpoint: Int = 1000
  /// Relative objective change that ends a stage.
  public var tolerance: Double = 1e-6
  public var beta1: Double = 0.99
  public var beta2: Double = 0.999
  public var epsilon: Double = 1e-8

  public init() {}

  /// s for stage i (0-based), the list padded with its last value.
  func s(forStage i: Int) -> Double { i < s.count ? s[i] : s[s.count - 1] }

  func validate() throws {
    let owner = "CoLiDE"
    try Check.nonNegative(lambda, "lambda", in: owner)
    guard stages >= 1 else {
      throw SolverError.invalidArgument("\(owner): stages = \(stages) is invalid: must be ≥ 1")
    }
    guard !s.isEmpty else {
      throw SolverError.invalidArgument("\(owner): s is empty: give ≥ 1 value")
    }
    for value in s { try Check.positive(value, "s", in: owner) }
    try Check.positive(muInit, "muInit", in: owner)
    try Check.positive(muFactor, "muFactor", in: owner)
    try Check.positive(learningRate, "learningRate", in: owner)
    try Check.positive(tolerance, "tolerance", in: owner)
    try Check.positive(epsilon, "epsilon", in: owner)
    for (name, value) in [("beta1", beta1), ("beta2", beta2)] {
      guard value >= 0, value < 1 else {
        throw SolverError.invalidArgument(
          "\(owner): \(name) = \(Check.format(value)) is invalid: must be in [0, 1)")
      }
    }
    for (name, value) in [
      ("warmIterations", warmIterations), ("maxIterations", maxIterations),
      ("checkpoint", checkpoint),
    ] where value < 1 {
      throw SolverError.invalidArgument("\(owner): \(name) = \(value) is invalid: must be ≥ 1")
    }
  }
}
