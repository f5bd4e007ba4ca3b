import DescentData
import DescentTraining
import Foundation

/// The equal-budget comparison several experiments share: each optimizer trains a classifier at
/// every rate of one grid (the `Trainer` on `development`, whose own split is the validation
/// split), and each run's model is then scored on a separate `test` set. An optimizer is judged
/// at the rate with its best validation accuracy; a run whose accuracy is not finite counts as
/// 0, and ties go to the smaller rate (the first in the grid).
struct LearningRateSweep {
  struct Point {
    var rate: Double
    var validation: Double
    var test: Double
    var seconds: Double
    var steps: Int
  }

  /// Every optimizer's points, in grid order.
  var points: [String: [Point]]

  /// Trains `base` (its model, budget and split) with every optimizer at every rate; progress
  /// lines are prefixed with `label`.
  init(
    optimizers: [String], rates: [Double], base: TrainingConfiguration,
    development: TensorDataset, test: TensorDataset, label: String, context: ExperimentContext
  ) throws {
    let inputShape = test.featureShape
    points = [:]
    for optimizer in optimizers {
      for rate in rates {
        var configuration = base
        configuration.optimizer = optimizer
        configuration.learningRate = rate
        let run = try context.train(configuration, dataset: development)
        let validation = run.summary.evalAccuracy.isFinite ? run.summary.evalAccuracy : 0
        let testAccuracy = Trainer.evaluate(
          model: run.trainer.currentModel, data: test, inputShape: inputShape
        ).accuracy
        points[optimizer, default: []].append(
          Point(
            rate: rate, validation: validation, test: testAccuracy.isFinite ? testAccuracy : 0,
            seconds: run.summary.seconds, steps: run.summary.steps))
        context.progress(
          "\(label): \(optimizer) lr \(Criterion.format(rate)): \(run.summary.steps) steps, "
            + String(format: "validation %.1f%%, test %.1f%%", 100 * validation, 100 * testAccuracy))
      }
    }
  }

  /// The point with the best validation accuracy (the smaller rate on a tie).
  func best(_ optimizer: String) -> Point {
    points[optimizer]!.reduce(points[optimizer]![0]) { $1.validation > $0.validation ? $1 : $0 }
  }

  /// Validation accuracy (%) against log10 of the rate, one line per optimizer.
  func curves(_ optimizers: [String]) -> [(name: String, x: [Double], y: [Double])] {
    optimizers.map { name in
      (name, points[name]!.map { log10($0.rate) }, points[name]!.map { 100 * $0.validation })
    }
  }
}
