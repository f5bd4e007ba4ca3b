import Descent
import DescentData
import DescentRuns
import Foundation
import Testing

@testable import DescentTraining

@Suite struct LearningRateTuningTests {
  @Test func gridsParseAndSpanTheirRange() throws {
    let bounded = try LearningRateGrid.parse("lr=1e-3:1e-1:2")
    let rates = bounded.rates(around: 123)
    #expect(rates.count == 14)
    #expect(rates.first == 1e-3)
    #expect(abs(rates[2] - 2e-3) < 1e-15)
    #expect(rates.last! <= 1e-1 && rates.last! * pow(2, 0.5) > 1e-1)
    let around = try LearningRateGrid.parse("lr")
    let centered = around.rates(around: 0.01)
    #expect(centered.count == 17)
    #expect(abs(centered[8] - 0.01) < 1e-15)
    #expect(abs(centered.first! - 0.0025) < 1e-15 && abs(centered.last! - 0.04) < 1e-15)
  }

  @Test(arguments: [
    ("momentum=1:2", "only the learning rate"), ("lr=0:1", "0 < LO ≤ HI"), ("lr=1:0.5", "0 < LO ≤ HI"),
    ("lr=1e-3", "give LO:HI"), ("lr=1e-3:1:0", "PER_OCTAVE"), ("lr=1e-300:1e300:64", "more than 1000"),
    ("lr=nan:1", "0 < LO ≤ HI"),
  ])
  func badGridsGiveOneLineUsageErrors(text: String, expected: String) {
    do {
      _ = try LearningRateGrid.parse(text)
      Issue.record("\(text) parsed")
    } catch let error as TrainingError {
      #expect(error.exitStatus == 64)
      #expect(error.description.contains(expected), "\(error.description)")
      #expect(!error.description.contains("\n"))
    } catch { Issue.record("\(error)") }
  }

  /// Tuning picks, per optimizer, the rate with the lowest loss on a validation split carved from
  /// the training split, records its runs in a group of their own, and the comparison's runs then
  /// use that rate.
  @Test func comparisonRunsEachOptimizerAtItsBestValidationRate() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-tune-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var base = TrainingConfiguration()
    base.data = "iris"
    base.steps = 30
    base.batchSize = 16
    var comparison = Comparison(
      base: base, optimizers: ["sgd", "adam"], seeds: [3, 4],
      storePath: folder.appendingPathComponent("runs.sqlite").path,
      reportPath: folder.appendingPathComponent("report.html").path, checkpointDirectory: nil)
    comparison.tuning = try LearningRateGrid.parse("lr=1e-3:0.5:1")
    let result = try comparison.run()
    #expect(result.tuned.map(\.optimizer) == ["sgd", "adam"])
    let store = try RunStore(path: result.storePath)
    for tuning in result.tuned {
      #expect(tuning.rates.count == 9)
      let finite = zip(tuning.rates, tuning.validationLosses).compactMap { r, l in l.map { (r, $0) } }
      #expect(tuning.best == finite.min { $0.1 < $1.1 }!.0)
      // The tuning runs are in the store, outside the comparison's group.
      let tuningRuns = try tuning.runIDs.map { try store.run(id: $0) }
      #expect(tuningRuns.allSatisfy { $0.groupID != result.groupID && $0.status == .finished })
      #expect(tuningRuns.allSatisfy { $0.task.contains("validation split") })
    }
    for id in result.runIDs {
      let run = try store.run(id: id)
      let tuned = result.tuned.first { $0.optimizer == run.optimizer }!.best
      let configuration = try JSONDecoder().decode(
        TrainingConfiguration.self, from: Data(run.configJSON.utf8))
      #expect(configuration.learningRate == tuned)
    }
    let html = try String(contentsOfFile: result.reportPath!, encoding: .utf8)
    #expect(html.contains("Learning rates tuned on a validation split"))
  }

  /// No example any seed's run holds out for testing is in the tuning data.
  @Test func tuningDataExcludesEverySeedsTestSplit() throws {
    let full = try DataSource.load("iris")
    let ids = Tensor(scalars: (0..<full.count).map { Float($0) }, shape: [full.count, 1])
    let indexed = TensorDataset(name: "iris", features: ids, labels: full.labels)
    let seeds: [UInt64] = [0, 1, 2]
    let tuning = Comparison.tuningData(indexed, testFraction: 0.2, seeds: seeds)
    let tuned = Set(tuning.features.floats.map { Int($0) })
    for seed in seeds {
      let test = trainTestSplit(indexed, testFraction: 0.2, seed: seed).test
      let held = Set(test.features.floats.map { Int($0) })
      #expect(held.isDisjoint(with: tuned), "seed \(seed)")
    }
    #expect(tuned.count > full.count / 3)
  }

  @Test func tuningRefusesAFixedRateAndLanguageModels() throws {
    var comparison = Comparison(optimizers: ["adam"], seeds: [0])
    comparison.tuning = LearningRateGrid()
    comparison.base.learningRate = 0.1
    #expect(throws: TrainingError.self) { try comparison.validate() }
    comparison.base.learningRate = nil
    comparison.base.model = "gpt-char"
    #expect(throws: TrainingError.self) { try comparison.validate() }
  }
}
