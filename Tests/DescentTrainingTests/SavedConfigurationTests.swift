import DescentData
import Foundation
import Testing

/// Hardening (second hostile run): a checkpoint whose saved configuration has a bad value, or is
/// not readable, is bad input data (exit 65) named with the file and the option that gave it —
/// `--resume` for train, `--checkpoint` for hessian — never a usage error blaming a flag the user
/// did not type, never "no training configuration" when there is one.
@Suite("Saved configurations", .serialized)
struct SavedConfigurationTests {
  static let folder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-saved-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  /// A checkpoint of a 3-step iris run, with its configuration edited by `edit`.
  static func checkpoint(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
    let reference = folder.appendingPathComponent("reference.safetensors")
    if !FileManager.default.fileExists(atPath: reference.path) {
      let run = try DescentExecutable.run(
        ["train", "--no-store", "--steps", "3", "--checkpoint", reference.path])
      #expect(run.status == 0, "\(run)")
    }
    var checkpoint = try TrainingCheckpoint.read(from: reference)
    var configuration = try #require(
      try JSONSerialization.jsonObject(
        with: Data(checkpoint.metadata["training.configuration"]!.utf8)) as? [String: Any])
    edit(&configuration)
    checkpoint.metadata["training.configuration"] = String(
      decoding: try JSONSerialization.data(withJSONObject: configuration), as: UTF8.self)
    let url = folder.appendingPathComponent(name + ".safetensors")
    try checkpoint.write(to: url)
    return url.path
  }

  /// (key, the bad value as JSON text, the expected message part).
  static let cases: [(String, String, String)] = [
    ("batchSize", "0", "the saved configuration does not hold: --batch-size 0"),
    ("optimizer", "\"adma\"", "unknown optimizer 'adma'"),
    ("schedule", "\"foo\"", "its training.configuration is unreadable (at schedule"),
  ]

  @Test(arguments: cases.indices)
  func aBadSavedValueIsBadDataNamedWithTheFile(index: Int) throws {
    let (key, value, expected) = Self.cases[index]
    let bad = try JSONSerialization.jsonObject(
      with: Data(value.utf8), options: .fragmentsAllowed)
    let path = try Self.checkpoint(key) { $0[key] = bad }
    let resumed = try DescentExecutable.expectOneLineError(
      ["train", "--resume", path, "--no-store"], status: 65, containing: expected)
    #expect(resumed.stderr.contains("--resume \(path)"), "\(resumed.stderr)")
    let hessian = try DescentExecutable.expectOneLineError(
      ["hessian", "--checkpoint", path], status: 65, containing: expected)
    #expect(hessian.stderr.contains("--checkpoint \(path)"), "\(hessian.stderr)")
  }
}
