import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// Sign binarization with the straight-through and rectified straight-through (ReSTE,
/// arXiv:2308.06689) estimators, against the official `Binary_ReSTE` backward
/// (scripts/golden/make_reste_golden.py).
@Suite struct BinarizationTests {
  struct Case: Decodable {
    var power: Double
    var upstream, output, gradient, forwardEstimate: [Double]
  }
  struct ReSTEGolden: Decodable {
    var reference: String
    var threshold, interval: Double
    var points: [Double]
    var cases: [Case]
  }

  @Test func rectifiedBackwardMatchesTheOfficialCode() throws {
    let golden = try Golden.load("reste", as: ReSTEGolden.self)
    let x = Tensor(golden.points, dtype: .float64)
    for c in golden.cases {
      let estimator = BinarizationEstimator.rectified(
        power: c.power, threshold: golden.threshold, interval: golden.interval)
      let (value, gradient) = vjp(
        of: { $0.binarized(estimator) }, at: x, cotangent: Tensor(c.upstream, dtype: .float64))
      #expect(value.doubles == c.output, "o = \(c.power)")
      #expect(
        mismatch(gradient.doubles, c.gradient, relativeTolerance: 1e-12, absoluteTolerance: 1e-14)
          == nil, "o = \(c.power)")
      #expect(
        mismatch(
          estimator.forwardEstimate(x).doubles, c.forwardEstimate, relativeTolerance: 1e-12,
          absoluteTolerance: 1e-14) == nil, "o = \(c.power)")
    }
  }

  @Test func straightThroughPassesInsideTheUnitInterval() {
    let x = Tensor([-1.5, -1, -0.2, 0, 0.7, 1, 1.01], dtype: .float64)
    let (value, gradient) = vjp(
      of: { $0.binarized(.straightThrough) }, at: x, cotangent: Tensor.ones([7], dtype: .float64))
    #expect(value.doubles == [-1, -1, -1, 0, 1, 1, 1])
    #expect(gradient.doubles == [0, 1, 1, 1, 1, 1, 0])
  }

  /// The layer's weight gradient includes the path through the scale mean|W|:
  /// ḡ_W = g(W)⊙ḡ_b·s + (Σ ḡ_b⊙sign W)·sign(W)/N, with ḡ_b the gradient of the binarized weight.
  @Test func binaryLinearWeightGradientGoesThroughTheScale() {
    let estimator = BinarizationEstimator.rectified(power: 2)
    var layer = BinaryLinear(4, 3, estimator: estimator, dtype: .float64, key: RandomKey(seed: 3))
    layer.weight = testTensor([3, 4], seed: 4, range: -1.2...1.2)
    let x = testTensor([5, 4], seed: 5)
    let c = testTensor([5, 3], seed: 6)
    let g = grad(
      of: { p in (layer.with(parameters: p)(x) * c).sum() }, at: layer.parameters)["weight"]!
    let w = layer.weight
    let s = w.abs().mean()
    let gb = c.transposed().matmul(x.sign())  // ḡ_b = cᵀ b_a
    let expected =
      estimator.gradientScale(w) * gb * s + w.sign() * ((gb * w.sign()).sum() / Double(w.count))
    #expect(mismatch(g, expected, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
    // Forward: sign(x) · (sign(W) mean|W|)ᵀ.
    #expect(
      mismatch(layer(x), x.sign().matmulTransposed(w.sign() * s), relativeTolerance: 1e-12) == nil)
  }

  @Test func fittingErrorFallsAndTheScheduleRises() {
    let w = testTensor([200], seed: 8, range: -1.5...1.5)
    let errors = [1.0, 2, 3, 4].map { BinarizationEstimator.rectified(power: $0).fittingError(w) }
    #expect(zip(errors, errors.dropFirst()).allSatisfy { $0 > $1 })
    #expect(BinarizationEstimator.rectifiedPower(epoch: 0, epochs: 60) == 1)
    #expect(abs(BinarizationEstimator.rectifiedPower(epoch: 60, epochs: 60) - 3) < 1e-12)
    let middle = BinarizationEstimator.rectifiedPower(epoch: 30, epochs: 60)
    #expect(abs(middle - (1 + 2 * (1 - cos(Double.pi / 4)))) < 1e-12)
  }

  /// g is piecewise smooth: away from the segment boundaries the rule's own derivative (what a
  /// second-order pass differentiates) matches finite differences of g.
  @Test func theRuleIsDifferentiableAwayFromItsBoundaries() {
    let estimator = BinarizationEstimator.rectified(power: 3)
    let x = Tensor([-1.3, -0.7, -0.3, 0.2, 0.6, 1.1], dtype: .float64)
    #expect(gradientCheckFailure([x]) { estimator.gradientScale($0[0]) } == nil)
  }
}
