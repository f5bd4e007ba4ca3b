import DescentData
import Foundation
import Testing

/// Hardening (issue 19): `descent train --resume` with a checkpoint whose optimizer state belongs
/// to another model (its parameters fit, its state does not) exits 65 naming the checkpoint and
/// the state entry, instead of trapping on the first step.
@Suite(
  "Foreign optimizer state", .serialized,
  .enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct ForeignOptimizerStateTests {
  @Test func resumeRefusesAStateThatDoesNotFitTheModel() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-foreign-state-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    func train(_ model: String, _ name: String) throws -> URL {
      let checkpoint = folder.appendingPathComponent(name)
      let output = try DescentExecutable.run([
        "train", "--model", model, "--data", "iris", "--optimizer", "adam", "--steps", "3",
        "--no-store", "--checkpoint", checkpoint.path,
      ])
      #expect(output.status == 0, "\(output)")
      return checkpoint
    }
    var small = try TrainingCheckpoint.read(from: try train("mlp:8", "small.safetensors"))
    let large = try TrainingCheckpoint.read(from: try train("mlp:16", "large.safetensors"))
    small.optimizerState = large.optimizerState
    small.optimizerTensors = large.optimizerTensors
    let spliced = folder.appendingPathComponent("spliced.safetensors")
    try small.write(to: spliced)

    let output = try DescentExecutable.expectOneLineError(
      ["train", "--resume", spliced.path, "--no-store"], status: 65,
      containing: "--resume \(spliced.path): optimizer state")
    #expect(output.stderr.contains("[0.weight]"), "\(output.stderr)")
    #expect(output.stderr.contains("[16, 4]") && output.stderr.contains("[8, 4]"), "\(output.stderr)")
  }
}
