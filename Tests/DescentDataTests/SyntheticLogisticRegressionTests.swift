import Descent
import DescentData
import Foundation
import Testing

@Suite struct SyntheticLogisticRegressionTests {
  @Test func isSeededAndShapedAsAsked() {
    let a = SyntheticData.plantedLogisticRegression(count: 200, features: 5, seed: 4)
    let b = SyntheticData.plantedLogisticRegression(count: 200, features: 5, seed: 4)
    #expect(a.dataset.features.shape == [200, 5] && a.dataset.labels.shape == [200])
    #expect(a.dataset.classCount == 2)
    #expect(a.dataset.features.floats == b.dataset.features.floats)
    #expect(a.dataset.labels.scalars(as: Int32.self) == b.dataset.labels.scalars(as: Int32.self))
    #expect(a.weights == b.weights && a.bias == b.bias)
    let c = SyntheticData.plantedLogisticRegression(count: 200, features: 5, seed: 5)
    #expect(c.dataset.features.floats != a.dataset.features.floats)
  }

  @Test func featureScalesGiveTheConditionNumber() {
    let count = 20_000
    let problem = SyntheticData.plantedLogisticRegression(
      count: count, features: 3, conditionNumber: 100, seed: 7)
    let x = problem.dataset.features.floats.map(Double.init)
    let variances = (0..<3).map { j in
      stride(from: j, to: x.count, by: 3).reduce(0.0) { $0 + x[$1] * x[$1] } / Double(count)
    }
    // Scales 1, 0.1^(1/2), 0.1: variances 1, 0.1, 0.01 (to sampling error, about 2 %).
    for (measured, expected) in zip(variances, [1.0, 0.1, 0.01]) {
      #expect(abs(measured / expected - 1) < 0.05, "\(variances)")
    }
  }

  @Test func labelsFollowThePlantedLogisticModel() {
    let count = 20_000
    let problem = SyntheticData.plantedLogisticRegression(
      count: count, features: 4, conditionNumber: 10, signal: 3, seed: 9)
    let x = problem.dataset.features.floats.map(Double.init)
    let y = problem.dataset.labels.scalars(as: Int32.self)
    var logits: [Double] = []
    var meanProbability = 0.0
    for i in 0..<count {
      var z = problem.bias
      for j in 0..<4 { z += x[4 * i + j] * problem.weights[j] }
      logits.append(z)
      meanProbability += 1 / (1 + exp(-z))
    }
    meanProbability /= Double(count)
    let positives = Double(y.count { $0 == 1 }) / Double(count)
    // The share of positive labels matches the model's mean probability (sampling error ≈ 0.4 %).
    #expect(abs(positives - meanProbability) < 0.015)
    // The logit's standard deviation is the signal (3), to sampling error.
    let mean = logits.reduce(0, +) / Double(count)
    let sd = (logits.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
    #expect(abs(sd - 3) < 0.1)
    // Labels agree with the sign of the planted logit far more often than chance.
    let agree = zip(logits, y).count { ($0 > 0) == ($1 == 1) }
    #expect(Double(agree) / Double(count) > 0.75)
  }
}
