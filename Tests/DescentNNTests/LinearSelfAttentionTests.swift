import Descent
import DescentData
import DescentNN
import DescentTestSupport
import Testing

/// ``LinearSelfAttention``: the forward pass against the paper's formula written out with loops,
/// the prediction and effective preconditioner against the output, and float64 derivative checks.
@Suite struct LinearSelfAttentionTests {
  let key = RandomKey(seed: 31)

  /// f(Z) = Z + W^{PV} Z M (Zᵀ W^{KQ} Z) / n, entry by entry in float64.
  static func reference(_ z: [[Double]], pv: [[Double]], kq: [[Double]]) -> [[Double]] {
    let dim = z.count, tokens = z[0].count, n = tokens - 1
    // S = Zᵀ W^{KQ} Z [tokens, tokens]; masked: only context rows j < n enter.
    var scores = Array(repeating: Array(repeating: 0.0, count: tokens), count: tokens)
    for j in 0..<tokens {
      for k in 0..<tokens {
        var total = 0.0
        for a in 0..<dim { for b in 0..<dim { total += z[a][j] * kq[a][b] * z[b][k] } }
        scores[j][k] = total
      }
    }
    var out = z
    for r in 0..<dim {
      for k in 0..<tokens {
        var total = 0.0
        for a in 0..<dim {
          for j in 0..<n { total += pv[r][a] * z[a][j] * scores[j][k] }
        }
        out[r][k] += total / Double(n)
      }
    }
    return out
  }

  @Test func forwardMatchesThePapersFormula() {
    let layer = LinearSelfAttention(tokenDimension: 3, std: 0.7, dtype: .float64, key: key)
    let z = testTensor([2, 3, 5], seed: 3)
    let out = layer(z, context: .evaluation)
    #expect(out.shape == [2, 3, 5])
    let pv = (0..<3).map { i in (0..<3).map { layer.valueProjection[element: i, $0] } }
    let kq = (0..<3).map { i in (0..<3).map { layer.keyQuery[element: i, $0] } }
    for b in 0..<2 {
      let prompt = (0..<3).map { i in (0..<5).map { z[element: b, i, $0] } }
      let expected = Self.reference(prompt, pv: pv, kq: kq)
      for i in 0..<3 {
        for k in 0..<5 {
          #expect(abs(out[element: b, i, k] - expected[i][k]) < 1e-12, "b \(b) [\(i), \(k)]")
        }
      }
    }
    // An unbatched prompt gives the batch's first output.
    let single = layer(z.slice(axis: 0, start: 0, end: 1).squeezed(axes: [0]), context: .evaluation)
    #expect(single.shape == [3, 5])
    #expect(abs(single[element: 2, 4] - out[element: 0, 2, 4]) < 1e-14)
  }

  /// `prediction` is the output's bottom-right entry, and it equals x_qᵀ Γ h plus terms that do
  /// not involve h: on prompts whose responses are all flipped (h → −h, the y-free and y²
  /// terms unchanged), half the difference of the predictions is x_qᵀ Γ h.
  @Test func predictionAndEffectivePreconditioner() throws {
    let layer = LinearSelfAttention(tokenDimension: 4, std: 0.5, dtype: .float64, key: key)
    let task = try InContextRegression(dimension: 3, contextLength: 6, noiseVariance: 0.3)
    let prompts = task.prompts(count: 7, dtype: .float64, key: RandomKey(seed: 5)).prompts
    let predictions = layer.prediction(prompts)
    let out = layer(prompts, context: .evaluation)
    for b in 0..<7 {
      #expect(abs(predictions[element: b] - out[element: b, 3, 6]) < 1e-12)
    }
    let flip = Tensor([1, 1, 1, -1], shape: [1, 4, 1], dtype: .float64)
    let flipped = layer.prediction(prompts * flip)
    let gamma = layer.effectivePreconditioner
    let oneStep = task.oneStepPredictions(prompts, preconditioner: gamma)
    for b in 0..<7 {
      let odd = (predictions[element: b] - flipped[element: b]) / 2
      #expect(abs(odd - oneStep[element: b]) < 1e-12, "prompt \(b): \(odd) vs \(oneStep[element: b])")
    }
  }

  /// A layer whose only nonzero blocks are p_y = W^{PV}[d, d] and K_x = W^{KQ}[:d, :d] is exactly
  /// the one-step learner with Γ = p_y K_xᵀ.
  @Test func theGradientStepConstruction() throws {
    let d = 3, eta = 0.8
    var pv = [Double](repeating: 0, count: 16), kq = [Double](repeating: 0, count: 16)
    pv[15] = 2
    for i in 0..<d { kq[i * 4 + i] = eta / 2 }
    let layer = LinearSelfAttention(
      valueProjection: Tensor(pv, shape: [4, 4], dtype: .float64),
      keyQuery: Tensor(kq, shape: [4, 4], dtype: .float64))
    let task = try InContextRegression(dimension: d, contextLength: 10, noiseVariance: 0)
    let prompts = task.prompts(count: 5, dtype: .float64, key: RandomKey(seed: 8)).prompts
    let gamma = layer.effectivePreconditioner
    for i in 0..<d { for j in 0..<d { #expect(gamma[element: i, j] == (i == j ? eta : 0)) } }
    let oneStep = task.oneStepPredictions(prompts, preconditioner: gamma)
    let predictions = layer.prediction(prompts)
    for b in 0..<5 { #expect(abs(predictions[element: b] - oneStep[element: b]) < 1e-12) }
  }

  @Test func gradientsAndSecondDerivatives() {
    let layer = LinearSelfAttention(tokenDimension: 3, std: 0.5, dtype: .float64, key: key)
    #expect(
      LayerGradientTests.check(layer, input: testTensor([2, 3, 4], seed: 9), secondOrder: true)
        == nil)
    let tree = layer.parameters
    let prompts = testTensor([3, 3, 5], seed: 10)
    let f: ([Tensor]) -> Tensor = { xs in
      layer.with(parameters: ParameterTree(Array(zip(tree.paths, xs)))).prediction(prompts)
    }
    #expect(gradientCheckFailure(tree.tensors, f) == nil)
    #expect(secondOrderCheckFailure(tree.tensors, f) == nil)
  }

  @Test func parameterPaths() {
    let layer = LinearSelfAttention(tokenDimension: 6, key: key)
    #expect(layer.parameters.paths == ["value_projection", "key_query"])
    #expect(layer.parameters.tensors.map(\.shape) == [[6, 6], [6, 6]])
  }
}
