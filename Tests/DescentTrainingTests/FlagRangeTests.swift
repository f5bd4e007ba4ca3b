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
    (["train", "--threads", "100000", "--steps", "1", "--no-store"], "--threads 100000: must be a whole number from 1 to 1024"),
    (["compare", "--threads", "0", "--epochs", "1"], "--threads 0: must be a whole number from 1 to 1024"),
    // Negative numbers after flags are values, not "missing value" (every numeric option).
    (["train", "--steps", "-1", "--no-store"], "--steps -1: must be a whole number ≥ 1"),
    (["train", "--batch-size", "-3", "--no-store"], "--batch-size -3: must be a whole number ≥ 1"),
    (["compare", "--epochs", "-2"], "--epochs -2: must be a whole number ≥ 1"),
    (["hessian", "--top", "-1", "--model", "mlp", "--weights", "w", "--data", "digits"],
      "--top -1: must be a whole number ≥ 0"),
    // compare refuses before any run what train refuses (it used to run and fail every run).
    (["compare", "--optimizers", "adahessian,sophiah", "--steps", "2", "--clip-value", "1"],
      "--clip-value cannot be used with adahessian"),
  ]

  @Test(arguments: cases.indices)
  func badValueIsAUsageError(index: Int) throws {
    let (arguments, expected) = Self.cases[index]
    try DescentExecutable.expectOneLineError(arguments, status: 64, containing: expected)
  }

  /// Every integer flag of every command goes through one rule (`WholeNumberRule`, ranges in
  /// `WholeNumberFlags`): text, a fraction, a negative number, a value out of range and one
  /// too large for 64 bits are all refused in the same words, exit 64, never ArgumentParser's
  /// "The value 'abc' is invalid for '--steps <steps>'".
  static let integerCases: [([String], String)] = [
    // Not a number.
    (["train", "--steps", "abc", "--no-store"], "descent train: --steps abc: must be a whole number ≥ 1"),
    (["compare", "--eval-every", "x"], "descent compare: --eval-every x: must be a whole number ≥ 0"),
    (["bench", "--repetitions", "x"], "descent bench: --repetitions x: must be a whole number ≥ 1"),
    (["hessian", "--seed", "x"], "descent hessian: --seed x: must be a whole number ≥ 0"),
    (["optimize", "--function", "rosenbrock", "--optimizer", "adam", "--steps", "abc"],
      "descent optimize: --steps abc: must be a whole number ≥ 0"),
    // A fraction.
    (["train", "--batch-size", "1.5", "--no-store"], "descent train: --batch-size 1.5: must be a whole number ≥ 1"),
    (["train", "--accumulate", "2.0", "--no-store"],
      "descent train: --accumulate 2.0: must be a whole number from 1 to 1000000"),
    (["compare", "--batch-size", "1.5"], "descent compare: --batch-size 1.5: must be a whole number ≥ 1"),
    // Negative.
    (["train", "--seed", "-1", "--no-store"], "descent train: --seed -1: must be a whole number ≥ 0"),
    (["train", "--warmup", "-1", "--no-store"], "descent train: --warmup -1: must be a whole number ≥ 0"),
    (["compare", "--seeds", "0,-1"], "descent compare: --seeds 0,-1: '-1' is not valid: each must be a whole number ≥ 0"),
    (["reproduce", "all", "--seed", "-2"], "descent reproduce: --seed -2: must be a whole number ≥ 0"),
    // Out of range.
    (["train", "--threads", "0", "--no-store"], "descent train: --threads 0: must be a whole number from 1 to 1024"),
    (["train", "--print-every", "0", "--no-store"], "descent train: --print-every 0: must be a whole number ≥ 1"),
    (["bench", "--threads", "0"], "descent bench: --threads 0: must be a whole number from 1 to 1024"),
    (["hessian", "--samples", "0"], "descent hessian: --samples 0: must be a whole number ≥ 1"),
    (["train", "--resume", "missing.safetensors", "--threads", "2000", "--no-store"],
      "descent train: --threads 2000: must be a whole number from 1 to 1024"),
    // Too large for 64 bits: the message names the upper bound.
    (["train", "--steps", "99999999999999999999", "--no-store"],
      "--steps 99999999999999999999: must be a whole number from 1 to 9223372036854775807"),
  ]

  @Test(arguments: integerCases.indices)
  func integerFlagsShareOneRule(index: Int) throws {
    let (arguments, expected) = Self.integerCases[index]
    try DescentExecutable.expectOneLineError(arguments, status: 64, containing: expected)
  }
}

/// ArgumentParser's own errors (a value that does not parse, an unknown option, a missing
/// argument) are one line naming the flag, with the help command to read, and exit 64.
@Suite(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct ParserErrorTests {
  @Test(arguments: [
    (["train", "--format", "xml"], "'--format <format>'", "descent train --help"),
    (["bench", "gpu"], "gpu", "descent bench --help"),
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
