import Foundation

/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
/// constants of Vigna's reference `splitmix64.c`): a 64-bit state advanced by the golden-ratio
/// increment `0x9E3779B97F4A7C15` and finalized by two xor-shift-multiply rounds. Fast, passes
/// BigCrush, and every seed gives a full-period stream — enough for shuffles and synthetic data.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-shift with
  /// rejection, "Fast random integer generation in an interval", 2019).
  mutating func next(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "SplitMix64.next(below:): bound must be positive")
    var product = next().multipliedFullWidth(by: bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound
      while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
    }
    return product.high
  }

  /// A uniform `Double` in `[0, 1)` from the top 53 bits.
  mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A standard normal value (Box–Muller; one of the pair is discarded for simplicity).
  mutating func nextNormal() -> Double {
    let u1 = 1 - nextUnit()  // in (0, 1], so the log is finite
    let u2 = nextUnit()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}

/// The order of `0..<count` for one epoch of shuffled training: a Fisher–Yates shuffle driven by
/// a SplitMix64 generator seeded with `seed ^ (epoch × 0xD1B54A32D192ED03)` (an odd multiplier,
/// so distinct epochs of one seed give distinct streams); bounded draws by Lemire's method.
///
/// The order is a pure function of `(count, seed, epoch)`: the same on every machine and run, and
/// different across epochs. Every shuffle of `DescentData` (the ``DataLoader`` and
/// ``trainTestSplit(_:testFraction:seed:)``) goes through this one function so that it can later
/// be redirected to the core's seeded RNG (`RandomKey`, `Tensor.permutation`) in one place.
public func shuffledIndices(count: Int, seed: UInt64, epoch: Int) -> [Int] {
  precondition(count >= 0, "shuffledIndices: count must be non-negative, got \(count)")
  var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0xD1B5_4A32_D192_ED03))
  var indices = Array(0..<count)
  var i = count - 1
  while i > 0 {
    let j = Int(rng.next(below: UInt64(i + 1)))
    indices.swapAt(i, j)
    i -= 1
  }
  return indices
}
