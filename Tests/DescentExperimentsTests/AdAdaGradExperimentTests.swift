import Descent
import DescentData
import Foundation
import Testing

@testable import DescentExperiments

/// The adadagrad experiment, quick, on two seeds it was not developed on (it was run on seed 0).
/// Three of the digest's four criteria hold. The fourth — the norm test's test loss within 1.01×
/// the best fixed b = 2 AdaGrad run's — does not reproduce (docs/reproduce/adadagrad.md: 1.05×
/// at the digest's scale, 1.06–1.09× quick, because AdaGrad-Norm's accumulator is dominated by
/// its first two-example step): the test asserts what holds, a ratio in (1, 1.15].
@Suite(.serialized) struct AdAdaGradExperimentTests {
  @Test(arguments: [UInt64(11), 12])
  func quickRunMeetsTheStepAndExactnessCriteria(seed: UInt64) throws {
    let findings = try AdAdaGradExperiment().run(ExperimentContext(seed: seed, quick: true))
    let criteria = Dictionary(uniqueKeysWithValues: findings.criteria.map { ($0.name, $0) })
    #expect(findings.criteria.count == 4)
    let loss = try #require(
      criteria["test loss of the norm test (eta 0.5) / best fixed b=2 AdaGrad's"])
    let steps = try #require(criteria["optimizer steps of the norm test / the fixed b=2 run's"])
    let monotone = try #require(criteria["batch sizes of the norm test are non-decreasing"])
    let exact = try #require(
      criteria["norm-test value vs brute-force float64 formula, max relative difference"])
    #expect(steps.passed, "steps ratio \(steps.measured)")
    #expect(monotone.passed)
    #expect(exact.passed, "brute-force difference \(exact.measured)")
    // The failing criterion: 1.01 is not met, but the norm-test run is within 15% of the
    // baseline's test loss (log 2 ≈ 0.69 at the start, the baseline ≈ 0.33).
    #expect(loss.measured > 1 && loss.measured <= 1.15, "loss ratio \(loss.measured)")
    #expect(findings.figures.count == 2)
    #expect(findings.notes.contains { $0.contains("accumulator") })
  }

  /// The closed-form loss and gradient of the steps equal autodiff's of the same loss.
  @Test func closedFormGradientEqualsAutodiff() {
    let data = SyntheticData.logisticRegression(count: 300, features: 7, seed: 3)
    let problem = AdAdaGradExperiment.LogisticProblem(data: data, trainCount: 200)
    let parameters = ParameterTree([
      ("weight", Tensor((0..<7).map { 0.3 * sin(Double($0)) }, shape: [1, 7], dtype: .float64)),
      ("bias", Tensor([-0.4], shape: [1], dtype: .float64)),
    ])
    let sample = [5, 17, 17, 42, 199, 0, 88]
    let (loss, gradient) = problem.lossAndGradient(parameters, sample)
    let indices = Tensor(indices: sample)
    let x = problem.trainX.indexSelect(axis: 0, indices: indices)
    let y = problem.trainY.indexSelect(axis: 0, indices: indices)
    let (value, expected) = valueAndGrad(
      of: { AdAdaGradExperiment.LogisticProblem.loss($0, x, y) }, at: parameters)
    #expect(abs(loss - value.item) < 1e-14)
    for path in ["weight", "bias"] {
      for (a, b) in zip(gradient[path]!.doubles, expected[path]!.doubles) {
        #expect(abs(a - b) < 1e-14)
      }
    }
  }

  /// The sampler never repeats an example within a batch, and a batch of n is the whole set.
  @Test func epochSamplerBatches() {
    var sampler = AdAdaGradExperiment.EpochSampler(count: 10, seed: 1)
    for size in [3, 3, 3, 4, 10, 7, 10] {
      let batch = sampler.next(size)
      #expect(batch.count == size && Set(batch).count == size)
      if size == 10 { #expect(Set(batch) == Set(0..<10)) }
    }
  }
}
