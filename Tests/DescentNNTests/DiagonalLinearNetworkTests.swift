import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// The diagonal linear network: its forward pass, balanced initialization and exact Hessian trace.
@Suite struct DiagonalLinearNetworkTests {
  let key = RandomKey(seed: 21)

  @Test func predictsWithTheProductOfItsFactors() {
    let model = DiagonalLinearNetwork(
      u: Tensor([1, 2, -3], dtype: .float64), v: Tensor([0.5, -1, 2], dtype: .float64))
    #expect(model.parameters.paths == ["u", "v"])
    #expect(model.coefficients.doubles == [0.5, -2, -6])
    let x = Tensor([1, 1, 1, 2, 0, -1], shape: [2, 3], dtype: .float64)
    let expected: [Double] = [-7.5, 7]
    #expect(model(x).doubles == expected)
    #expect(model(Tensor([0, 1, 0], dtype: .float64)).item == -2)
  }

  @Test func balancedInitializationHasEqualMagnitudesAndBothSigns() {
    let model = DiagonalLinearNetwork.balanced(dimension: 64, scale: 0.5, key: key)
    #expect(model.u.doubles.allSatisfy { $0 == 0.5 })
    #expect(model.v.doubles.allSatisfy { abs($0) == 0.5 })
    let signs = Set(model.coefficients.doubles)
    #expect(signs == [0.25, -0.25])
    let again = DiagonalLinearNetwork.balanced(dimension: 64, scale: 0.5, key: key)
    #expect(again.v.doubles == model.v.doubles)
  }

  @Test func gradientsMatchFiniteDifferences() {
    let model = DiagonalLinearNetwork(
      u: testTensor([5], seed: 1).cast(to: .float64),
      v: testTensor([5], seed: 2).cast(to: .float64))
    let x = testTensor([4, 5], seed: 3).cast(to: .float64)
    let y = testTensor([4], seed: 4).cast(to: .float64)
    let failure = gradientCheckFailure([model.u, model.v]) { factors in
      mseLoss(DiagonalLinearNetwork(u: factors[0], v: factors[1])(x), y) * 0.5
    }
    #expect(failure == nil, "\(failure ?? "")")
  }

  /// `hessianTrace(inputs:)` against the trace of the Hessian assembled column by column from
  /// Hessian-vector products, at a point that does not interpolate (non-zero residuals).
  @Test func hessianTraceIsExactAwayFromInterpolation() {
    let d = 6
    let model = DiagonalLinearNetwork(
      u: testTensor([d], seed: 7).cast(to: .float64),
      v: testTensor([d], seed: 8).cast(to: .float64))
    let x = testTensor([5, d], seed: 9).cast(to: .float64)
    let y = testTensor([5], seed: 10).cast(to: .float64)
    let residual = (model(x) - y).abs().sum().item
    #expect(residual > 0.1)
    let flat = Tensor.concatenate([model.u, model.v], axis: 0)
    let loss = { (theta: Tensor) -> Tensor in
      let m = DiagonalLinearNetwork(
        u: theta.slice(axis: 0, start: 0, end: d), v: theta.slice(axis: 0, start: d, end: 2 * d))
      return mseLoss(m(x), y) * 0.5
    }
    var trace = 0.0
    for j in 0..<(2 * d) {
      var basis = [Double](repeating: 0, count: 2 * d)
      basis[j] = 1
      trace += hvp(of: loss, at: flat, v: Tensor(basis, dtype: .float64)).doubles[j]
    }
    #expect(abs(model.hessianTrace(inputs: x) - trace) <= 1e-12 * max(1, abs(trace)))
    // The closed form: Σⱼ (uⱼ² + vⱼ²) · mean_i xᵢⱼ².
    let u = model.u.doubles, v = model.v.doubles, rows = x.doubles
    var expected = 0.0
    for j in 0..<d {
      let moment = (0..<5).map { rows[$0 * d + j] * rows[$0 * d + j] }.reduce(0, +) / 5
      expected += (u[j] * u[j] + v[j] * v[j]) * moment
    }
    #expect(abs(model.hessianTrace(inputs: x) - expected) <= 1e-12 * expected)
  }
}
