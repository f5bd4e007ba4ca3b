import Foundation

/// A run's headline numbers, from its metrics and evaluations where they exist, else from the
/// summary stored when it ended.
struct RunNumbers {
  var finalLoss: Double?
  var bestLoss: Double?
  var finalAccuracy: Double?
  var bestAccuracy: Double?
  var steps: Int?
  var seconds: Double?
  var optimizerStateBytes: Int?

  init(_ data: RunData) {
    let losses = data.metrics.map(\.trainLoss).filter(\.isFinite)
    let accuracies = data.evaluations.compactMap(\.accuracy).filter(\.isFinite)
    let stored = data.run.summary
    finalLoss = data.metrics.last.map(\.trainLoss) ?? stored.finalLoss
    bestLoss = losses.min() ?? stored.bestLoss
    finalAccuracy = accuracies.last ?? stored.finalAccuracy
    bestAccuracy = accuracies.max() ?? stored.bestAccuracy
    steps = stored.steps ?? data.metrics.last.map(\.step)
    seconds = stored.seconds ?? data.metrics.last.map(\.seconds)
    optimizerStateBytes = stored.optimizerStateBytes
  }

  /// Wall-clock seconds at the first logged step whose training loss is ≤ `target`.
  static func timeToTarget(_ data: RunData, target: Double) -> Double? {
    data.metrics.first { $0.trainLoss <= target }?.seconds
  }
}

/// One optimizer's results over its seeds: one row of the report's summary table.
struct OptimizerSummary {
  var optimizer: String
  var runCount: Int
  var finalLoss: MeanAndDeviation?
  /// Seeds whose last logged loss is NaN or infinite (diverged); left out of `finalLoss`.
  var nonFiniteFinalLosses: Int
  var bestLoss: MeanAndDeviation?
  var finalAccuracy: MeanAndDeviation?
  var bestAccuracy: MeanAndDeviation?
  var timeToTarget: MeanAndDeviation?
  var reachedTarget: Int
  var seconds: MeanAndDeviation?
  var stepsPerSecond: MeanAndDeviation?
  /// The largest over the seeds (they should agree: same model, same optimizer).
  var optimizerStateBytes: Int?

  init(optimizer: String, runs: [RunData], targetLoss: Double?) {
    self.optimizer = optimizer
    runCount = runs.count
    let numbers = runs.map(RunNumbers.init)
    finalLoss = MeanAndDeviation(numbers.compactMap(\.finalLoss))
    nonFiniteFinalLosses = numbers.compactMap(\.finalLoss).filter { !$0.isFinite }.count
    bestLoss = MeanAndDeviation(numbers.compactMap(\.bestLoss))
    finalAccuracy = MeanAndDeviation(numbers.compactMap(\.finalAccuracy))
    bestAccuracy = MeanAndDeviation(numbers.compactMap(\.bestAccuracy))
    let times =
      targetLoss.map { target in
        runs.compactMap { RunNumbers.timeToTarget($0, target: target) }
      } ?? []
    timeToTarget = MeanAndDeviation(times)
    reachedTarget = times.count
    seconds = MeanAndDeviation(numbers.compactMap(\.seconds))
    stepsPerSecond = MeanAndDeviation(
      numbers.compactMap { n in
        guard let steps = n.steps, let seconds = n.seconds, seconds > 0 else { return nil }
        return Double(steps) / seconds
      })
    optimizerStateBytes = numbers.compactMap(\.optimizerStateBytes).max()
  }
}
