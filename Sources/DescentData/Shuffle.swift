import Descent
import Foundation

extension RandomGenerator {
  /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-shift with
  /// rejection, "Fast random integer generation in an interval", 2019).
  mutating func next(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "RandomGenerator.next(below:): bound must be positive")
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

/// The order of `0..<count` for one epoch of shuffled training: the core's seeded permutation
/// (`Tensor.permutation`, Fisher–Yates driven by Philox4x32-10) under the key
/// `RandomKey(seed: seed).folded(in: epoch)`, so distinct epochs of one seed give independent
/// orders.
///
/// The order is a pure function of `(count, seed, epoch)`: the same on every machine, run and
/// thread count. Every shuffle of `DescentData` (the ``DataLoader`` and
/// ``trainTestSplit(_:testFraction:seed:)``) goes through this one function.
public func shuffledIndices(count: Int, seed: UInt64, epoch: Int) -> [Int] {
  precondition(count >= 0, "shuffledIndices: count must be non-negative, got \(count)")
  if count == 0 { return [] }
  let key = RandomKey(seed: seed).folded(in: UInt64(bitPattern: Int64(epoch)))
  return Tensor.permutation(count, key: key).ints
}
