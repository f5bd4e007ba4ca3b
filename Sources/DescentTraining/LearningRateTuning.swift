import DescentData
import DescentOptimizers
import Foundation

/// The learning-rate grid of `descent compare --tune lr[=LO:HI[:PER_OCTAVE]]`: rates spaced
/// evenly on a log₂ scale, `perOctave` of them per doubling, from `low` to `high` inclusive.
/// Without bounds the grid spans two octaves either side of each optimizer's own rate (its
/// learning rate in the comparison, else its default): `rate/4 … 4·rate`, 17 rates at 4 per octave.
public struct LearningRateGrid: Sendable, Equatable, Codable {
  public var low: Double?
  public var high: Double?
  public var perOctave: Int

  /// Octaves on each side of the optimizer's rate when no bounds are given.
  public static let defaultOctaves = 2

  public init(low: Double? = nil, high: Double? = nil, perOctave: Int = 4) {
    self.low = low
    self.high = high
    self.perOctave = perOctave
  }

  /// Parses `lr`, `lr=LO:HI` or `lr=LO:HI:PER_OCTAVE`; throws a one-line
  /// ``TrainingError/usage(_:)``.
  public static func parse(_ text: String) throws -> LearningRateGrid {
    func fail(_ detail: String) -> TrainingError {
      .usage(
        "--tune \(text): \(detail); expected lr, lr=LO:HI or lr=LO:HI:PER_OCTAVE "
          + "(e.g. --tune lr=1e-4:1e-1:2)")
    }
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.first == "lr" else { throw fail("only the learning rate (lr) can be tuned") }
    guard parts.count == 2 else { return LearningRateGrid() }
    let fields = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard fields.count == 2 || fields.count == 3 else { throw fail("give LO:HI or LO:HI:PER_OCTAVE") }
    guard let low = Double(fields[0]), let high = Double(fields[1]), low.isFinite, high.isFinite,
      low > 0, high >= low
    else { throw fail("LO and HI must be finite numbers with 0 < LO ≤ HI") }
    var perOctave = 4
    if fields.count == 3 {
      guard let n = Int(fields[2]), (1...64).contains(n) else {
        throw fail("PER_OCTAVE must be a whole number from 1 to 64")
      }
      perOctave = n
    }
    let grid = LearningRateGrid(low: low, high: high, perOctave: perOctave)
    guard (log2(high) - log2(low)) * Double(perOctave) < 1000 else {
      throw fail("the grid has more than 1000 rates; narrow it or lower PER_OCTAVE")
    }
    return grid
  }

  /// The rates for an optimizer whose own rate is `center` (used when the grid has no bounds),
  /// ascending. Bounded grids end exactly at `high` when it lies on the grid.
  public func rates(around center: Double) -> [Double] {
    let octaves = Double(Self.defaultOctaves)
    let low = self.low ?? center / pow(2, octaves)
    let high = self.high ?? center * pow(2, octaves)
    let count = Int(((log2(high) - log2(low)) * Double(perOctave) + 1e-9).rounded(.down))
    return (0...count).map { low * pow(2, Double($0) / Double(perOctave)) }
  }

  public var description: String {
    if let low, let high {
      return "lr from \(String(format: "%g", low)) to \(String(format: "%g", high)), \(perOctave) per octave"
    }
    return "lr over ±\(Self.defaultOctaves) octaves around each optimizer's rate, \(perOctave) per octave"
  }
}

/// How one optimizer's learning rate was tuned: every rate tried, its validation loss, the best.
public struct LearningRateTuning: Sendable, Equatable, Codable {
  public var optimizer: String
  public var rates: [Double]
  /// Final loss on the validation split per rate (nil where the run failed or diverged).
  public var validationLosses: [Double?]
  /// The rate with the lowest validation loss (the smaller rate on a tie).
  public var best: Double
  /// The tuning runs in the run store, one per rate.
  public var runIDs: [String]
}
