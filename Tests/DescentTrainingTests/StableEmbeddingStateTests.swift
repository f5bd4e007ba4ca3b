import Descent
import DescentNN
import DescentOptimizers
import Testing

@testable import DescentTraining

/// The paper's StableEmbedding keeps 32-bit optimizer state for its weight under 8-bit
/// optimizers, without the user listing paths (Dettmers et al. 2022, arXiv:2110.02861, §2.3).
@Suite("StableEmbedding keeps 32-bit optimizer state")
struct StableEmbeddingStateTests {
  /// Tokens [B, T] → StableEmbedding (512 × 16 = 8192 weights) → mean over T → Linear 16 → 300
  /// (4800 weights): both weights are above the 4096-element threshold for 8-bit state.
  struct TokenClassifier: Layer {
    var embedding: StableEmbedding
    var head: Linear

    init(key: RandomKey) {
      let (a, b) = key.split()
      embedding = StableEmbedding(512, 16, key: a)
      head = Linear(16, 300, key: b)
    }

    func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
      head(embedding(input, context: context.child("embedding")).mean(axis: 1), context: context)
    }

    mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
      embedding.visitParameters(prefix: prefix + "embedding.", visit)
      head.visitParameters(prefix: prefix + "head.", visit)
    }
  }

  @Test("models list their StableEmbedding weights through any container")
  func fullPrecisionStatePaths() {
    let key = RandomKey(seed: 1)
    #expect(TokenClassifier(key: key).fullPrecisionStatePaths == ["embedding.weight"])
    let nested = Sequential(
      Linear(4, 4, key: key), Sequential(StableEmbedding(10, 4, key: key)),
      StableEmbedding(10, 4, key: key))
    #expect(nested.fullPrecisionStatePaths == ["1.0.weight", "2.weight"])
    #expect(
      Sequential(Linear(4, 4, key: key), Embedding(10, 4, key: key)).fullPrecisionStatePaths == [])
    // An ordinary visit records nothing (no collector outside fullPrecisionStatePaths).
    #expect(TokenClassifier(key: key).parameters.paths.count == 5)
  }

  /// Trains `steps` steps on random tokens with the optimizer `Trainer` builds for `optimizer`.
  static func train(_ optimizer: String, steps: Int) throws -> (Adam.State, [Double]) {
    var configuration = TrainingConfiguration()
    configuration.optimizer = optimizer
    configuration.learningRate = 1e-2
    let model = TokenClassifier(key: RandomKey(seed: 2))
    let info = try OptimizerCatalogue.info(named: optimizer)
    let transformation = try Trainer.transformation(
      info, configuration: configuration, model: model)
    var parameters = model.parameters
    let driver = Optimizer(erasing: transformation, for: parameters)
    let x = Tensor(indices: (0..<(32 * 4)).map { ($0 * 37 + 11) % 512 }, shape: [32, 4])
    let y = Tensor(indices: (0..<32).map { ($0 * 53 + 7) % 300 }, shape: [32])
    var losses: [Double] = []
    for _ in 0..<steps {
      let (loss, gradients) = valueAndGrad(
        of: { p in crossEntropy(logits: model.with(parameters: p)(x), labels: y) }, at: parameters)
      losses.append(loss.doubles[0])
      try driver.step(&parameters, gradients: gradients)
    }
    return (try #require(driver.state(as: Adam.State.self)), losses)
  }

  @Test("adam8bit in training: the embedding weight's m and v stay 32-bit, the head's are 8-bit")
  func trainedWithAdam8bit() throws {
    for name in ["adam8bit", "adamw8bit"] {
      let (state, losses) = try Self.train(name, steps: 20)
      #expect(state.quantized?.paths == ["head.weight"], "\(name)")
      #expect(
        state.expAvg.paths == [
          "embedding.weight", "embedding.norm.weight", "embedding.norm.bias",
          "head.bias",
        ], "\(name)")
      // The 32-bit moments of the embedding were updated (its looked-up rows have gradients).
      let m = try #require(state.expAvg["embedding.weight"]).scalars(as: Float.self)
      #expect(m.contains { $0 != 0 })
      let head = try #require(state.quantized?.entries.first?.buffers)
      #expect(head.allSatisfy { $0.absmax.scalars(as: Float.self).contains { $0 > 0 } })
      #expect(losses.last! < losses.first!, "\(name): \(losses.first!) → \(losses.last!)")
    }
    // Without a StableEmbedding's declaration, a big plain weight would get 8-bit state: the
    // same optimizer quantizes both weights when no path is opted out.
    let plain = Optimizer(
      erasing: try OptimizerCatalogue.make("adam8bit"),
      for: TokenClassifier(key: RandomKey(seed: 2)).parameters)
    #expect(
      plain.state(as: Adam.State.self)?.quantized?.paths == ["embedding.weight", "head.weight"])
  }
}
