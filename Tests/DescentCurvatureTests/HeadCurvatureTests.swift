import Descent
import DescentCurvature
import DescentTestSupport
import Testing

/// A tiny float64 classifier for the head-curvature tests: a body `h = tanh(x A)` (`A` `[3, 4]`)
/// and a nonlinear head `logit = tanh(h W) v + b` (`W` `[4, 2]`, `v` `[2]`, `b` `[1]`: 11 head
/// scalars), so that the head Hessian is indefinite with sizeable off-diagonal entries; mean
/// binary cross-entropy `softplus(l) − l·y` over 12 examples per environment.
struct TinyClassifier {
  static let inputs = [
    testTensor([12, 3], seed: 31, range: -2...2), testTensor([12, 3], seed: 32, range: -2...2),
  ]
  static let labels = [
    Tensor(testRandomValues(count: 12, seed: 33).map { $0 > 0 ? 1 : 0 }, dtype: .float64),
    Tensor(testRandomValues(count: 12, seed: 34).map { $0 > -0.4 ? 1 : 0 }, dtype: .float64),
  ]
  static let body = testTensor([3, 4], seed: 35, range: -1.5...1.5)
  static let head = [
    testTensor([4, 2], seed: 36, range: -1.5...1.5), testTensor([2], seed: 37, range: -1.5...1.5),
    testTensor([1], seed: 38, range: -0.5...0.5),
  ]

  /// The mean loss of environment `e` at the given body and head.
  static func loss(_ e: Int, body: Tensor, head: [Tensor]) -> Tensor {
    let h = inputs[e].matmul(body).tanh()
    let logits = h.matmul(head[0]).tanh().matmul(head[1].reshaped([2, 1])).reshaped([12]) + head[2]
    return (logits.softplus() - logits * labels[e]).mean()
  }

  /// The explicit head Hessian `[11, 11]` of environment `e`'s loss, column by column from
  /// Hessian-vector products (``HVPOracle``).
  static func headHessian(_ e: Int) -> Tensor {
    let tree = ParameterTree([("w", head[0]), ("v", head[1]), ("b", head[2])])
    let oracle = HVPOracle(at: tree) { p in
      loss(e, body: body, head: [p["w"]!, p["v"]!, p["b"]!])
    }
    let columns = (0..<11).map { oracle.linearOperator(unitVector($0, 11)) }
    return Tensor.stack(columns, axis: 1)
  }

  /// The flat head gradient of environment `e`'s loss (detached).
  static func headGradient(_ e: Int) -> Tensor {
    let g = grad(of: { loss(e, body: body, head: $0) }, at: head)
    return Tensor.concatenate(g.map { $0.reshaped([$0.count]) }, axis: 0)
  }
}

@Suite("Head curvature and Hessian alignment")
struct HeadCurvatureTests {
  /// `|a − b| ≤ relativeTolerance·|b| + 1e-15`.
  static func close(_ a: Double, _ b: Double, relativeTolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= relativeTolerance * abs(b) + 1e-15
  }

  static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
    (a - b).norm().item / b.norm().item
  }

  @Test("HVP columns of the head Hessian agree with central differences of the gradient")
  func explicitHessianIsTheHessian() {
    let hessian = TinyClassifier.headHessian(0)
    let h = 1e-5
    var flat = TinyClassifier.head.flatMap(\.doubles)
    for j in 0..<11 {
      func gradient(at values: [Double]) -> [Double] {
        let head = [
          Tensor(Array(values[0..<8]), shape: [4, 2], dtype: .float64),
          Tensor(Array(values[8..<10]), dtype: .float64), Tensor([values[10]], dtype: .float64),
        ]
        return grad(of: { TinyClassifier.loss(0, body: TinyClassifier.body, head: $0) }, at: head)
          .flatMap(\.doubles)
      }
      let original = flat[j]
      flat[j] = original + h
      let plus = gradient(at: flat)
      flat[j] = original - h
      let minus = gradient(at: flat)
      flat[j] = original
      for i in 0..<11 {
        let numeric = (plus[i] - minus[i]) / (2 * h)
        #expect(abs(entry(hessian, i, j) - numeric) < 1e-7, "H[\(i), \(j)]")
      }
    }
    // Indefinite with off-diagonal mass: a test that a diagonal or PSD shortcut cannot pass.
    let eigenvalues = try! eigh(hessian).eigenvalues.doubles
    #expect(eigenvalues.min()! < -1e-3 && eigenvalues.max()! > 1e-3)
  }

  @Test("‖g‖·∇‖g‖ by double backprop equals the explicit head Hessian times g to 1e-6 relative")
  func hessianGradientProductIsHTimesG() throws {
    for e in 0..<2 {
      let hessian = TinyClassifier.headHessian(e)
      let g = TinyClassifier.headGradient(e)
      let expected = hessian.matmul(g)
      let result: HeadHessianGradientProduct = try withGradients {
        let head = TinyClassifier.head.map { $0.trackingGradients() }
        return try hessianGradientProduct(
          of: TinyClassifier.loss(e, body: TinyClassifier.body, head: head), withRespectTo: head)
      }
      #expect(Self.relativeError(result.gradient.detached(), g) < 1e-12)
      let error = Self.relativeError(result.hessianGradient.detached(), expected)
      #expect(error < 1e-6, "environment \(e): relative error \(error)")
      // Not merely parallel to g or equal to ‖g‖²-scaled g: H g differs from both.
      #expect(
        Self.relativeError(g * g.scalar(expected.norm().item / g.norm().item), expected) > 0.05)
    }
  }

  @Test("Hutchinson with R = 1000 Rademacher probes is within 10% of diag(H)")
  func hutchinsonMatchesTheDiagonal() throws {
    let hessian = TinyClassifier.headHessian(0)
    let truth = Tensor((0..<11).map { entry(hessian, $0, $0) }, dtype: .float64)
    let estimate: Tensor = try withGradients {
      let head = TinyClassifier.head.map { $0.trackingGradients() }
      let g = try headGradient(
        of: TinyClassifier.loss(0, body: TinyClassifier.body, head: head), withRespectTo: head)
      return try hutchinsonHeadDiagonal(
        gradient: g.gradient, withRespectTo: head, samples: 1000, key: RandomKey(seed: 5))
    }.detached()
    let error = Self.relativeError(estimate, truth)
    #expect(error < 0.1, "‖D − diag(H)‖/‖diag(H)‖ = \(error)")
    // The detached estimator of the library, with the same probes, gives the same numbers.
    let reference = hutchinsonDiagonal(
      LinearOperator(matrix: hessian), samples: 1000, key: RandomKey(seed: 5)
    ).estimate
    #expect(Self.relativeError(estimate, reference) < 1e-10)
    // One probe is far off: the agreement above comes from averaging, not from a shortcut.
    let single: Tensor = try withGradients {
      let head = TinyClassifier.head.map { $0.trackingGradients() }
      let g = try headGradient(
        of: TinyClassifier.loss(0, body: TinyClassifier.body, head: head), withRespectTo: head)
      return try hutchinsonHeadDiagonal(
        gradient: g.gradient, withRespectTo: head, samples: 1, key: RandomKey(seed: 5))
    }.detached()
    #expect(Self.relativeError(single, truth) > 0.1)
  }

  /// The HGP penalty from explicit Hessians and gradients of both environments and their mean.
  static func explicitHGPPenalty() -> (gradientTerm: Double, curvatureTerm: Double) {
    let hessians = [TinyClassifier.headHessian(0), TinyClassifier.headHessian(1)]
    let gradients = [TinyClassifier.headGradient(0), TinyClassifier.headGradient(1)]
    let meanH = (hessians[0] + hessians[1]) * hessians[0].scalar(0.5)
    let meanG = (gradients[0] + gradients[1]) * gradients[0].scalar(0.5)
    let meanHG = meanH.matmul(meanG)
    var gradientTerm = 0.0
    var curvatureTerm = 0.0
    for e in 0..<2 {
      gradientTerm += (gradients[e] - meanG).square().sum().item
      curvatureTerm += (hessians[e].matmul(gradients[e]) - meanHG).square().sum().item
    }
    return (gradientTerm, curvatureTerm)
  }

  @Test("The HGP penalty equals Σ‖H_e g_e − H̄ḡ‖² + Σ‖g_e − ḡ‖² from explicit Hessians")
  func hgpPenaltyMatchesExplicitHessians() throws {
    let alignment = try HessianAlignment(estimator: .hessianGradientProduct)
    let penalty: HessianAlignment.Penalty = try withGradients {
      let head = TinyClassifier.head.map { $0.trackingGradients() }
      let losses = (0..<2).map { TinyClassifier.loss($0, body: TinyClassifier.body, head: head) }
      return try alignment.penalty(environmentLosses: losses, head: head)
    }
    let expected = Self.explicitHGPPenalty()
    #expect(Self.close(penalty.gradientTerm.item, expected.gradientTerm, relativeTolerance: 1e-9))
    #expect(Self.close(penalty.curvatureTerm.item, expected.curvatureTerm, relativeTolerance: 1e-9))
    #expect(expected.curvatureTerm > 1e-4 && expected.gradientTerm > 1e-4)
    #expect(
      Self.close(
        penalty.value.item, expected.gradientTerm + expected.curvatureTerm, relativeTolerance: 1e-9)
    )
    let meanLoss =
      (TinyClassifier.loss(0, body: TinyClassifier.body, head: TinyClassifier.head).item
        + TinyClassifier.loss(1, body: TinyClassifier.body, head: TinyClassifier.head).item) / 2
    #expect(Self.close(penalty.meanLoss.item, meanLoss, relativeTolerance: 1e-12))
  }

  @Test("The Hutchinson penalty's curvature term approaches Σ‖diag(H_e) − diag(H̄)‖²")
  func hutchinsonPenaltyMatchesExplicitDiagonals() throws {
    let hessians = [TinyClassifier.headHessian(0), TinyClassifier.headHessian(1)]
    let diagonals = hessians.map { h in (0..<11).map { entry(h, $0, $0) } }
    var expected = 0.0
    for e in 0..<2 {
      for i in 0..<11 {
        let mean = (diagonals[0][i] + diagonals[1][i]) / 2
        expected += (diagonals[e][i] - mean) * (diagonals[e][i] - mean)
      }
    }
    let alignment = try HessianAlignment(
      estimator: .hutchinson(samples: 2000, key: RandomKey(seed: 9)))
    let penalty: HessianAlignment.Penalty = try withGradients {
      let head = TinyClassifier.head.map { $0.trackingGradients() }
      let losses = (0..<2).map { TinyClassifier.loss($0, body: TinyClassifier.body, head: head) }
      return try alignment.penalty(environmentLosses: losses, head: head)
    }
    #expect(
      Self.close(
        penalty.gradientTerm.item, Self.explicitHGPPenalty().gradientTerm, relativeTolerance: 1e-9))
    // Common probes for all environments: D_e − D̄ is an average of z ⊙ (H_e − H̄) z.
    let error = abs(penalty.curvatureTerm.item - expected) / expected
    #expect(error < 0.15, "curvature term \(penalty.curvatureTerm.item) vs \(expected)")
  }

  @Test("Both penalties are differentiable in the body and the head (finite differences)")
  func penaltiesAreDifferentiable() throws {
    for estimator in [
      HessianAlignment.Estimator.hessianGradientProduct,
      .hutchinson(samples: 3, key: RandomKey(seed: 2)),
    ] {
      let alignment = try HessianAlignment(estimator: estimator)
      let inputs = [TinyClassifier.body] + TinyClassifier.head
      let failure = gradientCheckFailure(inputs, relativeTolerance: 1e-5, absoluteTolerance: 1e-8) {
        xs in
        withGradients {
          let tracked = xs.map { $0.trackingGradients() }
          let head = Array(tracked[1...])
          let losses = (0..<2).map { TinyClassifier.loss($0, body: tracked[0], head: head) }
          return try! alignment.penalty(environmentLosses: losses, head: head).value
        }
      }
      #expect(failure == nil, "\(estimator): \(failure ?? "")")
    }
  }

  @Test("Identical environments have a zero penalty")
  func identicalEnvironmentsHaveZeroPenalty() throws {
    let alignment = try HessianAlignment(estimator: .hessianGradientProduct)
    let value: Double = try withGradients {
      let head = TinyClassifier.head.map { $0.trackingGradients() }
      let loss = TinyClassifier.loss(0, body: TinyClassifier.body, head: head)
      return try alignment.penalty(environmentLosses: [loss, loss, loss], head: head).value.item
    }
    #expect(abs(value) < 1e-24)
  }

  @Test("The IRM annealing: weight 1 before annealIterations, then the weight, and the division")
  func penaltyAnnealing() throws {
    let annealing = try PenaltyAnnealing(annealIterations: 190, penaltyWeight: 1000)
    #expect(try annealing.weight(atStep: 0) == 1)
    #expect(try annealing.weight(atStep: 189) == 1)
    #expect(try annealing.weight(atStep: 190) == 1000)
    let loss = Tensor(2.0, dtype: .float64)
    let penalty = Tensor(0.5, dtype: .float64)
    #expect(Self.close(try annealing.objective(loss: loss, penalty: penalty, step: 10).item, 2.5))
    #expect(
      Self.close(
        try annealing.objective(loss: loss, penalty: penalty, step: 300).item, (2 + 500) / 1000.0))
    let small = try PenaltyAnnealing(annealIterations: 0, penaltyWeight: 0.5)
    #expect(Self.close(try small.objective(loss: loss, penalty: penalty, step: 0).item, 2.25))
    let defaults = try PenaltyAnnealing()
    #expect(defaults.annealIterations == 190 && defaults.penaltyWeight == 91257.18613115903)
  }

  @Test("Bad arguments throw one-line errors naming the value")
  func badArgumentsThrow() throws {
    func message(_ body: () throws -> Void) -> String {
      do {
        try body()
        return ""
      } catch { return "\(error)" }
    }
    let zeroSamples = message {
      _ = try HessianAlignment(estimator: .hutchinson(samples: 0, key: RandomKey(seed: 0)))
    }
    #expect(zeroSamples.contains("got 0"))
    let alignment = try HessianAlignment(estimator: .hessianGradientProduct)
    #expect(
      message { _ = try alignment.penalty(environmentLosses: [], head: TinyClassifier.head) }
        .contains("no environment"))
    let untracked = message {
      let loss = TinyClassifier.loss(0, body: TinyClassifier.body, head: TinyClassifier.head)
      _ = try alignment.penalty(environmentLosses: [loss], head: TinyClassifier.head)
    }
    #expect(untracked.contains("not tracked"))
    let notScalar = message {
      try withGradients {
        let head = TinyClassifier.head.map { $0.trackingGradients() }
        _ = try alignment.penalty(environmentLosses: [head[1]], head: head)
      }
    }
    #expect(notScalar.contains("shape [2]"))
    #expect(
      message { _ = try hessianGradientProduct(of: Tensor(1.0), withRespectTo: []) }.contains(
        "no tensors"))
    #expect(
      message { _ = try PenaltyAnnealing(annealIterations: -1, penaltyWeight: 1) }.contains("-1"))
    #expect(
      message { _ = try PenaltyAnnealing(annealIterations: 1, penaltyWeight: .nan) }.contains("nan")
    )
    #expect(message { _ = try PenaltyAnnealing().weight(atStep: -3) }.contains("-3"))
    for text in [zeroSamples, untracked, notScalar] { #expect(!text.contains("\n")) }
  }
}
