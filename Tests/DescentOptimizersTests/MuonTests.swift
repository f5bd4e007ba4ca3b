import Descent
import DescentOptimizers
import Testing

/// Muon's split between the orthogonalized matrix step and its AdamW fallback.
@Suite struct MuonTests {
  /// A tree without 2-D parameters gets the one-line explanation `descent train` exits 64 with;
  /// a tree with a matrix gets none.
  @Test func explainsTheFallbackWithoutMatrices() throws {
    let vectors = ParameterTree([
      ("w", Tensor([1, 2, 3], dtype: .float64)), ("b", Tensor([0.5], dtype: .float64)),
    ])
    let message = try #require(Muon.explainFallback(for: vectors))
    #expect(message.contains("only 2-D parameters") && message.contains("--optimizer adamw"))
    #expect(message.contains("w [3]"))
    var withMatrix = vectors
    withMatrix.append("m", Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float64))
    #expect(Muon.explainFallback(for: withMatrix) == nil)
  }

  /// The non-2-D parameters step exactly as AdamW with Muon's learning rate and weight decay
  /// (the matrix step's evidence is the parity golden; here it only has to move).
  @Test func vectorsStepAsAdamW() throws {
    let tree = ParameterTree([
      ("m", Tensor([1, -2, 0.5, 3, 1, -1], shape: [2, 3], dtype: .float64)),
      ("b", Tensor([0.25, -0.75], dtype: .float64)),
    ])
    let gradients = ParameterTree([
      ("m", Tensor([0.1, 0.2, -0.3, 0.4, -0.5, 0.6], shape: [2, 3], dtype: .float64)),
      ("b", Tensor([0.3, -0.1], dtype: .float64)),
    ])
    var muonParameters = tree
    let muon = Optimizer(try Muon(learningRate: 0.01, weightDecay: 0.1), for: tree)
    var adamParameters = ParameterTree([("b", tree["b"]!)])
    let adamW = Optimizer(try AdamW(learningRate: 0.01, weightDecay: 0.1), for: adamParameters)
    for _ in 0..<3 {
      try muon.step(&muonParameters, gradients: gradients)
      try adamW.step(&adamParameters, gradients: ParameterTree([("b", gradients["b"]!)]))
    }
    #expect(muonParameters["b"]!.doubles == adamParameters["b"]!.doubles)
    #expect(muonParameters["m"]!.doubles != tree["m"]!.doubles)
  }
}
