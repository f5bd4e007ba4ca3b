import Foundation
import Testing

/// Runs the built `descent` executable in a child process (beside the test bundle, or
/// `.build/debug/descent` of this package), for tests of the command line as a user sees it.
enum DescentExecutable {
  static var url: URL? {
    let candidates = [
      Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("descent"),
      Bundle.main.bundleURL.appendingPathComponent("descent"),
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/descent"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Starts `descent arguments` with COLUMNS=100 (or, with `launcher`, `launcher[0]
  /// launcher[1...] arguments`, where the launcher's last argument runs descent); the caller
  /// waits or kills it.
  static func start(
    _ arguments: [String], stdout: URL, stderr: URL, launcher: [String] = [],
    in folder: URL? = nil
  ) throws -> Process {
    guard let url else { throw CocoaError(.fileNoSuchFile) }
    let process = Process()
    process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? url
    process.arguments = Array(launcher.dropFirst()) + arguments
    if let folder { process.currentDirectoryURL = folder }
    var environment = ProcessInfo.processInfo.environment
    environment["COLUMNS"] = "100"
    process.environment = environment
    FileManager.default.createFile(atPath: stdout.path, contents: nil)
    FileManager.default.createFile(atPath: stderr.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: stdout)
    process.standardError = try FileHandle(forWritingTo: stderr)
    try process.run()
    return process
  }

  /// Runs `descent arguments` to the end (through `launcher`, as in `start`; in `folder`, else
  /// in this process's current folder).
  static func run(_ arguments: [String], through launcher: [String] = [], in folder: URL? = nil)
    throws -> Output
  {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-exe-\(UUID().uuidString)")
    let out = base.appendingPathExtension("out")
    let err = base.appendingPathExtension("err")
    defer {
      try? FileManager.default.removeItem(at: out)
      try? FileManager.default.removeItem(at: err)
    }
    let process = try start(arguments, stdout: out, stderr: err, launcher: launcher, in: folder)
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus,
      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
  }
}

extension DescentExecutable {
  /// Runs `descent arguments` and returns whether it failed as the contract says: exit `status`,
  /// one line on stderr containing `expected`, nothing on stdout; records an issue otherwise.
  @discardableResult
  static func expectOneLineError(
    _ arguments: [String], status: Int32, containing expected: String
  ) throws -> Output {
    let output = try run(arguments)
    #expect(output.status == status, "\(arguments): \(output)")
    #expect(output.stderr.contains(expected), "\(arguments): \(output.stderr)")
    #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
    #expect(output.stdout.isEmpty, "\(output.stdout)")
    return output
  }
}
