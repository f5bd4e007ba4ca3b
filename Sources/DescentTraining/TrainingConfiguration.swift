import DescentOptimizers
import Foundation

/// Everything that defines a training run; saved in every checkpoint so that `--resume` needs
/// nothing else. Defaults: `mlp` on `digits`, Adam at its default learning rate, batch 32,
/// 5 epochs, 20 % held out for evaluation, standardized features, seed 0.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
  public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    case constant, cosine, linear, step, onecycle
  }

  public enum NonFinitePolicy: String, Codable, Sendable, CaseIterable {
    /// Stop with a message naming the step and the first non-finite gradient.
    case stop
    /// Drop a step whose loss or gradient is non-finite (parameters and moments unchanged), count
    /// it, and go on. An update that makes a parameter non-finite stops the run either way.
    case skipStep = "skip-step"
  }

  public var model = "mlp"
  public var data = "digits"
  public var testFraction = 0.2
  /// Accept NaN and infinite feature values (every reader refuses them otherwise, see
  /// `ClassificationChecks`): for studying what non-finite data do to a run. Library only;
  /// optional so that checkpoints written before it existed still load.
  public var allowNonFiniteFeatures: Bool? = nil
  public var standardize = true
  public var optimizer = "adam"
  public var learningRate: Double? = nil
  public var settings: [String: String] = [:]
  public var schedule = ScheduleKind.constant
  public var warmup = 0
  public var batchSize = 32
  /// Training length in epochs, used when ``steps`` is nil.
  public var epochs = 5
  public var steps: Int? = nil
  public var seed: UInt64 = 0
  /// Evaluate on the held-out split every this many steps (0: only at the end).
  public var evalEvery = 0
  /// Write a checkpoint every this many steps (0: only at the end and on interruption).
  public var checkpointEvery = 0
  /// Checkpoint file (nil: no checkpoints).
  public var checkpointPath: String? = nil
  public var onNonFinite = NonFinitePolicy.stop
  /// Kernel threads (nil: all cores). Results do not depend on it.
  public var threads: Int? = nil
  /// Clip the gradient to this global L2 norm before each optimizer step (nil: no clipping).
  public var clipNorm: Double? = nil
  /// Clip each gradient element into [−clipValue, clipValue] (nil: no clipping).
  public var clipValue: Double? = nil
  /// One optimizer step per this many batches, with their mean gradient (nil or 1: every batch).
  /// `steps` and `epochs` still count batches.
  public var accumulate: Int? = nil
  /// Parameter groups without weight decay: `bias`, `norm` (see `ParameterGroup`).
  public var noDecayOn: [String]? = nil
  /// The most kernel threads a run may ask for (more only adds thread start-up cost).
  public static let maximumThreads = 1024

  public init() {}

  /// Checks the values that do not need the data; throws ``TrainingError/usage(_:)``.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws {
      if !ok { throw TrainingError.usage(message) }
    }
    func check(_ value: Int, _ rule: WholeNumberRule<Int>, _ flag: String) throws {
      try check(rule.admits(value), rule.problem(flag: flag, value: value))
    }
    try check(batchSize, WholeNumberFlags.batchSize, "--batch-size")
    try check(epochs, WholeNumberFlags.epochs, "--epochs")
    if let steps { try check(steps, WholeNumberFlags.steps, "--steps") }
    try check(
      HyperparameterConstraint.openUnitInterval.admits(testFraction),
      HyperparameterConstraint.openUnitInterval.problem(flag: "--test-fraction", value: testFraction))
    try check(warmup, WholeNumberFlags.warmup, "--warmup")
    try check(evalEvery, WholeNumberFlags.evalEvery, "--eval-every")
    try check(checkpointEvery, WholeNumberFlags.checkpointEvery, "--checkpoint-every")
    if let threads { try check(threads, WholeNumberFlags.threads, "--threads") }
    if let learningRate {
      try check(
        HyperparameterConstraint.nonNegative.admits(learningRate),
        HyperparameterConstraint.nonNegative.problem(flag: "--lr", value: learningRate))
    }
    try GradientProcessing.validate(self)
    _ = try ModelSpec.parse(model)
    do {
      _ = try OptimizerCatalogue.make(optimizer, learningRate: learningRate, settings: settings)
    } catch let error as OptimizerError {
      throw TrainingError.usage(error.description)
    }
  }

  /// Parses `--set key=value` items.
  public static func settings(_ items: [String]) throws -> [String: String] {
    var result: [String: String] = [:]
    for item in items {
      let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2, !kv[0].isEmpty else {
        throw TrainingError.usage("--set \(item): expected key=value (e.g. --set beta2=0.99)")
      }
      result[kv[0]] = kv[1]
    }
    return result
  }
}
