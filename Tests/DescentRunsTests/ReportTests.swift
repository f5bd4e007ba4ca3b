import Foundation
import Testing

@testable import DescentRuns

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Synthetic runs: `seeds` seeds of an optimizer whose loss decays like `scale·e^(−rate·step)`,
/// with seed-dependent wiggle and speed, evaluations every 50 steps, a cosine learning rate.
func syntheticRuns(
  optimizer: String, seeds: Int, rate: Double, secondsPerStep: Double, steps: Int = 400
) -> [RunData] {
  (0..<seeds).map { seed in
    let wiggle = 1 + 0.08 * Double(seed)
    let metrics = (0..<steps).map { step in
      let t = Double(step)
      let loss = 2.3 * exp(-rate * wiggle * t) + 0.02 + 0.01 * sin(t * 0.3 + Double(seed))
      let lr = 0.05 * 0.5 * (1 + cos(Double.pi * t / Double(steps)))
      return MetricPoint(
        step: step, epoch: step / 100, seconds: t * secondsPerStep * wiggle, trainLoss: loss,
        learningRate: lr)
    }
    let evaluations = stride(from: 0, to: steps, by: 50).map { step in
      EvaluationPoint(
        step: step, loss: metrics[step].trainLoss,
        accuracy: min(0.99, 0.33 + 0.66 * (1 - exp(-rate * wiggle * Double(step) * 1.5))))
    }
    let run = RunRecord(
      id: "r-test-\(optimizer)-\(seed)", name: "\(optimizer) \(seed)", task: "mlp:4-16-3 on iris",
      optimizer: optimizer, hyperparametersJSON: #"{"learningRate":0.05}"#, configJSON: "{}",
      seed: Int64(seed), groupID: nil, codeVersion: "0.1.0+test",
      machine: MachineInfo(hostname: "test-host", cores: 2, cpuModel: "Test CPU"), processID: 1,
      processStartTime: nil,
      startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 60),
      status: .finished, failureMessage: nil, checkpointPath: nil,
      summary: RunSummary(
        steps: steps, seconds: Double(steps) * secondsPerStep * wiggle,
        optimizerStateBytes: 2 * 4 * 99))
    return RunData(run: run, metrics: metrics, evaluations: evaluations)
  }
}

let hostileName = #"<m&m's "fast">"#

func sampleReportRuns() -> [RunData] {
  syntheticRuns(optimizer: "adam", seeds: 3, rate: 0.02, secondsPerStep: 0.004)
    + syntheticRuns(optimizer: "sgd", seeds: 3, rate: 0.006, secondsPerStep: 0.003)
    + syntheticRuns(optimizer: hostileName, seeds: 1, rate: 0.01, secondsPerStep: 0.005)
}

/// Collects, per `<svg>` element, the `data-series` of its series paths and bands.
final class ChartCollector: NSObject, XMLParserDelegate {
  struct Chart {
    var title = ""
    var series: [String] = []
    var bands: [String] = []
  }
  var charts: [Chart] = []
  var elementNames: Set<String> = []
  var attributeNames: Set<String> = []
  private var inSVGTitle = false

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    elementNames.insert(name)
    attributeNames.formUnion(attributes.keys)
    if name == "svg" { charts.append(Chart()) }
    if name == "title", !charts.isEmpty { inSVGTitle = true }
    if name == "path", let series = attributes["data-series"] {
      if attributes["class"] == "series" { charts[charts.count - 1].series.append(series) }
      if attributes["class"] == "band" { charts[charts.count - 1].bands.append(series) }
    }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inSVGTitle { charts[charts.count - 1].title += string }
  }

  func parser(
    _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
  ) {
    if name == "title" { inSVGTitle = false }
  }
}

@Suite("Reports")
struct ReportTests {
  @Test func reportIsWellFormedWithOneSeriesPerOptimizerAndOneBandPerMultiSeedGroup() throws {
    let html = ReportBuilder(runs: sampleReportRuns()).html()
    if let copy = ProcessInfo.processInfo.environment["DESCENT_SAMPLE_REPORT"] {
      try ReportBuilder(runs: sampleReportRuns()).write(to: copy)
    }
    let parser = XMLParser(data: Data(html.utf8))
    let collector = ChartCollector()
    parser.delegate = collector
    #expect(
      parser.parse(), "report is not well-formed XML: \(String(describing: parser.parserError))")
    #expect(
      collector.charts.map(\.title) == [
        "Training loss by step", "Training loss by wall-clock time", "Evaluation accuracy by step",
        "Learning rate by step",
      ])
    for chart in collector.charts {
      #expect(chart.series.sorted() == ["adam", "sgd", hostileName].sorted(), "\(chart.title)")
      #expect(chart.bands.sorted() == ["adam", "sgd"], "\(chart.title)")
    }
    // Self-contained: no script, no external resource.
    #expect(!collector.elementNames.contains("script"))
    #expect(!collector.elementNames.contains("link"))
    #expect(collector.attributeNames.isDisjoint(with: ["src", "href", "xlink:href"]))
    #expect(html.contains("&lt;m&amp;m&#39;s &quot;fast&quot;&gt;"))
    #expect(!html.contains(hostileName))
    // Losses span more than a factor of 10: the loss axes switch to log scale by themselves.
    #expect(html.contains("training loss (log scale)"))
  }

  @Test func divergingRunIsClippedInChartsAndFlaggedInTheTable() throws {
    var diverged = syntheticRuns(
      optimizer: "sgd-high-lr", seeds: 1, rate: 0.01, secondsPerStep: 0.003)[0]
    for k in 200..<400 { diverged.metrics[k].trainLoss = k < 210 ? 1e4 * Double(k - 199) : .nan }
    let runs =
      syntheticRuns(optimizer: "adam", seeds: 3, rate: 0.02, secondsPerStep: 0.004) + [diverged]
    let html = ReportBuilder(runs: runs).html()
    #expect(XMLParser(data: Data(html.utf8)).parse())
    #expect(html.contains("training loss (log scale), clipped"))
    #expect(html.contains("NaN/∞ in 1/1"))
    // The axis ends near the starting loss (2.33 → 10), not at the spike (1e5).
    #expect(html.contains(">10</text>"))
    #expect(!html.contains(">1e5</text>"))
  }

  @Test func summaryTableHoldsMeanAndDeviationOverSeeds() throws {
    let runs = syntheticRuns(optimizer: "adam", seeds: 3, rate: 0.02, secondsPerStep: 0.004)
    let finals = runs.map { $0.metrics.last!.trainLoss }
    let mean = finals.reduce(0, +) / 3
    let deviation = (finals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
    let summary = OptimizerSummary(optimizer: "adam", runs: runs, targetLoss: 0.5)
    #expect(abs(summary.finalLoss!.mean - mean) < 1e-12)
    #expect(abs(summary.finalLoss!.standardDeviation - deviation) < 1e-12)
    #expect(summary.reachedTarget == 3)
    let expectedTimes = runs.map { run in run.metrics.first { $0.trainLoss <= 0.5 }!.seconds }
    #expect(abs(summary.timeToTarget!.mean - expectedTimes.reduce(0, +) / 3) < 1e-12)
    #expect(summary.optimizerStateBytes == 792)
    let html = ReportBuilder(runs: runs, options: ReportOptions(targetLoss: 0.5)).html()
    #expect(
      html.contains(
        ReportBuilder.number(mean) + " <span class=\"sd\">± " + String(format: "%.2g", deviation)))
    #expect(html.contains("Time to loss ≤ 0.5"))
    #expect(html.contains("792 B"))
  }

  @Test func seedsAreAveragedOnACommonGridWithinEachRunsRange() {
    let a: [(x: Double, y: Double)] = [(0, 0), (2, 2), (4, 4)]
    let b: [(x: Double, y: Double)] = [(0, 2), (1, 3), (3, 5)]
    let curve = AggregatedCurve(curves: [a, b], maxPoints: 100)
    #expect(curve.x == [0, 1, 2, 3, 4])
    // At x = 1: a interpolates to 1, b is 3; at x = 4 only a covers it.
    #expect(curve.mean == [1, 2, 3, 4, 4])
    #expect(curve.lower == [0, 1, 2, 3, 4])
    #expect(curve.upper == [2, 3, 4, 5, 4])
    let thinned = AggregatedCurve(curves: [(0..<1000).map { (Double($0), 1.0) }], maxPoints: 11)
    #expect(thinned.x.count == 11)
    #expect(thinned.x.first == 0)
    #expect(thinned.x.last == 999)
  }

  @Test func axesUseNiceTicks() throws {
    let linear = try #require(ChartAxis(values: [0, 937], scale: .linear))
    #expect(linear.ticks == [0, 200, 400, 600, 800, 1000])
    #expect(linear.labels == ["0", "200", "400", "600", "800", "1000"])
    let fractions = try #require(ChartAxis(values: [0.12, 0.93], scale: .linear))
    #expect(fractions.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let log = try #require(ChartAxis(values: [0.013, 2.3, -1, .nan], scale: .log))
    #expect(log.lower == 0.01)
    #expect(log.upper == 10)
    #expect(log.labels == ["0.01", "0.1", "1", "10"])
    let narrow = try #require(ChartAxis(values: [0.2, 0.9], scale: .log))
    #expect(narrow.labels == ["0.1", "0.2", "0.5", "1"])
    #expect(ChartAxis(values: [-1, 0], scale: .log) == nil)
    #expect(ChartAxis.compactExponent(1e-5) == "1e-5")
  }

  @Test func emptyChartSaysNoDataAndNonFinitePointsBreakTheLine() {
    let empty = SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: []).svg()
    #expect(empty.contains("no data"))
    let chart = SVGLineChart(
      title: "t", xLabel: "x", yLabel: "y",
      series: [ChartSeries(name: "s", color: "#000", x: [0, 1, 2, 3, 4], y: [1, 2, .nan, 3, 4])]
    ).svg()
    let path = chart.components(separatedBy: "class=\"series\"")[1]
    let d = path.components(separatedBy: "d=\"")[1].prefix { $0 != "\"" }
    #expect(d.filter { $0 == "M" }.count == 2)
  }

  @Test func atomicWriteLeavesOnlyTheReport() throws {
    let folder = TemporaryFolder()
    let path = folder.file("report.html")
    try "old".write(toFile: path, atomically: false, encoding: .utf8)
    let builder = ReportBuilder(runs: sampleReportRuns())
    try builder.write(to: path)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.html"])
    #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    let missing = folder.file("no-such-folder/report.html")
    #expect(throws: ReportWriteError.self) { try builder.write(to: missing) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.html"])
  }

  @Test func reportReadsRunsFromTheStore() throws {
    let folder = TemporaryFolder()
    let store = try RunStore(path: folder.file("runs.sqlite"))
    var ids: [String] = []
    for data in sampleReportRuns() {
      let run = try store.createRun(
        NewRun(
          name: data.run.name, task: data.run.task, optimizer: data.run.optimizer,
          seed: data.run.seed))
      try store.appendMetrics(runID: run.id, data.metrics)
      for e in data.evaluations { try store.recordEvaluation(runID: run.id, e) }
      try store.finishRun(id: run.id, summary: data.run.summary)
      ids.append(run.id)
    }
    let builder = try ReportBuilder(store: store, runIDs: ids)
    #expect(builder.runs.count == 7)
    #expect(builder.groups.map(\.runs.count) == [1, 3, 3])
    for id in ids { #expect(builder.html().contains(id)) }
  }
}
