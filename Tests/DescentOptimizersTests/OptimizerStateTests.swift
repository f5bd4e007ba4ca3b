import Descent
import DescentOptimizers
import DescentTestSupport
import Foundation
import Testing

/// Checkpointing: stop at step k, encode, decode into a fresh driver, continue — the trajectory is
/// the uninterrupted one bit for bit.
@Suite struct OptimizerStateTests {
  static func startParameters(_ dtype: DType = .float64) -> ParameterTree {
    var rng = SplitMix64(state: 3)
    return ParameterTree([
      ("layer.weight", Tensor(rng.values(12), shape: [3, 4], dtype: dtype)),
      ("layer.bias", Tensor(rng.values(5), shape: [5], dtype: dtype)),
    ])
  }

  /// ∇ of Σ (¼p⁴ − ½p² + 0.1p): a non-trivial, deterministic gradient.
  static func gradient(_ parameters: ParameterTree) -> ParameterTree {
    parameters.map { p in p * p * p - p + 0.1 }
  }

  /// Σ (¼p⁴ − ½p² + 0.1p) + 10, whose gradient is ``gradient(_:)`` (positive here), for the
  /// optimizers that read the loss (momo, polyak-sgd).
  static func loss(_ parameters: ParameterTree) -> Double {
    flattened(parameters).reduce(10) { $0 + $1 * $1 * $1 * $1 / 4 - $1 * $1 / 2 + 0.1 * $1 }
  }

  static func run(_ optimizer: Optimizer, _ parameters: inout ParameterTree, steps: Int) throws {
    for _ in 0..<steps {
      try optimizer.step(&parameters, gradients: gradient(parameters), loss: loss(parameters))
    }
  }

  /// Every first-order catalogue optimizer (so a new one is covered without an edit), with the
  /// state-bearing variants below switched on where there are some.
  static let configurations: [(String, [String: String])] = OptimizerCatalogue.names.map {
    ($0, stateBearingVariants[$0] ?? [:])
  }

  /// Settings that give an optimizer more state than its defaults do.
  static let stateBearingVariants: [String: [String: String]] = Dictionary(uniqueKeysWithValues: [
    ("sgd", ["momentum": "0.9", "nesterov": "true"]),
    ("adagrad", ["lrDecay": "0.1", "initialAccumulatorValue": "0.1"]),
    ("adadelta", [:]),
    ("rmsprop", ["centered": "true", "momentum": "0.5"]),
    ("adam", ["amsgrad": "true"]),
    ("adamw", ["amsgrad": "true"]),
    ("diffgrad", [:]),
    ("adagradnorm", [:]),
    ("nadam", ["weightDecay": "0.1", "decoupledWeightDecay": "true"]),
    ("radam", ["weightDecay": "0.01"]),
    ("adan", ["weightDecay": "0.01"]),
    ("optimistic-adam", ["nesterov": "false"]),
    ("adopt", ["nesterov": "true"]),
    ("asgd", ["t0": "3"]),
  ])

  @Test(arguments: configurations.map(\.0))
  func stateRoundTripContinuesBitForBit(_ name: String) throws {
    let settings = Self.configurations.first { $0.0 == name }!.1
    let transformation = try OptimizerCatalogue.make(name, learningRate: 0.01, settings: settings)
    var uninterrupted = Self.startParameters()
    try Self.run(Optimizer(erasing: transformation, for: uninterrupted), &uninterrupted, steps: 20)

    var resumed = Self.startParameters()
    let first = Optimizer(erasing: transformation, for: resumed)
    try Self.run(first, &resumed, steps: 10)
    let saved = try first.stateDictionary()
    let fresh = try OptimizerCatalogue.make(name, learningRate: 0.01, settings: settings)
    let second = Optimizer(erasing: fresh, for: resumed)
    try second.loadStateDictionary(saved)
    #expect(second.stepCount == 10)
    try Self.run(second, &resumed, steps: 10)
    #expect(resumed == uninterrupted, "\(name): resumed trajectory differs")
    #expect(resumed != Self.startParameters())
  }

  @Test func chainStateRoundTripsBitForBit() throws {
    func make() -> some GradientTransformation {
      AccumulateGradients(steps: 2) {
        ClipByGlobalNorm(1)
        ScaleByAdam()
        Masked(AddDecayedWeights(0.01)) { !$0.hasSuffix("bias") }
        ScaleByLearningRate(Hyperparameter(halvingSchedule))
      }
    }
    var uninterrupted = Self.startParameters()
    try Self.run(Optimizer(make(), for: uninterrupted), &uninterrupted, steps: 21)
    var resumed = Self.startParameters()
    let first = Optimizer(make(), for: resumed)
    try Self.run(first, &resumed, steps: 9)  // mid-accumulation
    let data = try first.stateDictionary()
    let second = Optimizer(make(), for: resumed)
    try second.loadStateDictionary(data)
    try Self.run(second, &resumed, steps: 12)
    #expect(resumed == uninterrupted)
  }

  @Test func loadingAnotherOptimizersStateThrows() throws {
    let parameters = Self.startParameters()
    let adam = Optimizer(try Adam(), for: parameters)
    let sgd = Optimizer(try SGD(momentum: 0.9), for: parameters)
    let data = try adam.stateDictionary()
    #expect(throws: OptimizerError.self) { try sgd.loadStateDictionary(data) }
    #expect(throws: OptimizerError.self) { try sgd.loadStateDictionary(Data("{}".utf8)) }
  }

  @Test func typedStateIsReachable() throws {
    var parameters = Self.startParameters()
    let optimizer = Optimizer(try Adam(amsgrad: true), for: parameters)
    try Self.run(optimizer, &parameters, steps: 3)
    let state = try #require(optimizer.state(as: Adam.State.self))
    #expect(state.step == 3 && state.maxExpAvgSq.count == 2)
  }
}

/// A schedule for the tests: 0.1, halved every 5 steps.
let halvingSchedule = StepDecay(initial: 0.1, stepSize: 5, gamma: 0.5)
