import DescentRuns
import Foundation

/// A paper's headline experiment at laptop scale: what the paper claims, how Descent re-runs it
/// through the public library, and the criteria (from the paper, via the project's digest) that
/// decide whether the claim held.
///
/// One type per paper, in `Experiments/`, registered in ``ExperimentCatalogue``. The same
/// criteria hold in full and `--quick` runs; where a quick run's statistics need a looser target,
/// the experiment documents it in ``Experiment/quickDifferences``.
public protocol Experiment: Sendable {
  /// The paper's id in ``PaperCatalogue``.
  var id: String { get }
  /// The paper's claim, in its own words (corrected where the project's digest says so).
  var claim: String { get }
  /// What is run and measured, in a few sentences (in the result's JSON and the report).
  var method: String { get }
  /// What `--quick` changes (smaller problem, fewer steps, looser targets), or nil.
  var quickDifferences: String? { get }
  /// Runs the experiment. Throws only when it cannot run (a library error); a claim that does not
  /// hold is a failed ``Criterion``, not an error.
  func run(_ context: ExperimentContext) throws -> ExperimentFindings
}

/// What an experiment is run with.
public struct ExperimentContext: Sendable {
  /// The seed of every random draw (data, initialization, sampling).
  public let seed: UInt64
  /// Run the small version (≤ 30 s).
  public let quick: Bool
  /// Where runs that train are recorded (nil: not recorded).
  public let recorder: ExperimentRecorder?
  /// Receives one line per finished stage (stderr on the command line).
  public let progress: @Sendable (String) -> Void

  public init(
    seed: UInt64 = 0, quick: Bool = false, recorder: ExperimentRecorder? = nil,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.seed = seed
    self.quick = quick
    self.recorder = recorder
    self.progress = progress
  }

  /// `quick` when the context is quick, else `full`.
  public func size<T>(full: T, quick: T) -> T { self.quick ? quick : full }

  /// The seed of one named random stream of the experiment (its data, a split, an
  /// initialization): the context's seed and the name mixed by SplitMix64, so that different
  /// seeds never share a stream (as `seed + offset` would) and streams stay independent.
  public func stream(_ name: String) -> UInt64 {
    var z = seed
    for byte in name.utf8 { z = Self.splitMix(z ^ UInt64(byte)) }
    return Self.splitMix(z)
  }

  /// The seed of stream `name` number `index` (one per batch size, per run, ...).
  public func stream(_ name: String, _ index: Int) -> UInt64 {
    Self.splitMix(stream(name) ^ UInt64(bitPattern: Int64(index)))
  }

  static func splitMix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// What an experiment measured: its criteria, the figures that re-create the paper's, and notes
/// (what the measurement means, where it departs from the paper).
public struct ExperimentFindings: Sendable {
  public var criteria: [Criterion]
  public var figures: [ExperimentFigure]
  public var notes: [String]

  public init(criteria: [Criterion], figures: [ExperimentFigure] = [], notes: [String] = []) {
    self.criteria = criteria
    self.figures = figures
    self.notes = notes
  }
}

/// A figure of the report: a line chart (SVG) with a caption.
public struct ExperimentFigure: Sendable {
  public var chart: SVGLineChart
  public var caption: String

  public init(chart: SVGLineChart, caption: String) {
    self.chart = chart
    self.caption = caption
  }

  /// Colorblind-safe line colors (Okabe and Ito, 2008), in order.
  public static let palette = [
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#000000",
  ]

  /// A chart of named lines, colored in order from ``palette``.
  public static func lines(
    title: String, xLabel: String, yLabel: String, yScale: AxisScale = .linear,
    lines: [(name: String, x: [Double], y: [Double])], caption: String, identifier: String
  ) -> ExperimentFigure {
    let series = lines.enumerated().map { index, line in
      ChartSeries(
        name: line.name, color: palette[index % palette.count], x: line.x, y: line.y,
        dashed: index >= palette.count)
    }
    return ExperimentFigure(
      chart: SVGLineChart(
        title: title, xLabel: xLabel, yLabel: yLabel, yScale: yScale, series: series,
        identifier: identifier),
      caption: caption)
  }
}
