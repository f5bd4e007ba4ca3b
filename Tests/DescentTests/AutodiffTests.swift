import Descent
import DescentTestSupport
import Testing

@Suite struct AutodiffTests {
  @Test func gradientOfSquareSum() {
    let x = Tensor([1, -2, 3], dtype: .float64)
    let (value, gradient) = valueAndGrad(of: { ($0 * $0).sum() }, at: x)
    #expect(value.item == 14)
    #expect(gradient.doubles == [2, -4, 6])
  }

  @Test func hessianOfQuadraticFormIsTheMatrix() {
    // f(x) = ½ xᵀAx with A symmetric: ∇²f = A, so H eᵢ is column i of A.
    let a = Tensor([[4, 1, 0.5], [1, 3, -1], [0.5, -1, 2]], dtype: .float64)
    let x = Tensor([0.3, -0.7, 1.1], dtype: .float64)
    let f: (Tensor) -> Tensor = { x in 0.5 * x.dot(a.matmul(x)) }
    for i in 0..<3 {
      var e = [0.0, 0, 0]
      e[i] = 1
      let column = hvp(of: f, at: x, v: Tensor(e, dtype: .float64))
      #expect(mismatch(column, a.transposed().matmul(Tensor(e, dtype: .float64)), relativeTolerance: 1e-12) == nil)
    }
  }

  @Test func matmulGradientsMatchFiniteDifferences() {
    let a = testTensor([3, 4], seed: 1)
    let b = testTensor([4, 2], seed: 2)
    #expect(gradientCheckFailure([a, b]) { $0[0].matmul($0[1]) } == nil)
    #expect(secondOrderCheckFailure([a, b]) { $0[0].matmul($0[1]).exp() } == nil)
  }

  @Test func broadcastingGradientsSumBack() {
    let a = testTensor([2, 3, 4], seed: 3)
    let b = testTensor([3, 1], seed: 4)
    #expect(gradientCheckFailure([a, b]) { ($0[0] * $0[1] + $0[1]) / ($0[1] * $0[1] + 2) } == nil)
    #expect(secondOrderCheckFailure([a, b]) { ($0[0] * $0[1]).exp() / ($0[1] * $0[1] + 2) } == nil)
  }
}

extension AutodiffTests {
  @Test func matmulTransposedMatchesExplicitTranspose() {
    let x = testTensor([2, 3, 4], seed: 31)
    let w = testTensor([5, 4], seed: 32)
    #expect(mismatch(x.matmulTransposed(w), x.matmul(w.transposed()), relativeTolerance: 1e-14) == nil)
    #expect(gradientCheckFailure([x, w]) { $0[0].matmulTransposed($0[1]) } == nil)
    #expect(secondOrderCheckFailure([x, w]) { $0[0].matmulTransposed($0[1]).exp() } == nil)
  }
}
