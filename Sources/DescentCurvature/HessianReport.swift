import Descent
import Foundation

/// What `descent hessian` prints: the top eigenvalues of a loss's Hessian, its trace with a
/// standard error, and optionally the SLQ eigenvalue density as an SVG chart.
///
/// JSON (``jsonString()``): `{"topEigenvalues": [...], "trace": x, "traceStandardError": e}` with
/// `trace` and `traceStandardError` `null` when the trace was not asked for.
public struct HessianReport: Sendable, Codable, Equatable {
  /// Largest first (Lanczos, full reorthogonalization).
  public let topEigenvalues: [Double]
  public let trace: Double?
  public let traceStandardError: Double?
  /// The density chart; not part of the JSON.
  public let densitySVG: String?

  /// What to compute, and how many HVPs to spend on it.
  public struct Options: Sendable {
    /// How many top eigenvalues (0 for none).
    public var top: Int = 5
    /// Lanczos steps for the top eigenvalues (default as ``topEigenpairs(_:count:iterations:key:)``).
    public var lanczosIterations: Int? = nil
    /// Whether to estimate the trace, and with how many Hutchinson probes.
    public var trace: Bool = false
    public var traceSamples: Int = 100
    /// Whether to draw the SLQ density, with how many Lanczos steps and runs.
    public var density: Bool = false
    public var densityIterations: Int = 100
    public var densityRuns: Int = 1
    public var seed: UInt64 = 0

    public init() {}
  }

  private enum CodingKeys: String, CodingKey { case topEigenvalues, trace, traceStandardError }

  public init(
    topEigenvalues: [Double], trace: Double?, traceStandardError: Double?, densitySVG: String?
  ) {
    self.topEigenvalues = topEigenvalues
    self.trace = trace
    self.traceStandardError = traceStandardError
    self.densitySVG = densitySVG
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    topEigenvalues = try container.decode([Double].self, forKey: .topEigenvalues)
    trace = try container.decodeIfPresent(Double.self, forKey: .trace)
    traceStandardError = try container.decodeIfPresent(Double.self, forKey: .traceStandardError)
    densitySVG = nil
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(topEigenvalues, forKey: .topEigenvalues)
    try container.encode(trace, forKey: .trace)
    try container.encode(traceStandardError, forKey: .traceStandardError)
  }

  /// The report of the Hessian of `loss` at `parameters` (see ``HVPOracle`` for a full-batch loss
  /// over several batches: pass its ``HVPOracle/linearOperator`` to
  /// ``compute(hessian:options:)``).
  public static func compute(
    loss: @escaping (ParameterTree) -> Tensor, at parameters: ParameterTree,
    options: Options = Options()
  ) throws -> HessianReport {
    try compute(hessian: HVPOracle(at: parameters, loss: loss).linearOperator, options: options)
  }

  /// The report of any symmetric operator. Costs `lanczosIterations + traceSamples +
  /// densityRuns · densityIterations` operator applications at most.
  public static func compute(hessian: LinearOperator, options: Options = Options()) throws
    -> HessianReport
  {
    let key = RandomKey(seed: options.seed)
    let keys = key.split(into: 3)
    var top: [Double] = []
    if options.top > 0 {
      let count = min(options.top, hessian.dimension)
      top = try topEigenpairs(
        hessian, count: count, iterations: options.lanczosIterations, key: keys[0]
      )
      .eigenvalues
    }
    var trace: TraceEstimate? = nil
    if options.trace {
      trace = hutchinsonTrace(hessian, samples: options.traceSamples, key: keys[1])
    }
    var svg: String? = nil
    if options.density {
      let density = try stochasticLanczosQuadrature(
        hessian, iterations: options.densityIterations, runs: options.densityRuns, key: keys[2])
      svg = densityChartSVG(density)
    }
    return HessianReport(
      topEigenvalues: top, trace: trace?.estimate, traceStandardError: trace?.standardError,
      densitySVG: svg)
  }

  /// The JSON object, keys in a fixed order, numbers with full precision.
  public func jsonString() -> String {
    func number(_ x: Double?) -> String {
      guard let x else { return "null" }
      return x.isFinite ? "\(x)" : "null"
    }
    let values = topEigenvalues.map { number($0) }.joined(separator: ", ")
    return "{\"topEigenvalues\": [\(values)], \"trace\": \(number(trace)), "
      + "\"traceStandardError\": \(number(traceStandardError))}"
  }

  /// A plain-text table: one row per eigenvalue, then the trace.
  public func table() -> String {
    var lines = ["quantity          value"]
    for (i, value) in topEigenvalues.enumerated() {
      lines.append(
        "lambda_\(i + 1)".padding(toLength: 18, withPad: " ", startingAt: 0)
          + String(format: "%.6g", value))
    }
    if let trace {
      let error = traceStandardError.map { String(format: " ± %.3g", $0) } ?? ""
      lines.append(
        "trace".padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%.6g", trace)
          + error)
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// A self-contained SVG line chart of the SLQ density on a log scale (PyHessian plots
/// `log(density + 1e-7)` the same way, since the bulk near 0 dwarfs the outliers).
public func densityChartSVG(
  _ density: SpectralDensity, points: Int = 400, sigma: Double? = nil, width: Int = 640,
  height: Int = 360
) -> String {
  let grid = density.grid(points: points, sigma: sigma)
  let values = density.density(on: grid, sigma: sigma).map { log10($0 + 1e-7) }
  let (left, right, top, bottom) = (60.0, 20.0, 20.0, 40.0)
  let plotWidth = Double(width) - left - right
  let plotHeight = Double(height) - top - bottom
  let xMin = grid.first!
  let xMax = grid.last!
  let yMin = values.min()!
  let yMax = max(values.max()!, yMin + 1e-12)
  func x(_ t: Double) -> Double { left + (t - xMin) / (xMax - xMin) * plotWidth }
  func y(_ v: Double) -> Double { top + (1 - (v - yMin) / (yMax - yMin)) * plotHeight }
  let path = zip(grid, values).map { String(format: "%.2f,%.2f", x($0), y($1)) }.joined(
    separator: " ")
  var svg = """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
    <rect x="0" y="0" width="\(width)" height="\(height)" fill="white"/>
    <line x1="\(left)" y1="\(top + plotHeight)" x2="\(left + plotWidth)" y2="\(top + plotHeight)" stroke="black"/>
    <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + plotHeight)" stroke="black"/>
    <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="\(path)"/>

    """
  for i in 0...4 {
    let t = xMin + (xMax - xMin) * Double(i) / 4
    svg += String(
      format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>\n", x(t),
      top + plotHeight + 16, t)
    let v = yMin + (yMax - yMin) * Double(i) / 4
    svg += String(
      format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", left - 6, y(v) + 4, v
    )
  }
  svg += String(
    format: "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">eigenvalue</text>\n",
    left + plotWidth / 2, height - 6)
  svg += String(
    format:
      "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">log10 density</text>\n",
    top + plotHeight / 2, top + plotHeight / 2)
  svg += "</svg>\n"
  return svg
}
