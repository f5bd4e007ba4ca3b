import Descent
import DescentTestSupport
import Foundation
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

extension AutodiffTests {
  /// Hv of a small tanh MLP's cross-entropy equals central differences of its gradient along v.
  @Test func mlpHessianVectorProductMatchesFiniteDifferencesOfGradients() {
    let x = testTensor([5, 4], seed: 41)
    let targets = Tensor(indices: [0, 2, 1, 2, 0]).oneHot(classes: 3, dtype: .float64)
    let parameters = [
      testTensor([6, 4], seed: 42), testTensor([6], seed: 43),
      testTensor([3, 6], seed: 44), testTensor([3], seed: 45),
    ]
    let v = parameters.enumerated().map { testTensor($1.shape, seed: 50 + UInt64($0)) }
    let loss: ([Tensor]) -> Tensor = { p in
      let h = (x.matmulTransposed(p[0]) + p[1]).tanh()
      let logits = h.matmulTransposed(p[2]) + p[3]
      return -(logits.logSoftmax(axis: 1) * targets).sum() / 5
    }
    let hv = valueGradAndHVP(of: loss, at: parameters, v: v).hvp
    let h = 1e-5
    let plus = grad(of: loss, at: zip(parameters, v).map { $0 + h * $1 })
    let minus = grad(of: loss, at: zip(parameters, v).map { $0 - h * $1 })
    for i in parameters.indices {
      let finite = (plus[i] - minus[i]) / (2 * h)
      #expect(mismatch(hv[i], finite, relativeTolerance: 1e-6, absoluteTolerance: 1e-8) == nil)
    }
  }
}

extension AutodiffTests {
  /// f(x) = [x₀x₁, sin x₁ + x₂², exp x₀] has the Jacobian J below; vjp gives uᵀJ and jvp Jt.
  @Test func vjpAndJvpAgreeWithTheJacobian() {
    let x = Tensor([0.3, -1.2, 0.7], dtype: .float64)
    let f: (Tensor) -> Tensor = { x in
      let x0 = x.slice(axis: 0, start: 0, end: 1)
      let x1 = x.slice(axis: 0, start: 1, end: 2)
      let x2 = x.slice(axis: 0, start: 2, end: 3)
      return Tensor.concatenate([x0 * x1, x1.sin() + x2 * x2, x0.exp()], axis: 0)
    }
    let (x0, x1, x2) = (0.3, -1.2, 0.7)
    let jacobian = Tensor(
      [[x1, x0, 0], [0, Foundation.cos(x1), 2 * x2], [Foundation.exp(x0), 0, 0]], dtype: .float64)
    let u = Tensor([1.5, -0.5, 2], dtype: .float64)
    let t = Tensor([-1, 0.25, 3], dtype: .float64)
    let (value, uJ) = vjp(of: f, at: x, cotangent: u)
    #expect(mismatch(value, f(x), relativeTolerance: 1e-15) == nil)
    #expect(mismatch(uJ, u.matmul(jacobian), relativeTolerance: 1e-13) == nil)
    let (_, jt) = jvp(of: f, at: x, tangent: t)
    #expect(mismatch(jt, jacobian.matmul(t), relativeTolerance: 1e-13) == nil)
  }

  /// Third order: d³/dx³ of sin x is −cos x, by nesting grad.
  @Test func nestedGradientsGiveThirdDerivatives() {
    let x = Tensor(0.4, dtype: .float64)
    let third = grad(of: { y in grad(of: { z in grad(of: { $0.sin() }, at: z) }, at: y) }, at: x)
    #expect(abs(third.item + Foundation.cos(0.4)) < 1e-14)
  }
}

extension AutodiffTests {
  /// The example of README.md, with the numbers it states.
  @Test func readmeExampleHoldsItsNumbers() {
    let a = Tensor([[4, 1], [1, 3]], dtype: .float64)
    let f: (Tensor) -> Tensor = { x in 0.5 * x.dot(a.matmul(x)) }
    let x = Tensor([1, 2], dtype: .float64)
    let (loss, gradient) = valueAndGrad(of: f, at: x)
    #expect(loss.item == 10)
    #expect(gradient.doubles == [6, 7])
    #expect(hvp(of: f, at: x, v: Tensor([1, 0], dtype: .float64)).doubles == [4, 1])
  }
}

extension AutodiffTests {
  /// Matrix products (plain, transposed, batched) give the same bits on 1 and 2 threads: the
  /// row blocks depend on the shapes only and OpenBLAS runs single-threaded.
  @Test func matmulIsBitIdenticalAcrossThreadCounts() {
    let keys = RandomKey(seed: 17).split(into: 4)
    let a = Tensor.normal([300, 200], key: keys[0])
    let b = Tensor.normal([200, 260], key: keys[1])
    let batched = Tensor.normal([3, 64, 200], key: keys[2])
    let w = Tensor.normal([96, 200], key: keys[3])
    func products() -> [Tensor] {
      [a.matmul(b), batched.matmulTransposed(w), a.transposed().matmul(a), batched.matmul(b)]
    }
    let one = withThreads(1) { products() }
    let two = withThreads(2) { products() }
    for (x, y) in zip(one, two) { #expect(x.bytes == y.bytes) }
  }
}
