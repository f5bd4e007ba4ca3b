import Foundation

/// The tables of `descent reproduce --list` and `descent reproduce all`.
public enum ReproductionSummary {
  /// Every paper: id, status, arXiv id and title; then the counts per status.
  public static func listing() -> String {
    let papers = PaperCatalogue.papers
    var lines = TextTable.render(
      header: ["id", "status", "arxiv", "title"],
      rows: papers.map { [$0.id, $0.status.rawValue, $0.arxiv, $0.title] })
    let counts = Paper.Status.allCases.map { status in
      "\(papers.filter { $0.status == status }.count) \(status.rawValue)"
    }
    lines.append("")
    lines.append("\(papers.count) papers: " + counts.joined(separator: ", "))
    return lines.joined(separator: "\n")
  }

  /// One row per experiment run: id, accepted, criteria passed, seconds; then the verdict.
  public static func table(_ results: [ExperimentResult]) -> String {
    var lines = TextTable.render(
      header: ["id", "accepted", "criteria", "seconds"],
      rows: results.map {
        [
          $0.id, $0.accepted ? "yes" : "NO", "\($0.criteria.filter(\.passed).count)/\($0.criteria.count)",
          String(format: "%.1f", $0.seconds),
        ]
      })
    let accepted = results.filter(\.accepted).count
    lines.append("")
    lines.append("\(accepted) of \(results.count) claims hold")
    return lines.joined(separator: "\n")
  }
}
