import Foundation

/// Text forms of runs for `descent runs list` and `descent runs show`.
enum RunFormatting {
  /// `runs list`'s table: a header, then one row per run, columns aligned; `-` where a number is
  /// missing. Losses with 4 significant digits, accuracies in percent, start times UTC to the
  /// minute.
  static func table(_ runs: [RunRecord]) -> String {
    let header = [
      "ID", "STATUS", "OPTIMIZER", "SEED", "STEPS", "FINAL LOSS", "FINAL ACC", "STARTED (UTC)",
      "TASK",
    ]
    let rows = runs.map { run in
      [
        run.id, run.status.rawValue, run.optimizer, String(run.seed),
        run.summary.steps.map(String.init) ?? "-", loss(run.summary.finalLoss),
        percent(run.summary.finalAccuracy), minuteFormatter.string(from: run.startedAt), run.task,
      ]
    }
    let widths = header.indices.map { column in
      ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      cells.indices.map { column in
        // The last column is not padded: no trailing spaces.
        column == cells.count - 1
          ? cells[column]
          : cells[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
  }

  /// `runs list --format json`: an array of run records (the `run` object of `runs export`).
  static func json(_ runs: [RunRecord]) -> String {
    encode(runs)
  }

  /// `runs show`'s `key: value` lines.
  static func detail(_ data: RunData) -> String {
    let run = data.run
    let summary = run.summary
    var fields: [(String, String)] = [
      ("id", run.id),
      ("name", run.name),
      ("status", run.status.rawValue),
    ]
    if let message = run.failureMessage { fields.append(("message", message)) }
    fields += [
      ("task", run.task),
      ("optimizer", run.optimizer),
      ("hyperparameters", run.hyperparametersJSON),
      ("seed", String(run.seed)),
      ("group", run.groupID ?? "-"),
      ("started", secondFormatter.string(from: run.startedAt) + " UTC"),
      ("ended", run.endedAt.map { secondFormatter.string(from: $0) + " UTC" } ?? "-"),
      ("machine", "\(run.machine.hostname) (\(run.machine.cores) cores, \(run.machine.cpuModel))"),
      ("process", String(run.processID)),
      ("code version", run.codeVersion),
      ("checkpoint", run.checkpointPath ?? "-"),
      ("steps", summary.steps.map(String.init) ?? "-"),
      ("seconds", summary.seconds.map { String(format: "%.2f", $0) } ?? "-"),
      ("final loss", loss(summary.finalLoss)),
      ("best loss", loss(summary.bestLoss)),
      ("final accuracy", percent(summary.finalAccuracy)),
      ("best accuracy", percent(summary.bestAccuracy)),
      ("optimizer state", summary.optimizerStateBytes.map { "\($0) bytes" } ?? "-"),
      ("metrics", pointsSummary(data.metrics.map(\.step))),
      ("evaluations", pointsSummary(data.evaluations.map(\.step))),
    ]
    if let last = data.evaluations.last {
      fields.append(
        (
          "last evaluation",
          "step \(last.step): loss \(loss(last.loss)), accuracy \(percent(last.accuracy))"
        ))
    }
    fields.append(("config", run.configJSON))
    let width = fields.map { $0.0.count }.max() ?? 0
    return fields.map { key, value in
      (key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + value
    }.joined(separator: "\n") + "\n"
  }

  /// What `runs show --format json` prints.
  struct Detail: Encodable {
    var run: RunRecord
    var metricCount: Int
    var evaluationCount: Int
    var lastMetric: MetricPoint?
    var lastEvaluation: EvaluationPoint?

    enum CodingKeys: String, CodingKey {
      case run, metricCount, evaluationCount, lastMetric, lastEvaluation
    }

    // Written out so that a missing last point is `null` rather than an absent key.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(run, forKey: .run)
      try container.encode(metricCount, forKey: .metricCount)
      try container.encode(evaluationCount, forKey: .evaluationCount)
      try container.encode(lastMetric, forKey: .lastMetric)
      try container.encode(lastEvaluation, forKey: .lastEvaluation)
    }
  }

  /// `runs show --format json`: `{"run": {...}, "metricCount", "evaluationCount", "lastMetric",
  /// "lastEvaluation"}`, the last two null for a run without points.
  static func detailJSON(_ data: RunData) -> String {
    encode(
      Detail(
        run: data.run, metricCount: data.metrics.count, evaluationCount: data.evaluations.count,
        lastMetric: data.metrics.last, lastEvaluation: data.evaluations.last))
  }

  /// The encoding of `runs export --format json`: sorted keys, ISO 8601 dates, non-finite
  /// numbers as strings.
  static func encode(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return String(decoding: try! encoder.encode(value), as: UTF8.self) + "\n"
  }

  static func pointsSummary(_ steps: [Int]) -> String {
    guard let first = steps.first, let last = steps.last else { return "none" }
    return "\(steps.count) (steps \(first)–\(last))"
  }

  static func loss(_ value: Double?) -> String {
    guard let value else { return "-" }
    return value.isFinite ? String(format: "%.4g", value) : RunStore.number(value)
  }

  static func percent(_ value: Double?) -> String {
    guard let value else { return "-" }
    return value.isFinite ? String(format: "%.1f%%", 100 * value) : RunStore.number(value)
  }

  static let minuteFormatter = utcFormatter("yyyy-MM-dd HH:mm")
  static let secondFormatter = utcFormatter("yyyy-MM-dd HH:mm:ss")

  static func utcFormatter(_ format: String) -> DateFormatter {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = format
    return formatter
  }
}
