import Foundation
import Testing

/// `descent --help` and every subcommand's `--help`, run through the built executable with
/// COLUMNS=100 and compared with Snapshots/<name>.txt. DESCENT_REWRITE_SNAPSHOTS=1 rewrites them.
@Suite struct HelpSnapshotTests {
  static let commands: [[String]] = [
    [], ["optimize"], ["optimizers"], ["functions"], ["bench"], ["train"], ["evaluate"],
    ["compare"], ["runs"], ["runs", "list"], ["runs", "show"], ["runs", "export"],
    ["runs", "delete"], ["report"], ["hessian"], ["reproduce"], ["privacy"], ["privacy", "epsilon"],
    ["privacy", "noise"], ["dag"],
  ]

  static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots")

  @Test(
    .enabled(if: DescentExecutable.url != nil, "the descent executable is built"),
    arguments: commands)
  func helpMatchesItsSnapshot(_ command: [String]) throws {
    let output = try DescentExecutable.run(command + ["--help"])
    #expect(output.status == 0)
    let name = (["descent"] + command).joined(separator: "-") + ".txt"
    let file = Self.snapshots.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["DESCENT_REWRITE_SNAPSHOTS"] == "1" {
      try FileManager.default.createDirectory(
        at: Self.snapshots, withIntermediateDirectories: true)
      try output.stdout.write(to: file, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: file, encoding: .utf8)
    #expect(
      output.stdout == expected,
      "descent \(command.joined(separator: " ")) --help differs from Snapshots/\(name); if the change is meant, rerun with DESCENT_REWRITE_SNAPSHOTS=1"
    )
  }

  /// A new subcommand needs a line in ``commands`` (and a snapshot).
  @Test(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
  func everySubcommandIsListed() throws {
    let help = try DescentExecutable.run(["--help"]).stdout
    let section = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
    let names = section.split(separator: "\n").compactMap { line -> String? in
      guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
      return line.split(separator: " ").first.map(String.init)
    }
    #expect(!names.isEmpty)
    for name in names where name != "help" && name.allSatisfy({ $0.isLowercase || $0 == "-" }) {
      #expect(Self.commands.contains([name]), "descent \(name) has no help snapshot")
    }
  }
}
