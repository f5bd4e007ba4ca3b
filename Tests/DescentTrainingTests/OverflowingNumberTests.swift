import Foundation
import Testing

/// Hardening (issue 19): a real-valued flag given an overflowing number (`1e999`, which parses to
/// infinity) is refused by every command with the same rule and wording, quoting the text as
/// typed; `--set` booleans accept exactly `true` and `false`.
@Suite(
  "Overflowing numbers", .serialized,
  .enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct OverflowingNumberTests {
  static let cases: [([String], String)] = [
    (["train", "--lr", "1e999", "--no-store"], "descent train: --lr 1e999: must be a finite number ≥ 0"),
    (["compare", "--lr", "1e999"], "descent compare: --lr 1e999: must be a finite number ≥ 0"),
    (["optimize", "--function", "sphere", "--optimizer", "adam", "--steps", "1", "--lr", "1e999"],
      "descent optimize: --lr 1e999: must be a finite number ≥ 0"),
    (["train", "--lr", "-1", "--no-store"], "descent train: --lr -1: must be a finite number ≥ 0"),
    (["train", "--test-fraction", "1e999", "--no-store"],
      "descent train: --test-fraction 1e999: must be in (0, 1)"),
    (["compare", "--target-loss", "-1e999"],
      "descent compare: --target-loss -1e999: must be a finite number"),
    (["report", "r-", "--output", "/tmp/r.html", "--target-loss", "1e999"],
      "descent report: --target-loss 1e999: must be a finite number"),
    (["train", "--set", "beta1=1e999", "--no-store"],
      "descent train: adam: beta1=1e999 is invalid: must be a finite number; valid values: [0, 1)"),
    (["optimize", "--function", "sphere", "--optimizer", "adam", "--steps", "1", "--set",
      "beta1=1e999"], "descent optimize: --set: adam: beta1=1e999 is invalid: must be a finite number"),
    (["train", "--optimizer", "sgd", "--set", "momentum=0.9", "--set", "nesterov=yes", "--no-store"],
      "descent train: sgd: nesterov=yes is invalid: must be true or false"),
    (["optimize", "--function", "sphere", "--optimizer", "adam", "--steps", "1", "--set",
      "amsgrad=1"], "descent optimize: --set: adam: amsgrad=1 is invalid: must be true or false"),
  ]

  @Test(arguments: cases.indices)
  func overflowIsAUsageErrorWordedOnce(index: Int) throws {
    let (arguments, expected) = Self.cases[index]
    try DescentExecutable.expectOneLineError(arguments, status: 64, containing: expected)
  }
}
