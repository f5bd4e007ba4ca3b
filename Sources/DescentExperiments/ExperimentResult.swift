import Foundation

/// The outcome of one `descent reproduce ID`: the JSON object of `--format json`, and the table.
public struct ExperimentResult: Sendable, Codable {
  public var id: String
  public var title: String
  public var claim: String
  /// What was run and measured.
  public var method: String
  /// What `--quick` changed (nil for a full run).
  public var quickDifferences: String?
  public var seed: UInt64
  public var quick: Bool
  public var seconds: Double
  public var criteria: [Criterion]
  /// Every criterion passed.
  public var accepted: Bool
  public var notes: [String]
  /// The runs recorded in the run store (empty when nothing trained or no store was given).
  public var runIds: [String]

  /// The figures, for the report (not part of the JSON).
  public var figures: [ExperimentFigure] = []

  private enum CodingKeys: String, CodingKey {
    case id, title, claim, method, quickDifferences, seed, quick, seconds, criteria, accepted
    case notes, runIds
  }

  /// The result as pretty-printed JSON with sorted keys.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }

  /// The criteria as an aligned table, with the header lines above and the verdict below.
  public func table() -> String {
    var lines = [
      "\(id): \(title)",
      "claim: \(claim)",
      "method: \(method)",
    ] + (quickDifferences.map { ["quick: \($0)"] } ?? []) + [
      "seed \(seed)\(quick ? ", quick" : ""), \(String(format: "%.1f", seconds)) s",
      "",
    ]
    let rows = criteria.map {
      [$0.name, Criterion.format($0.measured), $0.target, $0.passed ? "yes" : "NO"]
    }
    lines += TextTable.render(header: ["criterion", "measured", "target", "passed"], rows: rows)
    lines.append("")
    for note in notes { lines.append("note: \(note)") }
    let failed = criteria.filter { !$0.passed }.count
    lines.append(
      accepted
        ? "accepted: all \(criteria.count) criteria hold"
        : "not accepted: \(failed) of \(criteria.count) criteria fail")
    return lines.joined(separator: "\n")
  }
}

/// Left-aligned text columns separated by two spaces, with a rule under the header.
enum TextTable {
  static func render(header: [String], rows: [[String]]) -> [String] {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, cell in
        i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
  }
}
