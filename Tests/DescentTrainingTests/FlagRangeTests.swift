import Foundation
import Testing

/// Hardening (issue 19): repeated list values, out-of-range thread counts and negative numbers
/// after flags are usage errors
/// (64) with one line naming the flag, never duplicate "independent" runs or a thread storm.
@Suite("Flag ranges", .serialized)
struct FlagRangeTests {
  static let cases: [([String], String)] = [
    (["compare", "--optimizers", "adam,sgd,adam", "--epochs", "1"], "'adam' is given twice"),
    (["compare", "--seeds", "0,0", "--epochs", "1"], "'0' is given twice"),
    (["train", "--threads", "100000", "--steps", "1", "--no-store"], "--threads 100000: must be from 1 to 1024"),
    (["compare", "--threads", "0", "--epochs", "1"], "--threads 0: must be from 1 to 1024"),
    // Negative numbers after flags are values, not "missing value" (every numeric option).
    (["train", "--steps", "-1", "--no-store"], "--steps -1: must be at least 1"),
    (["train", "--batch-size", "-3", "--no-store"], "--batch-size -3: must be at least 1"),
    (["compare", "--epochs", "-2"], "--epochs -2: must be at least 1"),
    (["hessian", "--top", "-1", "--model", "mlp", "--weights", "w", "--data", "digits"],
      "--top -1: must be ≥ 0"),
  ]

  @Test(arguments: cases.indices)
  func badValueIsAUsageError(index: Int) throws {
    let (arguments, expected) = Self.cases[index]
    try DescentExecutable.expectOneLineError(arguments, status: 64, containing: expected)
  }
}

/// ArgumentParser's own errors (a value that does not parse, an unknown option, a missing
/// argument) are one line naming the flag, with the help command to read, and exit 64.
@Suite(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct ParserErrorTests {
  @Test(arguments: [
    (["train", "--seed", "-1"], "'--seed <seed>'", "descent train --help"),
    (["bench", "core", "--threads", "-2"], "--threads", "descent bench --help"),
    (["runs", "show"], "'<run>'", "descent runs show --help"),
    (["runs", "list", "--status", "done"], "--status", "descent runs list --help"),
    (["frobnicate"], "frobnicate", "descent --help"),
    (["compare", "--target-loss", "nan"], "--target-loss nan: must be a finite number", "compare"),
    (["report", "r1", "--output", "/tmp/r.html", "--target-loss", "inf"], "--target-loss inf", "report"),
  ])
  func parserErrorsAreOneLine(arguments: [String], flag: String, help: String) throws {
    _ = try DescentExecutable.expectOneLineError(arguments, status: 64, containing: flag)
    let output = try DescentExecutable.run(arguments)
    #expect(output.stderr.contains(help), "\(output.stderr)")
  }
}

/// Hardening (issue 19): `bench --group` selects groups of the core suite; with any other suite
/// (which has no groups) it is refused instead of ignored.
@Suite(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct BenchGroupTests {
  @Test(arguments: ["optimizers", "mfac", "curvature", "all"])
  func groupOutsideTheCoreSuiteIsRefused(suite: String) throws {
    try DescentExecutable.expectOneLineError(
      ["bench", suite, "--group", "matmul"], status: 64,
      containing: "--group selects benchmarks of the core suite only; the \(suite) suite has no groups")
  }
}
