import Foundation
import Testing

/// Hardening (issue 19): output that cannot be written (`> /dev/full`) exits non-zero with a
/// message, instead of 0 with the output lost.
@Suite("Standard output failures")
struct StandardOutputFailureTests {
  @Test(
    .enabled(if: FileManager.default.fileExists(atPath: "/dev/full")),
    arguments: [
      ["optimizers"],
      ["optimize", "--function", "rosenbrock", "--optimizer", "adam", "--steps", "20000"],
      // Progress lines written while training (they trapped in FileHandle.write before).
      ["train", "--data", "iris", "--steps", "3", "--no-store", "--checkpoint",
        FileManager.default.temporaryDirectory.appendingPathComponent(
          "descent-full-\(UUID().uuidString).safetensors").path],
    ])
  func writingToAFullDeviceFails(arguments: [String]) throws {
    let url = try #require(DescentExecutable.url)
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = String(
      decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 1, "\(message)")
    #expect(message.contains("cannot write to standard output"), "\(message)")
    #expect(!message.contains("Fatal error") && !message.contains("crashed"), "\(message)")
  }

  /// A full standard error loses the progress and diagnostics but never stops the command: the
  /// JSON result on stdout is intact and the status is 0.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
  func aFullStandardErrorIsNotFatal() throws {
    let url = try #require(DescentExecutable.url)
    let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-full-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: checkpoint) }
    let process = Process()
    process.executableURL = url
    process.arguments = [
      "train", "--data", "iris", "--steps", "3", "--no-store", "--format", "json",
      "--checkpoint", checkpoint.path,
    ]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.contains("\"steps\":3"), "\(text)")
  }
}
