import Foundation

extension BatchSizeScaling.Rule {
  /// The exponent `α` of the rule `lr(B) ∝ B^α`: 1 for ``linear``, ½ for ``squareRoot``.
  public var exponent: Double {
    switch self {
    case .linear: return 1
    case .squareRoot: return 0.5
    }
  }
}

extension BatchSizeScaling {
  /// A power law `lr(B) = c · B^α` fitted to measured (batch size, learning rate) pairs.
  public struct PowerLawFit: Sendable, Equatable {
    /// The fitted exponent `α`: the slope of `log lr` against `log B`.
    public let exponent: Double
    /// The fitted prefactor `c`, the learning rate the law gives at `B = 1`.
    public let prefactor: Double
    /// The root-mean-square residual of the fit in natural-log units (0 for an exact power law).
    public let logResidual: Double

    /// The learning rate the fitted law gives at `batchSize`.
    public func learningRate(forBatchSize batchSize: Int) -> Double {
      prefactor * pow(Double(batchSize), exponent)
    }

    /// The rule (``Rule/linear`` or ``Rule/squareRoot``) whose exponent is closest to
    /// ``exponent``.
    public var nearestRule: Rule {
      Rule.allCases.min { abs($0.exponent - exponent) < abs($1.exponent - exponent) }!
    }
  }

  /// The least-squares power law through `(batchSizes[i], learningRates[i])` on log-log axes:
  /// `log lr = log c + α log B`, with `α = cov(log B, log lr) / var(log B)` — the "log-log slope"
  /// by which Granziol, Zohren & Roberts (JMLR 2022, arXiv:2006.09092) compare measured
  /// learning rates with the linear (`α = 1`) and square-root (`α = ½`) rules.
  ///
  /// - Throws: ``InvalidValue`` when the arrays differ in length, a batch size is below 1, a
  ///   learning rate is not positive and finite, or fewer than two distinct batch sizes are given.
  public static func fitPowerLaw(batchSizes: [Int], learningRates: [Double]) throws
    -> PowerLawFit
  {
    guard batchSizes.count == learningRates.count else {
      throw InvalidValue(
        description:
          "\(batchSizes.count) batch sizes for \(learningRates.count) learning rates")
    }
    if let bad = batchSizes.first(where: { $0 < 1 }) {
      throw InvalidValue(description: "batch size must be at least 1, got \(bad)")
    }
    if let bad = learningRates.first(where: { !($0 > 0 && $0.isFinite) }) {
      throw InvalidValue(description: "learning rate must be positive and finite, got \(bad)")
    }
    guard Set(batchSizes).count >= 2 else {
      throw InvalidValue(description: "a power-law fit needs at least two distinct batch sizes")
    }
    let x = batchSizes.map { log(Double($0)) }
    let y = learningRates.map { log($0) }
    let count = Double(x.count)
    let meanX = x.reduce(0, +) / count
    let meanY = y.reduce(0, +) / count
    var covariance = 0.0
    var variance = 0.0
    for (xi, yi) in zip(x, y) {
      covariance += (xi - meanX) * (yi - meanY)
      variance += (xi - meanX) * (xi - meanX)
    }
    let slope = covariance / variance
    let intercept = meanY - slope * meanX
    let squares = zip(x, y).map { xi, yi in pow(yi - intercept - slope * xi, 2) }
    return PowerLawFit(
      exponent: slope, prefactor: exp(intercept),
      logResidual: (squares.reduce(0, +) / count).squareRoot())
  }
}
