import Descent
import Foundation

/// A binary classification problem drawn from a planted logistic model, with its true
/// coefficients: what `SyntheticData.plantedLogisticRegression` returns.
public struct LogisticRegressionProblem: Sendable {
  /// Features float32 `[count, features]`, labels int32 `[count]` in {0, 1}.
  public var dataset: TensorDataset
  /// The planted coefficients `w*` (`[features]`) and intercept `b*`.
  public var weights: [Double]
  public var bias: Double
}

extension SyntheticData {
  /// A logistic-regression problem (as in the synthetic suites of the schedule literature, e.g.
  /// Defazio et al., arXiv:2310.07831): features `xᵢⱼ ~ N(0, sⱼ²)` with scales decaying
  /// geometrically from 1 to `1/√conditionNumber`, `sⱼ = conditionNumber^(−j / (2(F − 1)))`, so
  /// that the feature covariance has condition number `conditionNumber`; coefficients
  /// `w* = signal · u / √(Σⱼ sⱼ² uⱼ²)` with `u ~ N(0, I)`, so that the logit `x·w*` has standard
  /// deviation `signal`; intercept `b* ~ U[−0.5, 0.5]`; labels `yᵢ ~ Bernoulli(σ(xᵢ·w* + b*))`.
  /// A large `signal` gives nearly separable classes, a small one heavily overlapping ones.
  /// A pure function of its arguments (uniforms from the core's `RandomGenerator`, Box–Muller
  /// normals): the same seed gives the same problem on every machine.
  ///
  /// - Precondition: `count ≥ 1`, `features ≥ 1`, `conditionNumber ≥ 1`, `signal ≥ 0`.
  public static func plantedLogisticRegression(
    count: Int, features: Int, conditionNumber: Double = 1, signal: Double = 2, seed: UInt64
  ) -> LogisticRegressionProblem {
    precondition(count >= 1 && features >= 1, "logisticRegression: invalid sizes")
    precondition(
      conditionNumber >= 1 && conditionNumber.isFinite,
      "logisticRegression: conditionNumber must be ≥ 1, got \(conditionNumber)")
    precondition(
      signal >= 0 && signal.isFinite, "logisticRegression: signal must be ≥ 0, got \(signal)")
    var rng = RandomGenerator(seed: seed)
    let scales = (0..<features).map { j in
      features == 1 ? 1 : pow(conditionNumber, -Double(j) / Double(2 * (features - 1)))
    }
    let direction = (0..<features).map { _ in rng.nextNormal() }
    let spread = zip(scales, direction).reduce(0.0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 }
      .squareRoot()
    let weights = direction.map { spread > 0 ? signal * $0 / spread : 0 }
    let bias = rng.nextUnit() - 0.5
    var x: [Float] = []
    x.reserveCapacity(count * features)
    var labels: [Int32] = []
    labels.reserveCapacity(count)
    for _ in 0..<count {
      var logit = bias
      for j in 0..<features {
        let value = Float(scales[j] * rng.nextNormal())
        x.append(value)
        logit += Double(value) * weights[j]
      }
      labels.append(rng.nextUnit() < 1 / (1 + exp(-logit)) ? 1 : 0)
    }
    return LogisticRegressionProblem(
      dataset: TensorDataset(
        name: "logistic-regression", features: Tensor(scalars: x, shape: [count, features]),
        labels: Tensor(scalars: labels, shape: [count]), classCount: 2),
      weights: weights, bias: bias)
  }
}
