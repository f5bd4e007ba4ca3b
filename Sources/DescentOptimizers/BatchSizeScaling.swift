/// Learning-rate scaling with the batch size, from Granziol, Zohren & Roberts, "Learning Rates as
/// a Function of Batch Size: A Random Matrix Theory Approach to Neural Network Training"
/// (JMLR 2022, arXiv:2006.09092): anchored at a learning rate `lr₀` known to work at batch size
/// `B₀`,
///
/// - `.linear`: `lr(B) = lr₀ · B / B₀` — SGD in the noise-dominated regime;
/// - `.squareRoot`: `lr(B) = lr₀ · √(B / B₀)` — Adam and other adaptive methods.
///
/// Later work finds the best Adam learning rate non-monotone in `B` at large batches, so apply
/// the square-root rule at moderate batch sizes.
public enum BatchSizeScaling {
  public enum Rule: String, Sendable, Codable, CaseIterable {
    case linear, squareRoot
  }

  /// A batch size or learning rate that cannot be scaled.
  public struct InvalidValue: Error, CustomStringConvertible, Equatable {
    public let description: String
  }

  /// The learning rate for `batchSize`, scaled from `reference` by `rule`.
  ///
  /// - Throws: ``InvalidValue`` when a batch size is below 1 or the reference learning rate is not
  ///   positive and finite.
  public static func learningRate(
    forBatchSize batchSize: Int, reference: (batchSize: Int, learningRate: Double), rule: Rule
  ) throws -> Double {
    guard batchSize >= 1 else {
      throw InvalidValue(description: "batch size must be at least 1, got \(batchSize)")
    }
    guard reference.batchSize >= 1 else {
      throw InvalidValue(
        description: "reference batch size must be at least 1, got \(reference.batchSize)")
    }
    guard reference.learningRate > 0, reference.learningRate.isFinite else {
      throw InvalidValue(
        description:
          "reference learning rate must be positive and finite, got \(reference.learningRate)")
    }
    let ratio = Double(batchSize) / Double(reference.batchSize)
    switch rule {
    case .linear: return reference.learningRate * ratio
    case .squareRoot: return reference.learningRate * ratio.squareRoot()
    }
  }

  /// The rule the paper recommends for an optimizer family: linear for SGD (with or without
  /// momentum), square root for adaptive methods.
  public static func recommendedRule(adaptive: Bool) -> Rule { adaptive ? .squareRoot : .linear }
}
