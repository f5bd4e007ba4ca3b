import Descent

/// Per-feature standardization `x' = (x − mean) / std`, with the statistics of a training set,
/// so the same transform can be applied to its test split.
///
/// `std` is the population standard deviation (divide by `n`, as scikit-learn's
/// `StandardScaler`); a constant feature (std 0) gets std 1, so it maps to 0 rather than NaN.
public struct Standardization: Sendable, Codable, Equatable {
  /// Mean of each feature, flattened to `featureCount` values.
  public var mean: [Double]
  /// Standard deviation of each feature (1 where the feature is constant).
  public var std: [Double]

  /// The statistics of `features` (float32 `[N, ...]`), computed in float64.
  public init(fitting features: Tensor) {
    precondition(
      features.dtype == .float32 && features.rank >= 1,
      "Standardization: features must be float32 [N, ...], got \(features.dtype) \(features.shape)")
    let n = features.shape[0]
    let width = features.shape.dropFirst().reduce(1, *)
    var mean = [Double](repeating: 0, count: width)
    var variance = [Double](repeating: 0, count: width)
    features.withUnsafeBufferPointer(as: Float.self) { x in
      for row in 0..<n {
        for j in 0..<width { mean[j] += Double(x[row * width + j]) }
      }
      for j in 0..<width { mean[j] /= Double(max(n, 1)) }
      for row in 0..<n {
        for j in 0..<width {
          let d = Double(x[row * width + j]) - mean[j]
          variance[j] += d * d
        }
      }
    }
    self.mean = mean
    self.std = variance.map { v in
      let s = (v / Double(max(n, 1))).squareRoot()
      return s > 0 ? s : 1
    }
  }

  /// `(features − mean) / std`, row by row.
  public func apply(to features: Tensor) -> Tensor {
    let width = features.shape.dropFirst().reduce(1, *)
    precondition(
      features.dtype == .float32 && width == mean.count,
      "Standardization.apply: expected float32 [N, \(mean.count) values], got \(features.dtype) "
        + "\(features.shape)")
    var out = features
    out.withUnsafeMutableBufferPointer(as: Float.self) { x in
      for i in 0..<x.count {
        let j = i % width
        x[i] = Float((Double(x[i]) - mean[j]) / std[j])
      }
    }
    return out
  }

  /// The data set with standardized features.
  public func apply(to dataset: TensorDataset) -> TensorDataset {
    TensorDataset(
      name: dataset.name, features: apply(to: dataset.features), labels: dataset.labels,
      classCount: dataset.classCount, classNames: dataset.classNames)
  }
}

extension TensorDataset {
  /// This data set with each feature standardized to mean 0 and standard deviation 1, and the
  /// statistics used (apply them to a test split with `Standardization.apply(to:)`).
  public func standardized() -> (dataset: TensorDataset, standardization: Standardization) {
    let standardization = Standardization(fitting: features)
    return (standardization.apply(to: self), standardization)
  }
}

/// Splits `dataset` into a training and a test set, shuffled by
/// ``shuffledIndices(count:seed:epoch:)`` with `seed` (epoch 0): the first `⌈testFraction × n⌉`
/// examples of that order form the test set (scikit-learn's rounding), the rest the training set,
/// each in shuffled order. The same `(dataset, testFraction, seed)` always gives the same split.
public func trainTestSplit(_ dataset: TensorDataset, testFraction: Double, seed: UInt64) -> (
  train: TensorDataset, test: TensorDataset
) {
  precondition(
    testFraction > 0 && testFraction < 1,
    "trainTestSplit: testFraction must be in (0, 1), got \(testFraction)")
  let order = shuffledIndices(count: dataset.count, seed: seed, epoch: 0)
  let testCount = Int((testFraction * Double(dataset.count)).rounded(.up))
  return (
    dataset.subset(Array(order[testCount...]), name: "\(dataset.name)-train"),
    dataset.subset(Array(order[..<testCount]), name: "\(dataset.name)-test")
  )
}
