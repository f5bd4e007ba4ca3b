import Descent
import DescentOptimizers
import DescentTestSupport
import Foundation
import Testing

/// The points beside the training iterate that two optimizers report, against their references'
/// golden trajectories (scripts/golden/make_catalogue2_golden.py, Rosenbrock cases): ASGD's
/// averaged iterate (torch's `state["ax"]`, `ASGD.State.averagedParameters`) and the
/// schedule-free methods' evaluation point x (`optax.contrib.schedule_free_eval_params`,
/// `Optimizer.evaluationParameters`), every step to 1e-9 relative.
@Suite struct EvaluationPointTests {
  struct GoldenFile: Decodable {
    struct Case: Decodable {
      let problem: String
      let settings: [String: HyperparameterValue]
      let trajectory: [[Double]]
      let averagedTrajectory: [[Double]]?
      let evaluationTrajectory: [[Double]]?
    }
    let cases: [Case]
  }

  static func golden(_ name: String) throws -> GoldenFile {
    let url = try #require(
      Bundle.module.url(
        forResource: "optimizer-\(name)", withExtension: "json", subdirectory: "Golden"))
    return try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
  }

  /// Steps every Rosenbrock case of `name` and compares `reported(optimizer, parameters)` with the
  /// golden trajectory `expected(case)` after each step.
  func check(
    _ name: String, expected: (GoldenFile.Case) -> [[Double]]?,
    reported: (Optimizer, ParameterTree) -> ParameterTree
  ) throws {
    let cases = try Self.golden(name).cases.filter { $0.problem == "rosenbrock" }
    #expect(cases.count >= 3)
    for goldenCase in cases {
      let points = try #require(expected(goldenCase), "\(name): golden case without the trajectory")
      let transformation = try OptimizerCatalogue.make(
        name, settings: goldenCase.settings.mapValues(\.description))
      var parameters = ParameterTree([("x", Tensor(goldenCase.trajectory[0], dtype: .float64))])
      let optimizer = Optimizer(erasing: transformation, for: parameters)
      for step in 1..<points.count {
        let g = TestProblems.rosenbrockGradient(parameters["x"]!.doubles)
        try optimizer.step(&parameters, gradients: ParameterTree([("x", Tensor(g, dtype: .float64))]))
        if let failure = mismatch(
          flattened(reported(optimizer, parameters)), points[step], relativeTolerance: 1e-9,
          absoluteTolerance: 1e-12)
        {
          Issue.record("\(name) \(goldenCase.settings), step \(step): \(failure)")
          break
        }
      }
    }
  }

  @Test func asgdReportsTorchsAveragedIterate() throws {
    try check("asgd", expected: \.averagedTrajectory) { optimizer, _ in
      optimizer.state(as: ASGD.State.self)!.averagedParameters
    }
  }

  @Test(arguments: ["schedule-free-adamw", "schedule-free-sgd"])
  func scheduleFreeEvaluatesAtOptaxsPoint(_ name: String) throws {
    try check(name, expected: \.evaluationTrajectory) { optimizer, parameters in
      #expect(optimizer.hasEvaluationPoint)
      return optimizer.evaluationParameters(parameters)
    }
  }

  /// The averaged iterate departs from the parameters only once t0 is passed (step t0 + 3).
  @Test func asgdAveragesOnlyAfterT0() throws {
    var parameters = ParameterTree([("x", Tensor([-1.5, 2], dtype: .float64))])
    let optimizer = Optimizer(try ASGD(learningRate: 1e-4, t0: 5), for: parameters)
    for step in 1...10 {
      let g = TestProblems.rosenbrockGradient(parameters["x"]!.doubles)
      try optimizer.step(&parameters, gradients: ParameterTree([("x", Tensor(g, dtype: .float64))]))
      let average = optimizer.state(as: ASGD.State.self)!.averagedParameters
      if step <= 7 {  // μ of step t is 1/max(1, t − 1 − t0)
        #expect(average == parameters, "step \(step)")
      } else {
        #expect(average != parameters, "step \(step)")
      }
    }
  }

  /// Optimizers without an evaluation point evaluate at their parameters.
  @Test func othersEvaluateAtTheirParameters() throws {
    let parameters = ParameterTree([("x", Tensor([-1.5, 2], dtype: .float64))])
    let optimizer = Optimizer(try Adam(), for: parameters)
    #expect(!optimizer.hasEvaluationPoint)
    #expect(optimizer.evaluationParameters(parameters) == parameters)
  }
}
