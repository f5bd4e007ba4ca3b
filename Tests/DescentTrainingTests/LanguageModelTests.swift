import Descent
import Foundation
import Testing

@testable import DescentTraining

/// `gpt-char` through ``Trainer`` on a small text the test writes (no KJV needed).
@Suite struct LanguageModelTests {
  /// A repetitive text of 29 distinct characters, 2,600 characters long.
  static let text = String(
    repeating: "the quick brown fox jumps over the lazy dog. a b c, d e f; ", count: 44)

  static func textFile(_ text: String = Self.text) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-lm-\(UUID().uuidString).txt")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  static func configuration(data: URL, steps: Int) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.model = "gpt-char:layers=1,heads=2,dim=16,context=16"
    c.data = data.path
    c.optimizer = "adam"
    c.learningRate = 1e-2
    c.batchSize = 8
    c.steps = steps
    c.seed = 3
    c.threads = 1
    return c
  }

  @Test func aFewStepsLowerTheLoss() throws {
    let url = try Self.textFile()
    defer { try? FileManager.default.removeItem(at: url) }
    let trainer = try Trainer(configuration: Self.configuration(data: url, steps: 30))
    let before = trainer.evaluate()
    // Uniform over the vocabulary at initialization (std 0.02 weights): loss ≈ ln(vocab).
    let vocabulary = Set(Self.text).count
    #expect(abs(before.loss - log(Double(vocabulary))) < 0.1)
    #expect(trainer.parameters.entries.first?.tensor.shape == [vocabulary, 16])
    let summary = try trainer.run()
    #expect(summary.status == .finished)
    #expect(summary.steps == 30)
    #expect(summary.evalLoss < before.loss - 0.5)
    #expect(summary.evalAccuracy > 0.2)
    #expect(summary.finalTrainLoss! < before.loss - 0.5)
  }

  @Test func resumeEqualsAnUninterruptedRun() throws {
    let url = try Self.textFile()
    let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-lm-\(UUID().uuidString).safetensors")
    defer {
      try? FileManager.default.removeItem(at: url)
      try? FileManager.default.removeItem(at: checkpoint)
    }
    let straight = try Trainer(configuration: Self.configuration(data: url, steps: 12)).run()
    var c = Self.configuration(data: url, steps: 12)
    c.checkpointPath = checkpoint.path
    let first = try Trainer(configuration: c).run(stopAt: 5)
    #expect(first.status == .interrupted)
    #expect(first.steps == 5)
    let resumed = try Trainer(resumingFrom: checkpoint)
    #expect(resumed.step == 5)
    let summary = try resumed.run()
    #expect(summary.steps == 12)
    #expect(summary.finalParametersSHA256 == straight.finalParametersSHA256)
    #expect(summary.evalLoss == straight.evalLoss)
  }

  @Test func aTextShorterThanTheContextIsADataError() throws {
    let url = try Self.textFile("too short")
    defer { try? FileManager.default.removeItem(at: url) }
    #expect {
      try Trainer(configuration: Self.configuration(data: url, steps: 1))
    } throws: { error in
      guard let error = error as? TrainingError, case .data(let message) = error else {
        return false
      }
      return error.exitStatus == 65 && !message.contains("\n") && message.contains("context=16")
    }
  }

  @Test func aMissingFileAndATooSmallVocabularyAreDataErrors() throws {
    var c = Self.configuration(data: URL(fileURLWithPath: "/nonexistent/text.txt"), steps: 1)
    #expect(throws: TrainingError.self) { try Trainer(configuration: c) }
    let url = try Self.textFile()
    defer { try? FileManager.default.removeItem(at: url) }
    c = Self.configuration(data: url, steps: 1)
    c.model = "gpt-char:layers=1,heads=2,dim=16,context=16,vocab=5"
    #expect {
      try Trainer(configuration: c)
    } throws: { ($0 as? TrainingError)?.exitStatus == 65 }
  }
}
