import Foundation

/// The summary of a comparison as the terminal shows it: one row per optimizer, mean ± sample
/// standard deviation over its seeds, in the order and with the target loss of the HTML report's
/// summary table (``ReportBuilder``), so the two always agree.
public struct ComparisonTable: Sendable {
  public struct Row: Codable, Sendable, Equatable {
    public var optimizer: String
    public var seeds: Int
    public var finalLossMean: Double?
    public var finalLossStd: Double?
    public var bestLossMean: Double?
    public var finalAccuracyMean: Double?
    public var finalAccuracyStd: Double?
    public var bestAccuracyMean: Double?
    /// Mean wall-clock seconds to the target loss over the seeds that reached it.
    public var timeToTargetMean: Double?
    public var reachedTarget: Int
    public var secondsMean: Double?
    public var stepsPerSecondMean: Double?
    public var optimizerStateBytes: Int?
  }

  public var rows: [Row]
  /// The loss level of "time to target".
  public var targetLoss: Double?

  /// The table of `runs` (grouped by optimizer) with the report's target-loss rule.
  public init(runs: [RunData], targetLoss: Double? = nil) {
    let report = ReportBuilder(runs: runs, options: ReportOptions(targetLoss: targetLoss))
    let target = report.targetLoss
    self.targetLoss = target
    rows = report.groups.map { group in
      let s = OptimizerSummary(optimizer: group.optimizer, runs: group.runs, targetLoss: target)
      return Row(
        optimizer: s.optimizer, seeds: s.runCount, finalLossMean: s.finalLoss?.mean,
        finalLossStd: s.finalLoss?.standardDeviation, bestLossMean: s.bestLoss?.mean,
        finalAccuracyMean: s.finalAccuracy?.mean,
        finalAccuracyStd: s.finalAccuracy?.standardDeviation, bestAccuracyMean: s.bestAccuracy?.mean,
        timeToTargetMean: s.timeToTarget?.mean, reachedTarget: s.reachedTarget,
        secondsMean: s.seconds?.mean, stepsPerSecondMean: s.stepsPerSecond?.mean,
        optimizerStateBytes: s.optimizerStateBytes)
    }.sorted { ($0.finalLossMean ?? .infinity) < ($1.finalLossMean ?? .infinity) }
  }

  /// A fixed-width text table.
  public var text: String {
    func number(_ value: Double?, _ format: String) -> String {
      value.map { String(format: format, $0) } ?? "–"
    }
    func pad(_ text: String, _ width: Int) -> String {
      text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
    var lines = [
      pad("optimizer", 13) + pad("seeds", 6) + pad("final loss", 20) + pad("best loss", 11)
        + pad("final accuracy", 18) + pad("to target", 11) + pad("seconds", 9)
        + pad("steps/s", 9) + "state bytes"
    ]
    for row in rows {
      let finalLoss = number(row.finalLossMean, "%.4f") + " ± " + number(row.finalLossStd, "%.4f")
      let accuracy =
        number(row.finalAccuracyMean.map { $0 * 100 }, "%.1f") + " ± "
        + number(row.finalAccuracyStd.map { $0 * 100 }, "%.1f") + "%"
      let toTarget =
        row.reachedTarget == row.seeds
        ? number(row.timeToTargetMean, "%.2f s") : "\(row.reachedTarget)/\(row.seeds)"
      lines.append(
        pad(row.optimizer, 13) + pad("\(row.seeds)", 6) + pad(finalLoss, 20)
          + pad(number(row.bestLossMean, "%.4f"), 11) + pad(accuracy, 18) + pad(toTarget, 11)
          + pad(number(row.secondsMean, "%.2f"), 9) + pad(number(row.stepsPerSecondMean, "%.0f"), 9)
          + (row.optimizerStateBytes.map(String.init) ?? "–"))
    }
    if let targetLoss {
      lines.append("target loss for \"to target\": \(String(format: "%.4g", targetLoss))")
    }
    return lines.joined(separator: "\n")
  }
}
