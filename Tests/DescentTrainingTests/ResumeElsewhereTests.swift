import DescentData
import Foundation
import Testing

/// Hardening (issue 19): a checkpoint names its data files by absolute path, so `--resume` works
/// from another folder; after a resume the JSON `seconds` covers the whole run (the checkpoint's
/// saved seconds plus the resumed part).
@Suite(
  "Resume elsewhere", .serialized,
  .enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct ResumeElsewhereTests {
  @Test func resumeFromAnotherFolderFindsTheDataAndCountsTheWholeRun() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-resume-elsewhere-\(UUID().uuidString)")
    let elsewhere = folder.appendingPathComponent("elsewhere")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var csv = "x1,x2,label\n"
    for i in 0..<40 { csv += "\(Double(i % 7) / 7),\(Double(i % 5) / 5),\(i % 2)\n" }
    try Data(csv.utf8).write(to: folder.appendingPathComponent("points.csv"))

    let first = try DescentExecutable.run(
      ["train", "--data", "points.csv", "--steps", "4", "--batch-size", "8", "--no-store",
        "--checkpoint", "run.safetensors"], in: folder)
    #expect(first.status == 0, "\(first)")
    let url = folder.appendingPathComponent("run.safetensors")
    var checkpoint = try TrainingCheckpoint.read(from: url)
    let configurationText = try #require(checkpoint.metadata["training.configuration"])
    var configuration = try #require(
      try JSONSerialization.jsonObject(with: Data(configurationText.utf8)) as? [String: Any])
    let data = try #require(configuration["data"] as? String)
    #expect(data == folder.appendingPathComponent("points.csv").standardizedFileURL.path)
    let savedText = try #require(checkpoint.metadata["training.seconds"])
    let saved = try #require(Double(savedText))
    #expect(saved > 0)

    // Make the finished run a longer one stopped at step 4 that had trained 1000 s so far.
    configuration["steps"] = 8
    checkpoint.metadata["training.configuration"] = String(
      decoding: try JSONSerialization.data(withJSONObject: configuration, options: .sortedKeys),
      as: UTF8.self)
    checkpoint.metadata["training.seconds"] = "1000"
    try checkpoint.write(to: url)

    let resumed = try DescentExecutable.run(
      ["train", "--resume", url.path, "--no-store", "--format", "json"], in: elsewhere)
    #expect(resumed.status == 0, "\(resumed)")
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
    #expect(summary["steps"] as? Int == 8, "\(summary)")
    let seconds = try #require(summary["seconds"] as? Double)
    #expect(seconds >= 1000 && seconds < 1000 + 3600, "\(seconds)")
    let after = try TrainingCheckpoint.read(from: url)
    #expect(Double(after.metadata["training.seconds"] ?? "") ?? 0 >= 1000)
  }
}
