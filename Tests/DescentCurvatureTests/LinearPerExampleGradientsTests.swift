import Descent
import DescentCurvature
import DescentTestSupport
import Foundation
import Testing

@Suite("Per-example gradients of an affine layer")
struct LinearPerExampleGradientsTests {
  /// An affine layer `z = W x + b` (W [3, 5], b [3]) under a non-quadratic per-example loss
  /// `ℓᵢ = Σₒ tanh(cₒ zᵢₒ) + ½‖zᵢ‖²`: one backward pass plus outer products give the same rows as
  /// `perExampleGradients` (one autodiff pass per example), with and without the bias.
  @Test func matchesOneBackwardPassPerExample() {
    let x = testTensor([9, 5], seed: 81)
    let c = Tensor([0.7, -1.3, 2.0], shape: [3], dtype: .float64)
    let parameters = ParameterTree([
      ("weight", testTensor([3, 5], seed: 82)), ("bias", testTensor([3], seed: 83)),
    ])
    func exampleLoss(_ z: Tensor) -> Tensor { (z * c).tanh().sum() + z.square().sum() * 0.5 }
    func outputs(_ p: ParameterTree, _ inputs: Tensor) -> Tensor {
      inputs.matmulTransposed(p["weight"]!) + p["bias"]!
    }
    var expected: [Tensor] = []
    perExampleGradients(
      of: { p, i in exampleLoss(outputs(p, x.slice(axis: 0, start: i, end: i + 1))) },
      at: parameters, count: 9, chunkSize: 4
    ) { _, g in expected.append(g) }
    let reference = Tensor.concatenate(expected, axis: 0)
    let z = outputs(parameters, x)
    // Σᵢ ℓᵢ: row i of its gradient is δᵢ = ∂ℓᵢ/∂zᵢ.
    let deltas = grad(of: { exampleLoss($0) }, at: z)
    let fast = linearPerExampleGradients(inputs: x, outputGradients: deltas)
    #expect(fast.shape == [9, 18] && reference.shape == [9, 18])
    let worst = zip(fast.doubles, reference.doubles).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-13)
    let weightOnly = linearPerExampleGradients(inputs: x, outputGradients: deltas, bias: false)
    #expect(weightOnly.shape == [9, 15])
    #expect(weightOnly.doubles == fast.slice(axis: 1, start: 0, end: 15).doubles)
  }
}
