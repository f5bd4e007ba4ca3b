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

  /// A text table whose columns are as wide as their longest cell (optimizer names such as
  /// `schedule-free-adamw` included). Losses print with four decimals, or in `%.4g` form when
  /// they are at least 10⁶ (a diverged run) so a column stays readable.
  public var text: String {
    func number(_ value: Double?, _ format: String) -> String {
      guard let value else { return "–" }
      if format == "%.4f", value.isFinite, abs(value) >= 1e6 { return String(format: "%.4g", value) }
      return String(format: format, value)
    }
    let header = [
      "optimizer", "seeds", "final loss", "best loss", "final accuracy", "to target", "seconds",
      "steps/s", "state bytes",
    ]
    let cells: [[String]] = rows.map { row in
      let finalLoss = number(row.finalLossMean, "%.4f") + " ± " + number(row.finalLossStd, "%.4f")
      let accuracy =
        number(row.finalAccuracyMean.map { $0 * 100 }, "%.1f") + " ± "
        + number(row.finalAccuracyStd.map { $0 * 100 }, "%.1f") + "%"
      let toTarget =
        row.reachedTarget == row.seeds
        ? number(row.timeToTargetMean, "%.2f s") : "\(row.reachedTarget)/\(row.seeds)"
      return [
        row.optimizer, "\(row.seeds)", finalLoss, number(row.bestLossMean, "%.4f"), accuracy,
        toTarget, number(row.secondsMean, "%.2f"), number(row.stepsPerSecondMean, "%.0f"),
        row.optimizerStateBytes.map(String.init) ?? "–",
      ]
    }
    let widths = header.indices.map { column in
      ([header] + cells).map { $0[column].count }.max() ?? 0
    }
    func line(_ row: [String]) -> String {
      row.indices.map { column in
        column == row.count - 1
          ? row[column] : row[column] + String(repeating: " ", count: widths[column] - row[column].count + 2)
      }.joined()
    }
    var lines = [line(header)]
    lines += cells.map(line)
    if let targetLoss {
      lines.append("target loss for \"to target\": \(String(format: "%.4g", targetLoss))")
    }
    return lines.joined(separator: "\n")
  }
}
