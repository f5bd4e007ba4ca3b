import Foundation
import Testing

@testable import DescentTraining

/// `descent evaluate` on weights trained and exported by PyTorch
/// (scripts/golden/make_evaluate_golden.py, torch 2.13.0): Descent's loss and accuracy equal
/// PyTorch's on the same data.
@Suite struct EvaluateTests {
  struct Golden: Decodable {
    let loss: Double
    let accuracy: Double
  }

  static let directory = Bundle.module.url(forResource: "Golden", withExtension: nil)!

  @Test func torchTrainedMLPGivesTorchsNumbers() throws {
    let golden = try JSONDecoder().decode(
      Golden.self, from: Data(contentsOf: Self.directory.appendingPathComponent("digits-mlp.json")))
    let weights = Self.directory.appendingPathComponent("digits-mlp.safetensors").path
    let result = try Trainer.evaluate(model: "mlp:64-32-10", weights: weights, data: "digits")
    #expect(result.examples == 1797)
    // float32 logits summed in a different order than PyTorch's: agree to ~1e-6 relative.
    #expect(abs(result.loss - golden.loss) <= 1e-5 * golden.loss)
    #expect(abs(result.accuracy - golden.accuracy) < 1e-12)
    // The same weights under hidden-width inference.
    let inferred = try Trainer.evaluate(model: "mlp:32", weights: weights, data: "digits")
    #expect(inferred.loss == result.loss)
  }

  @Test func weightsForAnotherArchitectureAreADataError() {
    let weights = Self.directory.appendingPathComponent("digits-mlp.safetensors").path
    do {
      _ = try Trainer.evaluate(model: "mlp:64-16-10", weights: weights, data: "digits")
      Issue.record("weights of a 64-32-10 MLP loaded into a 64-16-10 MLP")
    } catch let error as TrainingError {
      #expect(error.exitStatus == 65)
      #expect(error.description.contains("0.weight"))
      #expect(error.description.contains(weights))
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func trainedCheckpointEvaluatesLikeTheTrainer() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-eval-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = TrainingConfiguration()
    c.model = "mlp:64-24-10"
    c.standardize = false
    c.steps = 20
    c.checkpointPath = url.path
    try Trainer(configuration: c).run()
    let result = try Trainer.evaluate(model: "mlp:64-24-10", weights: url.path, data: "digits")
    #expect(result.loss.isFinite && result.loss < 2.3)
  }
}
