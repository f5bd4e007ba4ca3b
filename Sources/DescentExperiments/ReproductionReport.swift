import DescentRuns
import Foundation

/// The HTML page of `descent reproduce ... --report FILE.html`: for each experiment its paper,
/// claim, verdict, criteria table, the figures re-created from the measured curves and the notes.
/// Self-contained (inline CSS and SVG, no script, no network) and well-formed XML.
public struct ReproductionReport: Sendable {
  public var results: [ExperimentResult]

  public init(results: [ExperimentResult]) { self.results = results }

  /// Writes the page to `path` atomically.
  public func write(to path: String) throws { try AtomicFile.write(html(), to: path) }

  public func html() -> String {
    let title =
      results.count == 1
      ? "Descent reproduce: \(results[0].id)" : "Descent reproduce: \(results.count) papers"
    var page = """
      <!DOCTYPE html>
      <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title>\(escapeHTML(title))</title>
      <style>\(Self.css)</style>
      </head>
      <body>
      <h1>\(escapeHTML(title))</h1>
      <p class="meta">Generated \(ISO8601DateFormatter().string(from: Date())) on \
      \(escapeHTML(MachineInfo.current.hostname)) (\(MachineInfo.current.cores) cores).</p>

      """
    if results.count > 1 { page += summaryTable() }
    var chartNumber = 0
    for result in results {
      let paper = PaperCatalogue.paper(id: result.id)
      page += "<section id=\"\(escapeHTML(result.id))\">\n"
      page += "<h2>\(escapeHTML(result.id)): \(escapeHTML(result.title))</h2>\n"
      if let paper {
        page +=
          "<p class=\"meta\">arXiv:\(escapeHTML(paper.arxiv)); seed \(result.seed)"
          + "\(result.quick ? ", quick run" : ""); \(String(format: "%.1f", result.seconds)) s</p>\n"
      }
      page += "<p class=\"claim\"><b>Claim.</b> \(escapeHTML(result.claim))</p>\n"
      page += "<p class=\"note\"><b>Method.</b> \(escapeHTML(result.method))</p>\n"
      if let quick = result.quickDifferences {
        page += "<p class=\"note\"><b>Quick run.</b> \(escapeHTML(quick))</p>\n"
      }
      let verdict =
        result.accepted
        ? "<p class=\"verdict pass\">Accepted: every criterion holds.</p>"
        : "<p class=\"verdict fail\">Not accepted: "
          + "\(result.criteria.filter { !$0.passed }.count) of \(result.criteria.count) criteria fail.</p>"
      page += verdict + "\n" + criteriaTable(result.criteria)
      if !result.figures.isEmpty {
        page += "<div class=\"charts\">\n"
        for figure in result.figures {
          chartNumber += 1
          var chart = figure.chart
          chart.identifier = "chart\(chartNumber)"
          page +=
            "<figure>\(chart.svg())<figcaption>\(escapeHTML(figure.caption))</figcaption></figure>\n"
        }
        page += "</div>\n"
      }
      for note in result.notes { page += "<p class=\"note\">\(escapeHTML(note))</p>\n" }
      page += "</section>\n"
    }
    page += "</body>\n</html>\n"
    return page
  }

  private func summaryTable() -> String {
    var out = "<table class=\"criteria\"><thead><tr><th>Paper</th><th>Accepted</th>"
      + "<th>Criteria passed</th><th>Seconds</th></tr></thead><tbody>\n"
    for r in results {
      out +=
        "<tr><td><a href=\"#\(escapeHTML(r.id))\">\(escapeHTML(r.id))</a></td>"
        + "<td class=\"\(r.accepted ? "pass" : "fail")\">\(r.accepted ? "yes" : "no")</td>"
        + "<td>\(r.criteria.filter(\.passed).count)/\(r.criteria.count)</td>"
        + "<td>\(String(format: "%.1f", r.seconds))</td></tr>\n"
    }
    return out + "</tbody></table>\n"
  }

  private func criteriaTable(_ criteria: [Criterion]) -> String {
    var out = "<table class=\"criteria\"><thead><tr><th>Criterion</th><th>Measured</th>"
      + "<th>Target</th><th>Passed</th></tr></thead><tbody>\n"
    for c in criteria {
      out +=
        "<tr><td>\(escapeHTML(c.name))</td><td>\(escapeHTML(Criterion.format(c.measured)))</td>"
        + "<td>\(escapeHTML(c.target))</td>"
        + "<td class=\"\(c.passed ? "pass" : "fail")\">\(c.passed ? "yes" : "no")</td></tr>\n"
    }
    return out + "</tbody></table>\n"
  }

  static let css = """
    body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}\
    h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\
    .meta{color:#666;font-size:.9em}.claim{font-style:normal}.note{color:#444;font-size:.95em}\
    table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;\
    text-align:left;font-size:.9em}.pass{color:#006d2c;font-weight:600}.fail{color:#b30000;\
    font-weight:600}.charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}\
    figcaption{font-size:.85em;color:#444;max-width:640px}
    """
}
