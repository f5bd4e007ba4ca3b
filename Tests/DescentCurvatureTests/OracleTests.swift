import Descent
import DescentCurvature
import DescentTestSupport
import Testing

@Suite("HVP and Gauss–Newton oracles")
struct OracleTests {
  /// A 3 → 4 → 2 tanh MLP's parameters and its mean squared error on fixed data (float64).
  static let x = testTensor([6, 3], seed: 31)
  static let y = testTensor([6, 2], seed: 32)
  static let parameters = ParameterTree([
    ("0.weight", testTensor([4, 3], seed: 33)), ("0.bias", testTensor([4], seed: 34)),
    ("2.weight", testTensor([2, 4], seed: 35)), ("2.bias", testTensor([2], seed: 36)),
  ])

  static func loss(_ p: ParameterTree) -> Tensor {
    let hidden = (x.matmulTransposed(p["0.weight"]!) + p["0.bias"]!).tanh()
    let output = hidden.matmulTransposed(p["2.weight"]!) + p["2.bias"]!
    return (output - y).square().mean()
  }

  @Test("ParameterLayout flattens and unflattens a tree")
  func layoutRoundTrip() {
    let layout = ParameterLayout(Self.parameters)
    #expect(layout.scalarCount == 26)
    #expect(layout.offsets == [0, 12, 16, 24])
    let flat = layout.flatten(Self.parameters)
    #expect(flat.shape == [26])
    #expect(layout.unflatten(flat) == Self.parameters)
  }

  @Test("The HVP operator of a tiny MLP equals the Hessian's columns by finite differences")
  func hvpMatchesFiniteDifferences() {
    let oracle = HVPOracle(at: Self.parameters, loss: Self.loss)
    let layout = oracle.layout
    let op = oracle.linearOperator
    let theta = layout.flatten(Self.parameters)
    func gradient(_ flat: Tensor) -> Tensor {
      layout.flatten(grad(of: Self.loss, at: layout.unflatten(flat)))
    }
    let h = 1e-5
    var worst = 0.0
    for j in 0..<26 {
      let e = unitVector(j, 26)
      let column = op(e).doubles
      let plus = gradient(theta + e * e.scalar(h)).doubles
      let minus = gradient(theta - e * e.scalar(h)).doubles
      for i in 0..<26 {
        let difference = (plus[i] - minus[i]) / (2 * h)
        worst = max(worst, abs(column[i] - difference))
      }
    }
    #expect(worst < 1e-7)
  }

  @Test("Weighted batch losses give the weighted sum of the batch Hessians")
  func batchLosses() {
    let v = Self.parameters.map { Tensor.ones(like: $0) }
    let whole = HVPOracle(at: Self.parameters, loss: Self.loss).hvp(v)
    let doubled = HVPOracle(
      at: Self.parameters, batchLosses: [Self.loss, Self.loss], weights: [0.25, 1.75]
    )
    .hvp(v)
    for (a, b) in zip(whole.tensors, doubled.tensors) {
      #expect(zip(a.doubles, b.doubles).allSatisfy { abs(2 * $0 - $1) < 1e-12 })
    }
  }

  @Test("The Gauss–Newton product of a linear model with ½·MSE is XᵀX v / n")
  func gaussNewtonLinearMSE() {
    let x = testTensor([20, 5], seed: 41)
    let y = testTensor([20], seed: 42)
    let parameters = ParameterTree([("weight", testTensor([5], seed: 43))])
    let oracle = GaussNewtonOracle(
      at: parameters, outputs: { x.matmul($0["weight"]!) },
      outputLoss: { ($0 - y).square().mean() * $0.scalar(0.5) })
    let v = testTensor([5], seed: 44)
    let product = oracle.linearOperator(v).doubles
    let expected = (x.transposed().matmul(x.matmul(v)) * v.scalar(1.0 / 20)).doubles
    for (a, b) in zip(product, expected) { #expect(abs(a - b) < 1e-12) }
  }

  @Test("The Gauss–Newton product of a softmax model is Jᵀ (diag p − ppᵀ)/n J v")
  func gaussNewtonCrossEntropy() {
    // Linear logits z = X Wᵀ, so J is explicit: ∂z_{ik}/∂W_{kl} = X_il.
    let x = testTensor([4, 3], seed: 51)
    let labels = Tensor([0, 2, 1, 2], shape: [4, 1], dtype: .float64)
    let oneHot = Tensor(
      (0..<12).map { i in Double(i % 3) == labels.doubles[i / 3] ? 1 : 0 }, shape: [4, 3],
      dtype: .float64)
    let parameters = ParameterTree([("weight", testTensor([3, 3], seed: 52))])
    let oracle = GaussNewtonOracle(
      at: parameters, outputs: { x.matmulTransposed($0["weight"]!) },
      outputLoss: { -($0.logSoftmax(axis: -1) * oneHot).sum() * $0.scalar(0.25) })
    let v = testTensor([9], seed: 53)
    let product = oracle.linearOperator(v).doubles
    // Reference: u = J v = X Vᵀ; w_i = (diag pᵢ − pᵢpᵢᵀ) uᵢ / n; Jᵀw = wᵀ X.
    let w3 = v.reshaped([3, 3])
    let u = x.matmulTransposed(w3).doubles
    let p = x.matmulTransposed(parameters["weight"]!).softmax(axis: -1).doubles
    var w = [Double](repeating: 0, count: 12)
    for i in 0..<4 {
      let pu = (0..<3).reduce(0.0) { $0 + p[i * 3 + $1] * u[i * 3 + $1] }
      for k in 0..<3 { w[i * 3 + k] = p[i * 3 + k] * (u[i * 3 + k] - pu) / 4 }
    }
    let expected = Tensor(w, shape: [4, 3], dtype: .float64).transposed().matmul(x).doubles
    for (a, b) in zip(product, expected) { #expect(abs(a - b) < 1e-12) }
  }

  @Test("Lanczos on the MLP's HVP operator finds the explicit Hessian's top eigenvalues")
  func lanczosOnModelHessian() throws {
    let op = HVPOracle(at: Self.parameters, loss: Self.loss).linearOperator
    let columns = (0..<26).map { op(unitVector($0, 26)) }
    let h = Tensor.stack(columns, axis: 1)
    let explicit = try eigh((h + h.transposed()) * h.scalar(0.5)).eigenvalues.doubles
    let pairs = try topEigenpairs(op, count: 3, iterations: 26, key: RandomKey(seed: 6))
    for (found, expected) in zip(pairs.eigenvalues, explicit.reversed()) {
      #expect(abs(found - expected) < 1e-8)
    }
    let power = powerIteration(op, tolerance: 1e-10, maxIterations: 1000, key: RandomKey(seed: 6))
    let largestMagnitude = explicit.max(by: { abs($0) < abs($1) })!
    #expect(abs(power.eigenvalue - largestMagnitude) < 1e-6 * abs(largestMagnitude))
  }

  @Test("For a linear model with MSE the Gauss–Newton matrix is the Hessian")
  func gaussNewtonEqualsHessianForLinearModel() {
    let x = testTensor([10, 3], seed: 45)
    let y = testTensor([10, 2], seed: 46)
    let parameters = ParameterTree([
      ("weight", testTensor([2, 3], seed: 47)), ("bias", testTensor([2], seed: 48)),
    ])
    let outputs: (ParameterTree) -> Tensor = { x.matmulTransposed($0["weight"]!) + $0["bias"]! }
    let outputLoss: (Tensor) -> Tensor = { ($0 - y).square().mean() }
    let gn = GaussNewtonOracle(at: parameters, outputs: outputs, outputLoss: outputLoss)
    let hessian = HVPOracle(at: parameters) { outputLoss(outputs($0)) }
    let v = testTensor([8], seed: 49)
    let a = gn.linearOperator(v).doubles
    let b = hessian.linearOperator(v).doubles
    for (p, q) in zip(a, b) { #expect(abs(p - q) < 1e-12) }
  }
}
