import Foundation
import Testing

/// Hardening (issue 19): repeated list values and out-of-range thread counts are usage errors
/// (64) with one line naming the flag, never duplicate "independent" runs or a thread storm.
@Suite("Flag ranges", .serialized)
struct FlagRangeTests {
  static let cases: [([String], String)] = [
    (["compare", "--optimizers", "adam,sgd,adam", "--epochs", "1"], "'adam' is given twice"),
    (["compare", "--seeds", "0,0", "--epochs", "1"], "'0' is given twice"),
    (["train", "--threads", "100000", "--steps", "1", "--no-store"], "--threads 100000: must be from 1 to 1024"),
    (["compare", "--threads", "0", "--epochs", "1"], "--threads 0: must be from 1 to 1024"),
  ]

  @Test(arguments: cases.indices)
  func badValueIsAUsageError(index: Int) throws {
    let (arguments, expected) = Self.cases[index]
    try DescentExecutable.expectOneLineError(arguments, status: 64, containing: expected)
  }
}
