import Foundation

/// One line of a chart, with an optional band (min–max over seeds) sharing its x values.
public struct ChartSeries: Sendable, Equatable {
  public var name: String
  /// A CSS color (`#0072b2`).
  public var color: String
  public var x: [Double]
  public var y: [Double]
  /// Lower and upper edges of the band at each `x`; nil for no band.
  public var band: (lower: [Double], upper: [Double])?
  /// Draws the line dashed: tells apart series that share a color when there are more series
  /// than colors.
  public var dashed: Bool

  public init(
    name: String, color: String, x: [Double], y: [Double],
    band: (lower: [Double], upper: [Double])? = nil, dashed: Bool = false
  ) {
    precondition(
      x.count == y.count, "ChartSeries \(name): \(x.count) x values, \(y.count) y values")
    if let band {
      precondition(
        band.lower.count == x.count && band.upper.count == x.count,
        "ChartSeries \(name): band edges must have \(x.count) values")
    }
    self.name = name
    self.color = color
    self.x = x
    self.y = y
    self.band = band
    self.dashed = dashed
  }

  public static func == (a: ChartSeries, b: ChartSeries) -> Bool {
    a.name == b.name && a.color == b.color && a.dashed == b.dashed && a.x == b.x && a.y == b.y
      && a.band?.lower == b.band?.lower && a.band?.upper == b.band?.upper
  }
}

/// A line chart as a standalone SVG element: title, axes with nice ticks (linear or log y),
/// grid lines, one `<path class="series">` per series, one `<path class="band">` per band and a
/// legend on the right. Needs no script and no external resource; all text is escaped.
///
/// Points whose y is not finite (or ≤ 0 on a log axis) break the line instead of being drawn.
public struct SVGLineChart: Sendable {
  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var yScale: AxisScale
  public var series: [ChartSeries]
  public var width: Double
  public var height: Double
  /// Values above it do not widen the y axis; lines going there are cut at the plot's top edge
  /// (a diverging run must not flatten every other line). nil: no limit.
  public var yMaximum: Double?
  /// Unique within the page: names the chart's clip path.
  public var identifier: String

  public init(
    title: String, xLabel: String, yLabel: String, yScale: AxisScale = .linear,
    series: [ChartSeries], width: Double = 640, height: Double = 360, yMaximum: Double? = nil,
    identifier: String = "chart"
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.yScale = yScale
    self.series = series
    self.width = width
    self.height = height
    self.yMaximum = yMaximum
    self.identifier = identifier
  }

  static let marginLeft = 64.0
  static let marginTop = 34.0
  static let marginBottom = 46.0
  static let legendWidth = 150.0

  /// The `<svg>` element.
  public func svg() -> String {
    let plotLeft = Self.marginLeft
    let plotTop = Self.marginTop
    let plotWidth = width - Self.marginLeft - Self.legendWidth - 12
    let plotHeight = height - Self.marginTop - Self.marginBottom
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(f(width)) \(f(height))" \
      width="\(f(width))" height="\(f(height))" role="img" aria-label="\(escapeHTML(title))">
      <title>\(escapeHTML(title))</title>
      <text class="chart-title" x="\(f(width / 2))" y="20" text-anchor="middle">\(escapeHTML(title))</text>

      """
    let xs = series.flatMap(\.x)
    let allYs = series.flatMap { s in s.y + (s.band.map { $0.lower + $0.upper } ?? []) }
    let ys = yMaximum.map { limit in allYs.filter { $0 <= limit } } ?? allYs
    let clipped = ys.count < allYs.filter(\.isFinite).count
    guard let xAxis = ChartAxis(values: xs, scale: .linear),
      let yAxis = ChartAxis(values: ys, scale: yScale)
    else {
      out += """
        <rect class="plot" x="\(f(plotLeft))" y="\(f(plotTop))" width="\(f(plotWidth))" \
        height="\(f(plotHeight))"/>
        <text class="empty" x="\(f(plotLeft + plotWidth / 2))" y="\(f(plotTop + plotHeight / 2))" \
        text-anchor="middle">no data</text>
        </svg>
        """
      return out
    }
    func px(_ x: Double) -> Double? { xAxis.fraction(x).map { plotLeft + $0 * plotWidth } }
    func py(_ y: Double) -> Double? {
      yAxis.fraction(y).map { plotTop + (1 - $0) * plotHeight }
    }

    out += """
      <rect class="plot" x="\(f(plotLeft))" y="\(f(plotTop))" width="\(f(plotWidth))" \
      height="\(f(plotHeight))"/>
      <g class="grid">

      """
    for (tick, label) in zip(yAxis.ticks, yAxis.labels) {
      guard let y = py(tick) else { continue }
      out += """
        <line x1="\(f(plotLeft))" y1="\(f(y))" x2="\(f(plotLeft + plotWidth))" y2="\(f(y))"/>
        <text class="tick" x="\(f(plotLeft - 6))" y="\(f(y + 4))" text-anchor="end">\(escapeHTML(label))</text>

        """
    }
    for (tick, label) in zip(xAxis.ticks, xAxis.labels) {
      guard let x = px(tick) else { continue }
      out += """
        <line x1="\(f(x))" y1="\(f(plotTop))" x2="\(f(x))" y2="\(f(plotTop + plotHeight))"/>
        <text class="tick" x="\(f(x))" y="\(f(plotTop + plotHeight + 16))" text-anchor="middle">\(escapeHTML(label))</text>

        """
    }
    out += "</g>\n"
    var yLabelText = yScale == .log ? "\(yLabel) (log scale)" : yLabel
    if clipped { yLabelText += ", clipped" }
    out += """
      <text class="axis-label" x="\(f(plotLeft + plotWidth / 2))" y="\(f(height - 8))" \
      text-anchor="middle">\(escapeHTML(xLabel))</text>
      <text class="axis-label" x="14" y="\(f(plotTop + plotHeight / 2))" text-anchor="middle" \
      transform="rotate(-90 14 \(f(plotTop + plotHeight / 2)))">\(escapeHTML(yLabelText))</text>
      <clipPath id="\(escapeHTML(identifier))-plot"><rect x="\(f(plotLeft))" y="\(f(plotTop))" \
      width="\(f(plotWidth))" height="\(f(plotHeight))"/></clipPath>
      <g class="lines" clip-path="url(#\(escapeHTML(identifier))-plot)">

      """
    for s in series {
      if let band = s.band {
        var d = ""
        for segment in Self.segments(
          s.x.count,
          { i in px(s.x[i]) != nil && py(band.lower[i]) != nil && py(band.upper[i]) != nil })
        {
          guard segment.count > 1 else { continue }
          let upper = segment.map { "\(f(px(s.x[$0])!)),\(f(py(band.upper[$0])!))" }
          let lower = segment.reversed().map { "\(f(px(s.x[$0])!)),\(f(py(band.lower[$0])!))" }
          d += "M" + (upper + lower).joined(separator: "L") + "Z"
        }
        out += """
          <path class="band" data-series="\(escapeHTML(s.name))" d="\(d)" fill="\(escapeHTML(s.color))" \
          fill-opacity="0.18" stroke="none"/>

          """
      }
    }
    for s in series {
      var d = ""
      for segment in Self.segments(s.x.count, { i in px(s.x[i]) != nil && py(s.y[i]) != nil }) {
        d += "M" + segment.map { "\(f(px(s.x[$0])!)),\(f(py(s.y[$0])!))" }.joined(separator: "L")
      }
      out += """
        <path class="series" data-series="\(escapeHTML(s.name))" d="\(d)" fill="none" \
        stroke="\(escapeHTML(s.color))" stroke-width="1.8" stroke-linejoin="round"\(dash(s))/>

        """
    }
    out += "</g>\n<g class=\"legend\">\n"
    let legendX = plotLeft + plotWidth + 14
    for (index, s) in series.enumerated() {
      let y = plotTop + 8 + Double(index) * 18
      let name = s.name.count > 18 ? String(s.name.prefix(17)) + "…" : s.name
      out += """
        <line x1="\(f(legendX))" y1="\(f(y))" x2="\(f(legendX + 18))" y2="\(f(y))" \
        stroke="\(escapeHTML(s.color))" stroke-width="3"\(dash(s))/>
        <text class="legend-label" x="\(f(legendX + 24))" y="\(f(y + 4))">\(escapeHTML(name))</text>

        """
    }
    out += "</g>\n</svg>"
    return out
  }

  /// Maximal runs of consecutive indices in `0..<count` for which `drawable` holds.
  static func segments(_ count: Int, _ drawable: (Int) -> Bool) -> [[Int]] {
    var result: [[Int]] = []
    var current: [Int] = []
    for i in 0..<count {
      if drawable(i) {
        current.append(i)
      } else if !current.isEmpty {
        result.append(current)
        current = []
      }
    }
    if !current.isEmpty { result.append(current) }
    return result
  }
}

private func dash(_ series: ChartSeries) -> String {
  series.dashed ? " stroke-dasharray=\"6 3\"" : ""
}

/// A coordinate with one decimal: enough for a screen, short in the file.
/// Positions far outside the plot (a diverged run's 1e30 on a clipped axis) are clamped to
/// ±1e7, where the clip path hides them just as well, so that they always fit an `Int`.
private func f(_ value: Double) -> String {
  let bounded = value.isNaN ? 0 : min(max(value, -1e7), 1e7)
  let rounded = (bounded * 10).rounded() / 10
  return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}

/// Escapes `&`, `<`, `>`, `"` and `'` so that text is safe in HTML and XML content and attributes.
public func escapeHTML(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.utf8.count)
  for character in text.unicodeScalars {
    switch character {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default:
      // Control characters other than tab and newline are not allowed in XML 1.0.
      if character.value < 0x20 && character != "\t" && character != "\n" { continue }
      out.unicodeScalars.append(character)
    }
  }
  return out
}
