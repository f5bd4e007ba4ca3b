import Foundation

/// Formats of `descent runs export`.
public enum RunExportFormat: String, Sendable, CaseIterable {
  /// One row per step that has a metric or an evaluation:
  /// `step,epoch,seconds,trainLoss,learningRate,evalLoss,evalAccuracy`, empty cells where a step
  /// has no such value, `nan`/`inf` for non-finite numbers. RFC 4180 (no field needs quoting).
  case csv
  /// `{"run": {...}, "metrics": [...], "evaluations": [...]}` with sorted keys; non-finite numbers
  /// as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
  case json
}

extension RunStore {
  /// The run's metrics and evaluations as CSV or JSON text.
  public func exportRun(id: String, format: RunExportFormat) throws -> String {
    let data = try runData(id: id)
    switch format {
    case .csv: return Self.csv(data)
    case .json: return Self.json(data)
    }
  }

  static func csv(_ data: RunData) -> String {
    let metricsByStep = Dictionary(data.metrics.map { ($0.step, $0) }, uniquingKeysWith: { $1 })
    let evaluationsByStep = Dictionary(
      data.evaluations.map { ($0.step, $0) }, uniquingKeysWith: { $1 })
    let steps = Set(metricsByStep.keys).union(evaluationsByStep.keys).sorted()
    var lines = ["step,epoch,seconds,trainLoss,learningRate,evalLoss,evalAccuracy"]
    lines.reserveCapacity(steps.count + 1)
    for step in steps {
      let metric = metricsByStep[step]
      let evaluation = evaluationsByStep[step]
      let fields: [String] = [
        String(step), metric.map { String($0.epoch) } ?? "", number(metric?.seconds),
        number(metric?.trainLoss), number(metric?.learningRate), number(evaluation?.loss),
        number(evaluation?.accuracy),
      ]
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Shortest round-tripping decimal (`Double.description`), lower-case `nan`/`inf`.
  static func number(_ value: Double?) -> String {
    guard let value else { return "" }
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
  }

  struct JSONExport: Encodable {
    var run: RunRecord
    var metrics: [MetricPoint]
    var evaluations: [EvaluationPoint]
  }

  static func json(_ data: RunData) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    let export = JSONExport(run: data.run, metrics: data.metrics, evaluations: data.evaluations)
    return String(decoding: try! encoder.encode(export), as: UTF8.self) + "\n"
  }
}
