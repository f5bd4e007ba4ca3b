import Descent
import DescentNN
import DescentOptimizers
import Foundation
import Testing

@testable import DescentTraining

/// `gpt-char:…,stable=1`: the token embedding is a StableEmbedding (Dettmers et al. 2022,
/// arXiv:2110.02861), whose weight keeps 32-bit state under an 8-bit optimizer.
@Suite struct GPTCharStableEmbeddingTests {
  @Test func specAcceptsStableOneOnly() throws {
    #expect(
      try ModelSpec.parse("gpt-char:dim=16,stable=1") == .gptChar(options: ["dim": 16, "stable": 1]))
    #expect(throws: TrainingError.self) { try ModelSpec.parse("gpt-char:stable=2") }
    do {
      _ = try ModelSpec.parse("gpt-char:stable=2")
    } catch {
      #expect("\(error)".contains("write stable=1"))
    }
  }

  @Test func trainerKeepsTheTokenEmbeddingStateInFullPrecision() throws {
    let url = try LanguageModelTests.textFile()
    defer { try? FileManager.default.removeItem(at: url) }
    var c = LanguageModelTests.configuration(data: url, steps: 10)
    // dim 160: the 30 × 160 = 4800-element token embedding is above the 8-bit threshold.
    let v = Set(LanguageModelTests.text).count
    #expect(v == 30)
    c.model = "gpt-char:layers=1,heads=2,dim=160,context=16,stable=1"
    c.settings = ["stateBits": "8"]
    let trainer = try Trainer(configuration: c)
    #expect(trainer.currentModel.fullPrecisionStatePaths == ["token_embedding.weight"])
    #expect(trainer.parameters["token_embedding.norm.weight"] != nil)
    let summary = try trainer.run()
    #expect(summary.evalLoss.isFinite)
    // The same run without stable=1 quantizes the embedding: fewer state bytes.
    c.model = "gpt-char:layers=1,heads=2,dim=160,context=16"
    let plain = try Trainer(configuration: c).run()
    let embeddingBytes = 2 * v * 160 * 4
    let quantizedBytes = 2 * (v * 160 + 4 * ((v * 160 + 255) / 256))
    // The plain model has no norm parameters (2 × 160 floats, 2 moments each).
    #expect(
      summary.optimizerStateBytes - plain.optimizerStateBytes
        == embeddingBytes - quantizedBytes + 2 * 2 * 160 * 4)
  }
}
