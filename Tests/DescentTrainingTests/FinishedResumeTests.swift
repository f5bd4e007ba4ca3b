import DescentData
import Foundation
import Testing

@testable import DescentTraining

/// Hardening (issue 19): `--resume` of a run saved at its end trains nothing and reports the
/// finished run's own values — its last training loss (it was null), skipped steps and seconds —
/// with the evaluation recomputed to the same bits, and leaves the checkpoint as it was.
struct FinishedResumeTests {
  @Test func resumingAFinishedRunReportsItsFinalValues() throws {
    let url = TrainerTests.temporaryFile("finished.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = TrainerTests.configuration(steps: 6)
    c.checkpointPath = url.path
    let finished = try Trainer(configuration: c).run()
    #expect(finished.status == .finished && finished.finalTrainLoss != nil)
    let bytes = try Data(contentsOf: url)

    let again = try Trainer(resumingFrom: url).run()
    #expect(again.status == .finished)
    #expect(again.steps == finished.steps)
    #expect(again.finalTrainLoss == finished.finalTrainLoss)
    #expect(again.skippedSteps == finished.skippedSteps)
    #expect(again.evalLoss == finished.evalLoss && again.evalAccuracy == finished.evalAccuracy)
    #expect(again.finalParametersSHA256 == finished.finalParametersSHA256)
    #expect(again.seconds > 0 && again.seconds <= finished.seconds)
    #expect(try Data(contentsOf: url) == bytes, "the finished checkpoint is not rewritten")
  }

  /// A resume from the middle keeps the skipped-step count and, before its first step, the
  /// saved last loss.
  @Test func interruptedRunKeepsItsLastLossInTheCheckpoint() throws {
    let url = TrainerTests.temporaryFile("middle.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = TrainerTests.configuration(steps: 6)
    c.checkpointPath = url.path
    let first = try Trainer(configuration: c).run(stopAt: 3)
    let checkpoint = try TrainingCheckpoint.read(from: url)
    #expect(checkpoint.metadata[Trainer.lastLossKey] == first.finalTrainLoss.map { "\($0)" })
    #expect(checkpoint.metadata[Trainer.skippedStepsKey] == "0")
  }
}
