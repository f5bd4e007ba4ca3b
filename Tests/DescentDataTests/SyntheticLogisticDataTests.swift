import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct SyntheticLogisticDataTests {
  /// Labels follow σ(x·w + b): the mean label in bins of the true probability matches the bin's
  /// mean probability, the data replays from its seed, and ‖w‖ is near `signal`.
  @Test func labelsFollowTheLogisticModel() {
    let data = SyntheticData.logisticRegression(count: 20000, features: 10, signal: 3, seed: 5)
    #expect(data.features.shape == [20000, 10] && data.targets.shape == [20000])
    let x = data.features.doubles
    let y = data.targets.doubles
    #expect(y.allSatisfy { $0 == 0 || $0 == 1 })
    var sums = [Double](repeating: 0, count: 5)
    var labels = sums
    var counts = sums
    for i in 0..<20000 {
      let logit = data.bias + (0..<10).map { x[10 * i + $0] * data.weights[$0] }.reduce(0, +)
      let p = 1 / (1 + exp(-logit))
      let bin = min(4, Int(p * 5))
      sums[bin] += p
      labels[bin] += y[i]
      counts[bin] += 1
    }
    for bin in 0..<5 where counts[bin] > 500 {
      let p = sums[bin] / counts[bin]
      let standardError = (p * (1 - p) / counts[bin]).squareRoot()
      #expect(abs(labels[bin] / counts[bin] - p) < 5 * standardError + 0.005, "bin \(bin)")
    }
    let norm = data.weights.map { $0 * $0 }.reduce(0, +).squareRoot()
    #expect(norm > 1.5 && norm < 4.5)
    let again = SyntheticData.logisticRegression(count: 20000, features: 10, signal: 3, seed: 5)
    #expect(again.features.doubles == data.features.doubles)
    #expect(again.targets.doubles == data.targets.doubles)
  }
}
