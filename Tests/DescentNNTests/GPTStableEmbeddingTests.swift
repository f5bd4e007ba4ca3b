import Descent
import Testing

@testable import DescentNN

/// `GPT.Configuration.stableEmbedding`: the token embedding is the 8-bit optimizers paper's
/// StableEmbedding (Dettmers et al. 2022, arXiv:2110.02861, §2.3).
@Suite("GPT with a StableEmbedding token embedding")
struct GPTStableEmbeddingTests {
  static let key = RandomKey(seed: 5)

  static func gpt(stable: Bool) -> GPT {
    GPT(
      .init(
        vocabularySize: 7, contextLength: 4, layerCount: 1, headCount: 2, embeddingDimension: 8,
        stableEmbedding: stable),
      key: key)
  }

  @Test("paths, the 32-bit state declaration and the plain model unchanged")
  func pathsAndDeclaration() {
    let stable = Self.gpt(stable: true)
    let plain = Self.gpt(stable: false)
    #expect(stable.fullPrecisionStatePaths == ["token_embedding.weight"])
    #expect(plain.fullPrecisionStatePaths == [])
    #expect(
      stable.parameters.paths
        == [plain.parameters.paths[0], "token_embedding.norm.weight", "token_embedding.norm.bias"]
        + plain.parameters.paths.dropFirst())
    #expect(plain.tokenEmbeddingNorm == nil)
    // Every parameter but the token embedding is initialized as in the plain model.
    for (path, tensor) in plain.parameters.entries.map({ ($0.path, $0.tensor) })
    where path != "token_embedding.weight" {
      #expect(stable.parameters[path]!.doubles == tensor.doubles, "\(path)")
    }
  }

  @Test("the token lookup equals StableEmbedding's, Xavier-uniform, and the model differentiates")
  func equalsStableEmbedding() {
    var stable = Self.gpt(stable: true)
    let w = stable.tokenEmbedding.weight
    let bound = (6.0 / Double(7 + 8)).squareRoot()
    #expect(w.doubles.allSatisfy { abs($0) <= bound })
    #expect(w.doubles.contains { abs($0) > 0.5 * bound })
    // Give the norm non-trivial parameters, then compare with a StableEmbedding holding the same.
    stable.tokenEmbeddingNorm!.weight = Tensor(
      scalars: (0..<8).map { Float(1 + 0.1 * Double($0)) }, shape: [8])
    stable.tokenEmbeddingNorm!.bias = Tensor(
      scalars: (0..<8).map { Float(-0.05 * Double($0)) }, shape: [8])
    var reference = StableEmbedding(7, 8, key: Self.key)
    reference.weight = w
    reference.norm = stable.tokenEmbeddingNorm!
    let tokens = Tensor(indices: [1, 6, 2, 0, 3, 3, 5, 4], shape: [2, 4])
    let lookedUp = stable.tokenEmbeddingNorm!(stable.tokenEmbedding(tokens))
    #expect(lookedUp.doubles == reference(tokens).doubles)
    // The whole model: the stable token embedding changes the output, and gradients reach the
    // norm's parameters.
    let (_, gradients) = valueAndGrad(
      of: { p in
        crossEntropy(
          logits: stable.with(parameters: p)(tokens).reshaped([8, 7]),
          labels: Tensor(indices: [6, 2, 0, 3, 3, 5, 4, 1], shape: [8]))
      }, at: stable.parameters)
    #expect(gradients["token_embedding.norm.weight"]!.doubles.contains { $0 != 0 })
    #expect(stable(tokens).doubles != Self.gpt(stable: false)(tokens).doubles)
  }
}
