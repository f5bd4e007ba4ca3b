import Foundation
import Testing

/// Hardening (issue 19): a bad `--store` — a folder, an empty file, a file that is not a store, a
/// read-only store — gives the same exit status and the same one-line message in every command
/// that takes one (`train`, `compare`, `reproduce`, `runs list/show/export/delete`, `report`);
/// readers never turn an empty file into a store; a read-only store can be listed and shown.
@Suite(
  "Store errors", .serialized,
  .enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct StoreErrorConsistencyTests {
  let folder: URL

  init() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-store-errors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  /// Every command that takes `--store`, with arguments that would otherwise work (outputs in the
  /// test's folder).
  func commands(outputs: String) -> [[String]] {
    [
      ["train", "--data", "iris", "--steps", "1", "--checkpoint", "\(outputs)/c.safetensors"],
      ["compare", "--data", "iris", "--optimizers", "adam", "--seeds", "0", "--steps", "1",
        "--report", "\(outputs)/r.html", "--checkpoint-dir", "\(outputs)/checkpoints"],
      ["reproduce", "diffgrad", "--quick", "--report", "\(outputs)/p.html"],
      ["runs", "list"], ["runs", "show", "r-"], ["runs", "export", "r-", "--format", "csv"],
      ["runs", "delete", "r-"], ["report", "r-", "--output", "\(outputs)/report.html"],
    ]
  }

  /// Runs every command on `store`; each must fail with `status` and the same message after its
  /// `descent COMMAND: ` prefix.
  func expectSameFailureEverywhere(
    store: String, status: Int32, containing expected: String, commands: [[String]]
  ) throws {
    var messages: Set<String> = []
    for command in commands {
      let output = try DescentExecutable.expectOneLineError(
        command + ["--store", store], status: status, containing: expected)
      let line = output.stderr.trimmingCharacters(in: .newlines)
      messages.insert(String(line[line.range(of: ": ")!.upperBound...]))
    }
    #expect(messages.count == 1, "\(messages)")
  }

  @Test func aFolderIsBadDataEverywhere() throws {
    try expectSameFailureEverywhere(
      store: folder.path, status: 65, containing: "is a folder, not a descent run store",
      commands: commands(outputs: folder.path))
  }

  @Test func aFileThatIsNotAStoreIsBadDataEverywhere() throws {
    let notes = folder.appendingPathComponent("notes.txt")
    try Data("not a database\n".utf8).write(to: notes)
    try expectSameFailureEverywhere(
      store: notes.path, status: 65, containing: "is not a descent run store (not a SQLite",
      commands: commands(outputs: folder.path))
  }

  /// Readers refuse a 0-byte file and leave it at 0 bytes; a writer makes it a store (SQLite's
  /// empty database; two processes creating one store at once both see such a file).
  @Test func readersLeaveAnEmptyFileAsItIs() throws {
    let empty = folder.appendingPathComponent("empty.sqlite")
    FileManager.default.createFile(atPath: empty.path, contents: Data())
    let readers = commands(outputs: folder.path).filter { ["runs", "report"].contains($0[0]) }
    try expectSameFailureEverywhere(
      store: empty.path, status: 65, containing: "is an empty file, not a descent run store yet",
      commands: readers)
    #expect(try Data(contentsOf: empty).isEmpty)
    let train = try DescentExecutable.run(
      ["train", "--data", "iris", "--steps", "1", "--store", empty.path, "--checkpoint",
        folder.appendingPathComponent("c.safetensors").path])
    #expect(train.status == 0, "\(train)")
    let list = try DescentExecutable.run(["runs", "list", "--store", empty.path])
    #expect(list.status == 0 && list.stdout.contains("mlp on iris"), "\(list)")
  }

  /// A store this process may not write: writers refuse it before any work (exit 1, as every
  /// unwritable output), `runs delete` too; `runs list/show/export` and `report` read it as it
  /// is, without changing a byte. Root may write any file, so as root the commands run as
  /// `nobody` through setpriv(1); the store's folder is not writable either, so SQLite cannot
  /// create its `-shm` file.
  @Test(.enabled(if: ReadOnlyRunner.available, "not root, or setpriv is installed"))
  func aReadOnlyStoreIsReadButNotWritten() throws {
    let outputs = folder.appendingPathComponent("outputs")
    try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: outputs.path)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
    let store = folder.appendingPathComponent("runs.sqlite")
    let made = try DescentExecutable.run(
      ["train", "--data", "iris", "--steps", "2", "--store", store.path, "--checkpoint",
        outputs.appendingPathComponent("c.safetensors").path])
    #expect(made.status == 0, "\(made)")
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store.path)
    let before = try Data(contentsOf: store)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path) }
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)

    let all = commands(outputs: outputs.path)
    let writers = all.filter { ["train", "compare", "reproduce"].contains($0[0]) } + [
      ["runs", "delete", "r-"]
    ]
    var messages: Set<String> = []
    for command in writers {
      let output = try ReadOnlyRunner.run(command + ["--store", store.path])
      #expect(output.status == 1, "\(command): \(output)")
      #expect(output.stderr.contains("is read-only for this process"), "\(output.stderr)")
      #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
      let line = output.stderr.trimmingCharacters(in: .newlines)
      messages.insert(String(line[line.range(of: ": ")!.upperBound...]))
    }
    #expect(messages.count == 1, "\(messages)")
    for command in all where !writers.contains(command) {
      let output = try ReadOnlyRunner.run(command + ["--store", store.path])
      #expect(output.status == 0, "\(command): \(output)")
      #expect(output.stderr.isEmpty, "\(command): \(output.stderr)")
    }
    let list = try ReadOnlyRunner.run(["runs", "list", "--store", store.path])
    #expect(list.stdout.contains("finished") && list.stdout.contains("mlp on iris"), "\(list)")
    #expect(try Data(contentsOf: store) == before)
    #expect(!FileManager.default.fileExists(atPath: store.path + "-shm"))
  }
}

/// Runs `descent` as a user who may not write a 0444 file: this process when it is not root,
/// else `nobody` (uid 65534) through setpriv(1).
enum ReadOnlyRunner {
  static let setpriv = "/usr/bin/setpriv"

  static var available: Bool {
    getuid() != 0 || FileManager.default.isExecutableFile(atPath: setpriv)
  }

  static func run(_ arguments: [String]) throws -> DescentExecutable.Output {
    guard getuid() == 0 else { return try DescentExecutable.run(arguments) }
    guard let descent = DescentExecutable.url else { throw CocoaError(.fileNoSuchFile) }
    return try DescentExecutable.run(
      arguments,
      through: [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", descent.path])
  }
}
