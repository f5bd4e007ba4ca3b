import Foundation
import Testing

/// Hardening (issue 19): work sized from a user's number is estimated before it starts and
/// refused with the figure (exit 64), never an allocation failure or an unbounded run.
@Suite("Work sized from flags", .serialized)
struct WorkSizedFromFlagsTests {
  @Test(arguments: ["2000000000", "9223372036854775807"])
  func optimizeRefusesATrajectoryThatCannotFitInMemory(steps: String) throws {
    let output = try DescentExecutable.run([
      "optimize", "--function", "rosenbrock", "--optimizer", "adam", "--steps", steps,
    ])
    #expect(output.status == 64, "\(output)")
    #expect(output.stderr.contains("--steps: \(steps) steps keep"), "\(output.stderr)")
    #expect(output.stderr.contains("use at most"))
    #expect(output.stderr.split(separator: "\n").count == 1)
    #expect(output.stdout.isEmpty)
  }

  @Test func hessianRefusesMoreEigenvaluesThanParametersAndEmptyRequests() throws {
    let weights = EvaluateTests.directory.appendingPathComponent("digits-mlp.safetensors").path
    let base = ["hessian", "--model", "mlp:64-32-10", "--weights", weights, "--data", "digits"]
    for (top, expected) in [
      ("1000000", "so it has at most 2410 eigenvalues"),
      ("9223372036854775807", "so it has at most 2410 eigenvalues"),
    ] {
      let output = try DescentExecutable.run(base + ["--top", top])
      #expect(output.status == 64, "\(top): \(output)")
      #expect(output.stderr.contains(expected), "\(output.stderr)")
    }
    let nothing = try DescentExecutable.run(base + ["--top", "0"])
    #expect(nothing.status == 64)
    #expect(nothing.stderr.contains("asks for nothing"), "\(nothing.stderr)")
  }

  @Test(arguments: ["mlp:3000000000", "mlp:3000000000-3000000000", "mlp:=64-9223372036854775807-10"])
  func modelsThatCannotFitInMemoryAreRefusedWithTheFigure(spec: String) throws {
    let output = try DescentExecutable.run([
      "train", "--model", spec, "--steps", "1", "--store",
      FileManager.default.temporaryDirectory.appendingPathComponent(
        "descent-sized-\(UUID().uuidString).sqlite").path,
    ])
    #expect(output.status == 64, "\(output)")
    #expect(output.stderr.contains("parameters needs about"), "\(output.stderr)")
    #expect(output.stderr.contains("choose smaller widths"))
  }

  @Test func negativeWidthsAreQuoted() throws {
    let output = try DescentExecutable.run(["train", "--model", "mlp:-3", "--steps", "1"])
    #expect(output.status == 64)
    #expect(output.stderr.contains("width '-3' is not a positive integer"), "\(output.stderr)")
  }
}
