import Foundation
import Testing

@testable import DescentRuns

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Hardening (issue 19): losses of diverged runs — 1e30, ±inf, NaN, ±Double.greatestFiniteMagnitude
/// — must give a well-formed chart, never an `Int` overflow trap in the axis or coordinate code.
@Suite("Charts of diverged runs")
struct DivergedChartTests {
  static let hostileLosses: [[Double]] = [
    [2.3, 1.0, 1e30, .infinity, .nan, 1e300],
    [2.3, -1e308, 1.7e308, -.infinity],
    [1e30, 1e30, 1e30],
    [-Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude],
    [Double.leastNonzeroMagnitude, 1e-300, 5e-324],
    [.nan, .nan],
  ]

  @Test(arguments: hostileLosses, [AxisScale.linear, .log])
  func chartOfDivergedLossesIsWellFormed(losses: [Double], scale: AxisScale) {
    for limit in [nil, 10.0] { Self.expectWellFormed(losses, scale, limit) }
  }

  static func expectWellFormed(_ losses: [Double], _ scale: AxisScale, _ limit: Double?) {
    let chart = SVGLineChart(
      title: "loss", xLabel: "step", yLabel: "loss", yScale: scale,
      series: [
        ChartSeries(
          name: "diverged", color: "#000", x: losses.indices.map(Double.init), y: losses,
          band: (losses.map { $0 / 2 }, losses.map { $0 * 2 }))
      ], yMaximum: limit)
    let svg = chart.svg()
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "\(losses) \(scale): \(String(describing: parser.parserError))")
    #expect(!svg.contains("nan") && !svg.contains("inf"), "\(svg)")
  }

  @Test func axisOverTheWholeDoubleRangeHasFewFiniteTicks() throws {
    let axis = try #require(
      ChartAxis(values: [-Double.greatestFiniteMagnitude, .greatestFiniteMagnitude], scale: .linear))
    #expect(axis.ticks.count <= 12)
    #expect(axis.ticks.allSatisfy { $0.isFinite })
    let middle = try #require(axis.fraction(0))
    #expect(abs(middle - 0.5) < 0.1)
  }

  @Test func reportOfADivergedRunIsWellFormed() {
    var runs = syntheticRuns(optimizer: "adam", seeds: 2, rate: 0.02, secondsPerStep: 0.004)
    for (index, value) in [1e30, .infinity, .nan, -1e308, 1.7e308].enumerated() {
      runs[0].metrics[10 + index].trainLoss = value
    }
    runs[1].metrics[20].trainLoss = .nan
    let html = ReportBuilder(runs: runs).html()
    let parser = XMLParser(data: Data(html.utf8))
    #expect(parser.parse(), "\(String(describing: parser.parserError))")
  }
}
