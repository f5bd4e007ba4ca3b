import Foundation

/// What a report shows and how.
public struct ReportOptions: Sendable {
  public var title: String
  /// The loss charts' y axis; nil chooses log when all losses are positive and span more than a
  /// factor of 10, linear otherwise.
  public var lossScale: AxisScale?
  /// The loss level for "time to target"; nil takes the highest per-optimizer mean best loss (a
  /// level every optimizer reaches on average, so the column compares speed, not final quality).
  public var targetLoss: Double?
  /// Points per line at most (lines are thinned evenly beyond that, keeping the last point).
  public var maxPointsPerLine: Int
  /// Paragraphs shown under the title (how the runs were set up, e.g. tuned learning rates).
  public var notes: [String]

  public init(
    title: String = "Descent: optimizer comparison", lossScale: AxisScale? = nil,
    targetLoss: Double? = nil, maxPointsPerLine: Int = 400, notes: [String] = []
  ) {
    self.notes = notes
    precondition(maxPointsPerLine >= 2, "ReportOptions: maxPointsPerLine must be ≥ 2")
    self.title = title
    self.lossScale = lossScale
    self.targetLoss = targetLoss
    self.maxPointsPerLine = maxPointsPerLine
  }
}

/// Builds one self-contained HTML report (inline CSS and SVG, no script, no network) comparing
/// runs grouped by optimizer: training loss against step and against wall-clock seconds,
/// evaluation accuracy and learning rate against step — each optimizer one line, the mean over
/// its seeds, inside a min–max band when it has several — then a summary table (mean ± sample
/// standard deviation over seeds) and a table of the runs.
///
/// The page is also well-formed XML (every element closed, only XML's predefined entities), so
/// tests and tools can parse it.
public struct ReportBuilder: Sendable {
  public var runs: [RunData]
  public var options: ReportOptions

  public init(runs: [RunData], options: ReportOptions = ReportOptions()) {
    self.runs = runs
    self.options = options
  }

  /// The report for `runIDs` (ids or unique prefixes) in `store`.
  public init(store: RunStore, runIDs: [String], options: ReportOptions = ReportOptions()) throws {
    self.init(runs: try runIDs.map { try store.runData(id: $0) }, options: options)
  }

  /// Colorblind-safe colors (Okabe and Ito, 2008, without yellow; then Tableau's brown, grey,
  /// olive, cyan); past them, the colors repeat with dashed lines.
  static let palette = [
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#000000", "#8c564b",
    "#7f7f7f", "#bcbd22", "#17becf",
  ]

  /// Runs grouped by optimizer, groups in name order (which fixes each optimizer's color).
  var groups: [(optimizer: String, runs: [RunData])] {
    Dictionary(grouping: runs, by: \.run.optimizer).sorted { $0.key < $1.key }.map {
      (optimizer: $0.key, runs: $0.value.sorted { $0.run.seed < $1.run.seed })
    }
  }

  /// The loss level used for "time to target".
  var targetLoss: Double? {
    if let target = options.targetLoss { return target }
    return groups.compactMap { group in
      MeanAndDeviation(group.runs.compactMap { RunNumbers($0).bestLoss })?.mean
    }.max()
  }

  /// Writes the report to `path` atomically (a reader never sees half a file).
  public func write(to path: String) throws {
    try writeAtomically(Data(html().utf8), to: path)
  }

  /// The HTML page.
  public func html() -> String {
    let groups = self.groups
    // Loss charts stop at 3× the highest starting loss: a diverging run leaves through the top
    // instead of squeezing every other line into the bottom of the chart.
    let startingLosses = runs.compactMap { $0.metrics.first { $0.trainLoss.isFinite }?.trainLoss }
    let lossLimit = startingLosses.max().flatMap { $0 > 0 ? 3 * $0 : nil }
    let lossValues = runs.flatMap { $0.metrics.map(\.trainLoss) }
      .filter { $0.isFinite && $0 <= (lossLimit ?? .infinity) }
    let smallestLoss = lossValues.min() ?? 0
    let largestLoss = lossValues.max() ?? 0
    let lossScale =
      options.lossScale ?? (smallestLoss > 0 && largestLoss > 10 * smallestLoss ? .log : .linear)
    let height = max(360, SVGLineChart.marginTop + 24 + Double(groups.count) * 18)

    var chartCount = 0
    func chart(
      _ title: String, x xLabel: String, y yLabel: String, scale: AxisScale,
      yMaximum: Double? = nil, _ curve: (RunData) -> [(x: Double, y: Double)]
    ) -> SVGLineChart {
      chartCount += 1
      let series = groups.enumerated().compactMap { index, group -> ChartSeries? in
        let aggregate = AggregatedCurve(
          curves: group.runs.map(curve), maxPoints: options.maxPointsPerLine)
        guard !aggregate.x.isEmpty else { return nil }
        return ChartSeries(
          name: group.optimizer, color: Self.palette[index % Self.palette.count],
          x: aggregate.x, y: aggregate.mean,
          band: aggregate.runCount > 1 ? (aggregate.lower, aggregate.upper) : nil,
          dashed: index >= Self.palette.count)
      }
      return SVGLineChart(
        title: title, xLabel: xLabel, yLabel: yLabel, yScale: scale, series: series,
        height: height, yMaximum: yMaximum, identifier: "chart\(chartCount)")
    }

    var charts = [
      chart(
        "Training loss by step", x: "step", y: "training loss", scale: lossScale,
        yMaximum: lossLimit
      ) { $0.metrics.map { (Double($0.step), $0.trainLoss) } },
      chart(
        "Training loss by wall-clock time", x: "seconds", y: "training loss", scale: lossScale,
        yMaximum: lossLimit
      ) { $0.metrics.map { ($0.seconds, $0.trainLoss) } },
    ]
    if runs.contains(where: { $0.evaluations.contains { $0.accuracy != nil } }) {
      charts.append(
        chart("Evaluation accuracy by step", x: "step", y: "accuracy (%)", scale: .linear) {
          $0.evaluations.compactMap { e in e.accuracy.map { (Double(e.step), 100 * $0) } }
        })
    } else if runs.contains(where: { !$0.evaluations.isEmpty }) {
      charts.append(
        chart(
          "Evaluation loss by step", x: "step", y: "evaluation loss", scale: lossScale,
          yMaximum: lossLimit
        ) { $0.evaluations.map { (Double($0.step), $0.loss) } })
    }
    charts.append(
      chart("Learning rate by step", x: "step", y: "learning rate", scale: .linear) {
        $0.metrics.map { (Double($0.step), $0.learningRate) }
      })

    var page = """
      <!DOCTYPE html>
      <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title>\(escapeHTML(options.title))</title>
      <style>\(Self.css)</style>
      </head>
      <body>
      <h1>\(escapeHTML(options.title))</h1>
      <p class="meta">\(escapeHTML(metaLine(groups: groups)))</p>

      """
    for note in options.notes { page += "<p class=\"note\">\(escapeHTML(note))</p>\n" }
    page += "<h2>Summary</h2>\n" + summaryTable(groups: groups)
    if let profile = PerformanceProfile(runs: runs) {
      page += performanceProfileSection(profile, height: height)
    }
    page += "<h2>Charts</h2>\n<div class=\"charts\">\n"
    for chart in charts { page += "<figure>\(chart.svg())</figure>\n" }
    page += "</div>\n<h2>Runs</h2>\n" + runsTable()
    page += "<p class=\"meta\">\(escapeHTML(machineLine()))</p>\n</body>\n</html>\n"
    return page
  }

  /// The performance-profile table (ρ at τ = 1, 2, 4, 8, ∞) and chart, for runs over several
  /// tasks. Colors follow the optimizers' order as in the other charts.
  func performanceProfileSection(_ profile: PerformanceProfile, height: Double) -> String {
    let taus: [Double] = [1, 2, 4, 8, .infinity]
    var html = "<h2>Performance profile</h2>\n<p class=\"note\">"
    html += escapeHTML(
      "Over \(profile.tasks.count) tasks: the fraction of tasks each optimizer solves within τ × "
        + "the best optimizer's steps to the task's target loss (the largest mean best loss of "
        + "the optimizers; median over seeds). Dolan and Moré, 2002.")
    html += "</p>\n<table>\n<tr><th>optimizer</th>"
    for tau in taus { html += "<th>τ = \(tau.isFinite ? String(Int(tau)) : "∞")</th>" }
    html += "</tr>\n"
    for (s, optimizer) in profile.optimizers.enumerated() {
      html += "<tr><td>\(escapeHTML(optimizer))</td>"
      for tau in taus {
        html += "<td>\(String(format: "%.2f", profile.fraction(optimizer: s, within: tau)))</td>"
      }
      html += "</tr>\n"
    }
    html += "</table>\n<table>\n<tr><th>task</th><th>target loss</th><th>best steps</th></tr>\n"
    for (p, task) in profile.tasks.enumerated() {
      let target = profile.targets[p]
      html += "<tr><td>\(escapeHTML(task))</td><td>\(target.loss.isFinite ? Self.number(target.loss) : "–")</td>"
      html += "<td>\(target.bestSteps.isFinite ? String(Int(target.bestSteps)) : "–")</td></tr>\n"
    }
    html += "</table>\n"
    let maximumTau = profile.largestFiniteRatio * 1.25
    let colorIndex = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1.optimizer, $0) })
    let series = profile.optimizers.enumerated().map { s, optimizer in
      let curve = profile.curve(optimizer: s, maximumTau: maximumTau)
      let index = colorIndex[optimizer] ?? s
      return ChartSeries(
        name: optimizer, color: Self.palette[index % Self.palette.count], x: curve.tau,
        y: curve.fraction, dashed: index >= Self.palette.count)
    }
    let chart = SVGLineChart(
      title: "Performance profile", xLabel: "τ (steps ÷ best optimizer's steps)",
      yLabel: "fraction of tasks", series: series, height: height, identifier: "profile")
    html += "<div class=\"charts\"><figure>\(chart.svg())</figure></div>\n"
    return html
  }

  func metaLine(groups: [(optimizer: String, runs: [RunData])]) -> String {
    let tasks = Array(Set(runs.map(\.run.task))).sorted()
    let formatter = ISO8601DateFormatter()
    return "\(runs.count) runs, \(groups.count) optimizers"
      + (tasks.isEmpty ? "" : "; task: " + tasks.joined(separator: ", "))
      + "; generated \(formatter.string(from: Date()))"
  }

  func machineLine() -> String {
    let machines = Set(
      runs.map {
        "\($0.run.machine.hostname) (\($0.run.machine.cores) cores, \($0.run.machine.cpuModel))"
      })
    let versions = Set(runs.map(\.run.codeVersion))
    return "Machines: " + machines.sorted().joined(separator: "; ") + ". Code: "
      + versions.sorted().joined(separator: ", ") + "."
  }

  func summaryTable(groups: [(optimizer: String, runs: [RunData])]) -> String {
    let target = targetLoss
    let summaries = groups.map {
      OptimizerSummary(optimizer: $0.optimizer, runs: $0.runs, targetLoss: target)
    }.sorted { ($0.finalLoss?.mean ?? .infinity) < ($1.finalLoss?.mean ?? .infinity) }
    let targetText = target.map { Self.number($0) } ?? "–"
    var out = """
      <div class="scroll"><table class="summary">
      <thead><tr><th>Optimizer</th><th>Seeds</th><th>Final loss</th><th>Best loss</th>\
      <th>Final accuracy</th><th>Best accuracy</th><th>Time to loss ≤ \(escapeHTML(targetText))</th>\
      <th>Wall-clock</th><th>Steps/s</th><th>Optimizer state</th></tr></thead>
      <tbody>

      """
    for s in summaries {
      let index = groups.firstIndex { $0.optimizer == s.optimizer } ?? 0
      let color = Self.palette[index % Self.palette.count]
      let time: String
      if let t = s.timeToTarget {
        time = "\(s.reachedTarget)/\(s.runCount): " + Self.meanDeviation(t, unit: " s")
      } else {
        time = "not reached (0/\(s.runCount))"
      }
      var finalLoss = Self.meanDeviation(s.finalLoss)
      if s.nonFiniteFinalLosses > 0 {
        finalLoss =
          (s.finalLoss == nil ? "" : finalLoss + " ")
          + "<span class=\"bad\">NaN/∞ in \(s.nonFiniteFinalLosses)/\(s.runCount)</span>"
      }
      // Cells are HTML made of numbers only; the optimizer name is escaped.
      let cells = [
        finalLoss, Self.meanDeviation(s.bestLoss),
        Self.meanDeviation(s.finalAccuracy, percent: true),
        Self.meanDeviation(s.bestAccuracy, percent: true), time,
        Self.meanDeviation(s.seconds, unit: " s"), Self.meanDeviation(s.stepsPerSecond),
        s.optimizerStateBytes.map(Self.bytes) ?? "–",
      ]
      out +=
        "<tr><th scope=\"row\"><span class=\"swatch\" style=\"background:\(color)\"></span>"
        + "\(escapeHTML(s.optimizer))</th><td>\(s.runCount)</td>"
        + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
    }
    out += "</tbody>\n</table>\n</div>\n"
    out += """
      <p class="note">Mean ± sample standard deviation over seeds. Losses are training losses at the \
      last logged step (final) and the lowest logged (best); accuracies come from the evaluations. \
      Time to target: wall-clock seconds to the first logged step at or below the target \
      (\(escapeHTML(options.targetLoss == nil ? "automatic: the highest per-optimizer mean best loss" : "given")); \
      first how many seeds reached it. Rows are ordered by mean final loss.</p>

      """
    return out
  }

  func runsTable() -> String {
    var out = """
      <div class="scroll"><table class="runs">
      <thead><tr><th>Run</th><th>Optimizer</th><th>Seed</th><th>Status</th><th>Steps</th>\
      <th>Seconds</th><th>Final loss</th><th>Best loss</th><th>Final accuracy</th>\
      <th>Hyperparameters</th><th>Note</th></tr></thead>
      <tbody>

      """
    for data in runs.sorted(by: {
      ($0.run.optimizer, $0.run.seed) < ($1.run.optimizer, $1.run.seed)
    }) {
      let n = RunNumbers(data)
      func shown(_ value: Double?) -> String { value.map { Self.number($0) } ?? "–" }
      let steps: String = n.steps.map { String($0) } ?? "–"
      let accuracy: String = n.finalAccuracy.map { Self.number(100 * $0) + " %" } ?? "–"
      let cells: [String] = [
        data.run.id, data.run.optimizer, String(data.run.seed), data.run.status.rawValue, steps,
        shown(n.seconds), shown(n.finalLoss), shown(n.bestLoss), accuracy,
        data.run.hyperparametersJSON, data.run.failureMessage ?? "",
      ]
      out +=
        "<tr class=\"status-\(data.run.status.rawValue)\">"
        + cells.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>\n"
    }
    return out + "</tbody>\n</table>\n</div>\n"
  }

  /// Four significant digits.
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "∞" : "−∞" }
    return String(format: "%.4g", value)
  }

  /// `mean ± deviation` as HTML (the deviation in a smaller `sd` span), or the mean alone for
  /// one seed.
  static func meanDeviation(_ value: MeanAndDeviation?, unit: String = "", percent: Bool = false)
    -> String
  {
    guard let value else { return "–" }
    let scale = percent ? 100.0 : 1.0
    let suffix = percent ? " %" : unit
    if value.count < 2 { return number(scale * value.mean) + suffix }
    // Two significant digits are all a standard deviation over a few seeds can claim.
    // Rounding noise between identical seeds shows as 0, not 1e-14.
    let spread = value.standardDeviation <= 1e-9 * abs(value.mean) ? 0 : value.standardDeviation
    let deviation = String(format: "%.2g", scale * spread)
    return number(scale * value.mean) + suffix + " <span class=\"sd\">± " + deviation + suffix
      + "</span>"
  }

  static func bytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f ", value) + units[unit]
  }

  static let css = """

    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; \
    color: #1d1d1f; background: #fff; max-width: 1400px; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 17px; margin: 24px 0 8px; }
    .meta, .note { color: #555; font-size: 13px; }
    table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
    th, td { padding: 4px 8px; border-bottom: 1px solid #e3e3e3; text-align: right; }
    .scroll { overflow-x: auto; }
    .sd { color: #777; font-size: 11px; display: block; }
    .bad { color: #b00; }
    td, tbody th { white-space: nowrap; }
    th:first-child, td:first-child, thead th { text-align: left; }
    thead th { background: #f5f5f7; }
    .runs td:nth-child(-n+4) { text-align: left; }
    .runs td:nth-child(10) { font-family: ui-monospace, monospace; font-size: 12px; text-align: left; }
    .runs td:nth-child(11) { text-align: left; color: #a00; }
    .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 12px; }
    figure { margin: 0; }
    svg.chart { width: 100%; height: auto; font-family: inherit; }
    svg .plot { fill: #fff; stroke: #bbb; }
    svg .grid line { stroke: #ececec; }
    svg .tick { font-size: 11px; fill: #555; }
    svg .axis-label { font-size: 12px; fill: #333; }
    svg .chart-title { font-size: 14px; font-weight: 600; fill: #1d1d1f; }
    svg .legend-label { font-size: 12px; fill: #1d1d1f; }
    svg .empty { font-size: 13px; fill: #888; }

    """
}
