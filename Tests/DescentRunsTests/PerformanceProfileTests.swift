import Foundation
import Testing

@testable import DescentRuns

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Dolan–Moré performance profiles over several tasks, on hand-computed step counts.
@Suite struct PerformanceProfileTests {
  func run(_ task: String, _ optimizer: String, seed: Int = 0, losses: [Double]) -> RunData {
    var data = syntheticRuns(optimizer: optimizer, seeds: 1, rate: 0.01, secondsPerStep: 0.01)[0]
    data.run.task = task
    data.run.seed = Int64(seed)
    data.run.id = "r-\(task)-\(optimizer)-\(seed)"
    data.metrics = losses.enumerated().map { step, loss in
      MetricPoint(step: step, epoch: 0, seconds: Double(step), trainLoss: loss, learningRate: 0.1)
    }
    data.evaluations = []
    return data
  }

  /// Task A: targets max(0.5, 0.4) = 0.5; a reaches it at step 3, b at step 2 → ratios 1.5, 1.
  /// Task B: target max(0.2, 1.0) = 1.0; a at step 1, b at step 2 → ratios 1, 2.
  var twoTasks: [RunData] {
    [
      run("A", "a", losses: [3, 2, 1, 0.5]), run("A", "b", losses: [3, 1, 0.5, 0.4]),
      run("B", "a", losses: [3, 1, 0.2]), run("B", "b", losses: [3, 2.5, 1.0]),
    ]
  }

  @Test func ratiosAndFractionsMatchTheHandComputedProfile() throws {
    let profile = try #require(PerformanceProfile(runs: twoTasks))
    #expect(profile.tasks == ["A", "B"])
    #expect(profile.optimizers == ["a", "b"])
    #expect(profile.ratios == [[1.5, 1], [1, 2]])
    #expect(profile.targets.map(\.loss) == [0.5, 1.0])
    #expect(profile.targets.map(\.bestSteps) == [2, 1])
    #expect(profile.fraction(optimizer: 0, within: 1) == 0.5)
    #expect(profile.fraction(optimizer: 0, within: 1.5) == 1)
    #expect(profile.fraction(optimizer: 1, within: 1.99) == 0.5)
    #expect(profile.fraction(optimizer: 1, within: 2) == 1)
    let curve = profile.curve(optimizer: 1, maximumTau: 3)
    #expect(curve.tau == [1, 2, 2, 3])
    #expect(curve.fraction == [0.5, 0.5, 1, 1])
  }

  @Test func anOptimizerWhoseSeedsMissHalfTheTimeHasNotSolvedTheTask() throws {
    // Task C, target max(mean(0.5, 2.0), 0.5) = 1.25: a's seed 1 never gets there → median ∞.
    let runs =
      twoTasks + [
        run("C", "a", seed: 0, losses: [3, 0.5]), run("C", "a", seed: 1, losses: [3, 2.0]),
        run("C", "b", losses: [3, 2, 0.5]),
      ]
    let profile = try #require(PerformanceProfile(runs: runs))
    #expect(profile.ratios[0][2] == .infinity)
    #expect(profile.ratios[1][2] == 1)
    #expect(profile.fraction(optimizer: 0, within: .infinity) == 2.0 / 3)
    #expect(profile.fraction(optimizer: 1, within: .infinity) == 1)
  }

  @Test func oneTaskHasNoProfile() {
    #expect(PerformanceProfile(runs: Array(twoTasks.prefix(2))) == nil)
    #expect(PerformanceProfile(runs: []) == nil)
  }

  @Test func reportShowsTheProfileOnlyForSeveralTasks() {
    let html = ReportBuilder(runs: twoTasks).html()
    #expect(html.contains("<h2>Performance profile</h2>"))
    #expect(html.contains("<td>0.50</td>"))
    let parser = XMLParser(data: Data(html.utf8))
    #expect(parser.parse(), "\(String(describing: parser.parserError))")
    #expect(!ReportBuilder(runs: Array(twoTasks.prefix(2))).html().contains("Performance profile"))
  }
}
