import Foundation

/// A curve aggregated over seeds: at each `x`, the mean, min and max of the runs that cover `x`.
struct AggregatedCurve: Equatable {
  var x: [Double] = []
  var mean: [Double] = []
  var lower: [Double] = []
  var upper: [Double] = []
  /// How many runs went into it (a band is drawn only for more than one).
  var runCount = 0

  /// Aggregates `curves` (each sorted by x; non-finite y are skipped).
  ///
  /// When all curves share the same x values (same logging steps), those are the grid; otherwise
  /// (wall-clock seconds) the grid is the union of their x values and each curve is linearly
  /// interpolated onto it, within its own x range only — a curve never extends past its last
  /// point. The grid is then thinned to at most `maxPoints` evenly spaced points, keeping the last.
  init(curves: [[(x: Double, y: Double)]], maxPoints: Int) {
    let clean = curves.map { $0.filter { $0.x.isFinite && $0.y.isFinite } }.filter { !$0.isEmpty }
    runCount = clean.count
    guard let first = clean.first else { return }
    var grid: [Double]
    if clean.allSatisfy({ $0.map(\.x) == first.map(\.x) }) {
      grid = first.map(\.x)
    } else {
      grid = Array(Set(clean.flatMap { $0.map(\.x) })).sorted()
    }
    if grid.count > maxPoints, maxPoints > 1 {
      let stride = Double(grid.count - 1) / Double(maxPoints - 1)
      grid = (0..<maxPoints).map { grid[Int((Double($0) * stride).rounded())] }
    }
    for gx in grid {
      let values = clean.compactMap { Self.interpolate($0, at: gx) }
      guard !values.isEmpty else { continue }
      x.append(gx)
      mean.append(values.reduce(0, +) / Double(values.count))
      lower.append(values.min()!)
      upper.append(values.max()!)
    }
  }

  /// The curve's value at `x` by linear interpolation, nil outside its x range.
  static func interpolate(_ curve: [(x: Double, y: Double)], at x: Double) -> Double? {
    guard let first = curve.first, let last = curve.last, x >= first.x, x <= last.x else {
      return nil
    }
    var low = 0
    var high = curve.count - 1
    while high - low > 1 {
      let middle = (low + high) / 2
      if curve[middle].x <= x { low = middle } else { high = middle }
    }
    let a = curve[low]
    let b = curve[high]
    if a.x == x || b.x == a.x { return a.y }
    if b.x == x { return b.y }
    return a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
  }
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value).
struct MeanAndDeviation: Equatable {
  var mean: Double
  var standardDeviation: Double
  var count: Int

  init?(_ values: [Double]) {
    let finite = values.filter(\.isFinite)
    guard !finite.isEmpty else { return nil }
    let n = finite.count
    let average = finite.reduce(0, +) / Double(n)
    let squares = finite.reduce(0) { $0 + ($1 - average) * ($1 - average) }
    count = n
    mean = average
    standardDeviation = n > 1 ? (squares / Double(n - 1)).squareRoot() : 0
  }
}
