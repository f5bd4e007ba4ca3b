import Descent
import Foundation

extension SyntheticData {
  /// A well-specified logistic regression problem: features `x ~ N(0, I_features)`, true weights
  /// `w ~ N(0, (signal² / features) I)` (so `‖w‖ ≈ signal`), intercept `b ~ N(0, 0.25)`, and
  /// labels `y ~ Bernoulli(σ(x·w + b))` as 0/1 targets (`[count]`, float32, for
  /// `binaryCrossEntropyWithLogits`). The weights and intercept are returned, so the Bayes risk
  /// is known. Larger `signal` separates the classes more (lower attainable loss).
  public static func logisticRegression(
    count: Int, features: Int, signal: Double = 3, seed: UInt64
  ) -> RegressionData {
    precondition(count >= 0 && features > 0, "logisticRegression: invalid sizes")
    precondition(signal >= 0 && signal.isFinite, "logisticRegression: invalid signal \(signal)")
    var rng = RandomGenerator(seed: seed)
    let scale = signal / Double(features).squareRoot()
    let weights = (0..<features).map { _ in scale * rng.nextNormal() }
    let bias = 0.5 * rng.nextNormal()
    var x: [Float] = []
    var y: [Float] = []
    x.reserveCapacity(count * features)
    for _ in 0..<count {
      var logit = bias
      for j in 0..<features {
        let value = Float(rng.nextNormal())
        x.append(value)
        logit += Double(value) * weights[j]
      }
      y.append(rng.nextUnit() < 1 / (1 + exp(-logit)) ? 1 : 0)
    }
    return RegressionData(
      features: Tensor(scalars: x, shape: [count, features]),
      targets: Tensor(scalars: y, shape: [count]), weights: weights, bias: bias)
  }
}
