import Descent
import DescentTestSupport
import Testing

/// `customVJP`: a caller's vector-Jacobian rule in the graph, at first and second order.
@Suite struct CustomVJPTests {
  /// softplus with its derivative written by hand: the rule is the true derivative, so the
  /// finite-difference checks hold at both orders (the second differentiates the rule's ops).
  static func softplus(_ x: Tensor) -> Tensor {
    customVJP("softplus", inputs: [x], forward: { (($0[0].exp()) + 1).log() }) { g, inputs, _ in
      [g * inputs[0].sigmoid()]
    }
  }

  @Test func aTrueDerivativePassesBothChecks() {
    let x = testTensor([3, 4], seed: 7, range: -2...2)
    #expect(gradientCheckFailure([x]) { Self.softplus($0[0]) } == nil)
    #expect(secondOrderCheckFailure([x]) { Self.softplus($0[0]) } == nil)
  }

  @Test func theRuleReplacesTheDerivativeAndSeesTheOutput() {
    let x = Tensor([-2, -0.5, 0, 0.5, 2], dtype: .float64)
    // sign forward; backward ḡ · (1 + output), which uses the output the node saved.
    let f: (Tensor) -> Tensor = { v in
      customVJP("custom sign", inputs: [v], forward: { $0[0].sign() }) { g, _, output in
        [g * (output + 1)]
      }
    }
    let (value, gradient) = vjp(of: f, at: x, cotangent: Tensor([1, 2, 3, 4, 5], dtype: .float64))
    #expect(value.doubles == [-1, -1, 0, 1, 1])
    #expect(gradient.doubles == [0, 0, 3, 8, 10])
  }

  @Test func inputsWithoutAGradientAndUntrackedCalls() {
    let x = Tensor([1, 2], dtype: .float64)
    let scale = Tensor([3, 4], dtype: .float64)
    let product: ([Tensor]) -> Tensor = { v in
      customVJP("scaled", inputs: [v[0], v[1]], forward: { $0[0] * $0[1] }) { g, inputs, _ in
        [g * inputs[1], nil]
      }
    }
    let gradients = grad(of: { product([$0[0], $0[1]]).sum() }, at: [x, scale])
    #expect(gradients[0].doubles == [3, 4])
    #expect(gradients[1].doubles == [0, 0])  // no gradient from the rule: zeros
    let plain = product([x, scale])
    #expect(plain.doubles == [3, 8])
  }

  /// Nested: the gradient of a gradient through a custom rule, by hvp, equals the rule's own
  /// derivative (here d/dx of x·sigmoid-like rule, checked against the closed form).
  @Test func hessianVectorProductDifferentiatesTheRule() {
    let x = Tensor([-1, 0.3, 2], dtype: .float64)
    let v = Tensor([1, 1, 1], dtype: .float64)
    let h = hvp(of: { Self.softplus($0).sum() }, at: x, v: v)
    let s = x.sigmoid()
    #expect(mismatch(h, s * (1 - s), relativeTolerance: 1e-12) == nil)
  }
}
