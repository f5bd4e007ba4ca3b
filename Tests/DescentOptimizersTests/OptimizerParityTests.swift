import Descent
import DescentOptimizers
import DescentTestSupport
import Foundation
import Testing

/// Every catalogued optimizer against golden trajectories from its reference implementation
/// (PyTorch 2.13.0 `torch.optim`, torch-optimizer 0.3.0 `DiffGrad`), made by
/// scripts/golden/make_optimizer_golden.py: 100 float64 steps per hyperparameter setting on the
/// Rosenbrock function and on a small MLP whose gradients come from Descent's autodiff here and
/// from torch autograd there. Every step must agree to 1e-9 relative (1e-12 absolute near zero).
@Suite struct OptimizerParityTests {
  struct GoldenFile: Decodable {
    struct Case: Decodable {
      let problem: String
      let settings: [String: HyperparameterValue]
      let trajectory: [[Double]]
      /// The loss at the parameters before each step, for optimizers that use it (polyak-sgd,
      /// momo, lbfgs): fed to `Optimizer.step(loss:)`.
      let losses: [Double]?
    }
    struct Values: Decodable {
      let shape: [Int]
      let values: [Double]
    }
    struct MLPData: Decodable {
      let parameters: [String: Values]
      let inputs: [Double]
      let targets: [Double]
      let inputShape: [Int]
      let targetShape: [Int]
    }
    let optimizer: String
    let reference: String
    let steps: Int
    let mlp: MLPData
    let cases: [Case]
  }

  static func golden(_ name: String) throws -> GoldenFile {
    let url = try #require(
      Bundle.module.url(
        forResource: "optimizer-\(name)", withExtension: "json", subdirectory: "Golden"))
    return try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
  }

  @Test(arguments: OptimizerCatalogue.names)
  func matchesReferenceStepForStep(_ name: String) throws {
    let golden = try Self.golden(name)
    #expect(golden.optimizer == name)
    #expect(golden.steps >= 100)
    let settingsSeen = Set(golden.cases.map { $0.settings.keys.sorted() })
    // Three distinct settings, or (for optimizers with a single option, Optax's signum and
    // fromage) every hyperparameter varied somewhere.
    let varied = Set(golden.cases.flatMap { $0.settings.keys })
    let declared = Set(try OptimizerCatalogue.info(named: name).hyperparameters.map(\.name))
      .subtracting(["learningRate", "maximize", "stateBits", "blockSize", "minQuantizedSize"])
    #expect(
      settingsSeen.count >= 3 || (settingsSeen.count >= 2 && declared.isSubset(of: varied)),
      "too few hyperparameter settings for \(name)")
    for goldenCase in golden.cases {
      let settings = goldenCase.settings.mapValues(\.description)
      let transformation = try OptimizerCatalogue.make(name, settings: settings)
      let sign = goldenCase.settings["maximize"] == .boolean(true) ? -1.0 : 1.0
      let label = "\(name) \(goldenCase.problem) \(settings.sorted { $0.key < $1.key })"
      var parameters: ParameterTree
      let gradient: (ParameterTree) -> ParameterTree
      switch goldenCase.problem {
      case "rosenbrock":
        parameters = ParameterTree([("x", Tensor(goldenCase.trajectory[0], dtype: .float64))])
        gradient = { p in
          let g = TestProblems.rosenbrockGradient(p["x"]!.doubles).map { sign * $0 }
          return ParameterTree([("x", Tensor(g, dtype: .float64))])
        }
      default:
        let mlp = golden.mlp
        parameters = ParameterTree(
          ["0.weight", "0.bias", "2.weight", "2.bias"].map { path in
            (
              path,
              Tensor(
                mlp.parameters[path]!.values, shape: mlp.parameters[path]!.shape, dtype: .float64)
            )
          })
        let problem = TestProblems.MLP(
          inputs: Tensor(mlp.inputs, shape: mlp.inputShape, dtype: .float64),
          targets: Tensor(mlp.targets, shape: mlp.targetShape, dtype: .float64))
        gradient = { p in grad(of: { sign * problem.loss($0) }, at: p) }
      }
      #expect(flattened(parameters) == goldenCase.trajectory[0])
      let optimizer = Optimizer(erasing: transformation, for: parameters)
      for step in 1..<goldenCase.trajectory.count {
        try optimizer.step(
          &parameters, gradients: gradient(parameters), loss: goldenCase.losses?[step - 1])
        if let failure = mismatch(
          flattened(parameters), goldenCase.trajectory[step], relativeTolerance: 1e-9,
          absoluteTolerance: 1e-12)
        {
          Issue.record("\(label), step \(step): \(failure)")
          break
        }
      }
    }
  }
}
