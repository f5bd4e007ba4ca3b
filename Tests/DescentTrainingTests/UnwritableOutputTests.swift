import Foundation
import Testing

/// Hardening (issue 19): an output that cannot be written ends the command before any work,
/// with exit status 1 and one line naming the flag — never after training, never a Foundation
/// error dump.
@Suite("Unwritable outputs", .serialized)
struct UnwritableOutputTests {
  static let missing = "/nonexistent-descent-folder"

  static let cases: [([String], String)] = [
    (["train", "--steps", "2", "--no-store", "--checkpoint", "\(missing)/c.safetensors"],
      "--checkpoint \(missing)/c.safetensors: the folder \(missing) does not exist"),
    (["train", "--steps", "2", "--no-store", "--log", "/tmp"], "--log /tmp: is a folder"),
    (["compare", "--epochs", "1", "--report", "\(missing)/r.html"], "--report \(missing)/r.html"),
    (["compare", "--epochs", "1", "--checkpoint-dir", "/etc/hostname/sub"],
      "/etc/hostname is a file, not a folder"),
    (["report", "r-none", "--output", "\(missing)/r.html"], "--output \(missing)/r.html"),
    (["runs", "export", "r-none", "--format", "csv", "--output", "\(missing)/r.csv"],
      "--output \(missing)/r.csv"),
    (["hessian", "--model", "mlp:64-32-10", "--weights", "w.safetensors", "--data", "digits",
      "--density", "\(missing)/d.svg"], "--density \(missing)/d.svg"),
  ]

  @Test(arguments: cases.indices)
  func unwritableOutputFailsFirstWithStatusOne(index: Int) throws {
    let (arguments, expected) = Self.cases[index]
    let output = try DescentExecutable.expectOneLineError(
      arguments, status: 1, containing: expected)
    #expect(!output.stderr.contains("NSCocoaErrorDomain"))
  }
}
