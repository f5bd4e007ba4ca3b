import Descent
import DescentOptimizers
import Foundation
import Testing

/// Hardening (issue 19): an optimizer state saved for other parameters (another path, shape or
/// dtype) is refused when it is loaded, naming the entry, for every optimizer `descent` can run —
/// never accepted to stop the first step on a precondition. A state saved for the same
/// parameters still loads (no false alarm), in memory and through a tensor archive.
@Suite struct ForeignStateTests {
  static let names = OptimizerCatalogue.available.map(\.name)

  static func parameters(
    weight: [Int] = [3, 4], weightPath: String = "layer.weight", dtype: DType = .float32
  ) -> ParameterTree {
    ParameterTree([
      (weightPath, Tensor([Double](repeating: 0.5, count: weight.reduce(1, *)), shape: weight,
        dtype: dtype)),
      ("layer.bias", Tensor([0.25, -0.5, 1, 2, 0], shape: [5], dtype: dtype)),
    ])
  }

  static func savedState(_ name: String, archive: TensorArchive? = nil) throws -> Data {
    let optimizer = Optimizer(
      erasing: try OptimizerCatalogue.make(name, learningRate: 0.01), for: parameters())
    return try optimizer.stateDictionary(archive: archive)
  }

  static func load(_ name: String, _ state: Data, into target: ParameterTree,
    archive: TensorArchive? = nil) throws
  {
    let optimizer = Optimizer(
      erasing: try OptimizerCatalogue.make(name, learningRate: 0.01), for: target)
    try optimizer.loadStateDictionary(state, archive: archive)
  }

  @Test(arguments: names)
  func stateOfTheSameParametersLoads(_ name: String) throws {
    try Self.load(name, try Self.savedState(name), into: Self.parameters())
    let archive = TensorArchive()
    let state = try Self.savedState(name, archive: archive)
    try Self.load(name, state, into: Self.parameters(), archive: TensorArchive(archive.tensors))
  }

  /// Optimizers whose state holds per-parameter tensors (the stateless ones, such as plain SGD,
  /// have nothing to mismatch).
  @Test(arguments: names)
  func stateOfOtherParametersIsRefusedNamingTheEntry(_ name: String) throws {
    let state = try Self.savedState(name)
    guard String(decoding: state, as: UTF8.self).contains("\"shape\"") else { return }
    let others: [(ParameterTree, String)] = [
      (Self.parameters(weight: [4, 3]), "[3, 4]"),
      (Self.parameters(weightPath: "layer.kernel"), "layer.kernel"),
      (Self.parameters(dtype: .float64), "float32"),
    ]
    for (target, expected) in others {
      do {
        try Self.load(name, state, into: target)
        Issue.record("\(name): a state for other parameters (\(expected)) was accepted")
      } catch OptimizerError.incompatibleState(let message) {
        // A factored state (adafactor's row and column factors) names the entry with its own
        // shape rather than the parameter's.
        let namesEntry = expected == "[3, 4]" && message.contains("[layer.weight] is float32 [1, 4]")
        #expect(message.contains(expected) || namesEntry, "\(name): \(message)")
        #expect(message.hasPrefix("optimizer state"), "\(name): \(message)")
      }
    }
  }
}
