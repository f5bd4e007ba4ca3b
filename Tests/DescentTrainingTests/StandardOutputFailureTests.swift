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
  }
}
