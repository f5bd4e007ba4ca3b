import Descent

/// Builds ``BatchGradientStatistics`` from per-example gradients that arrive in micro-batches
/// (`[b_m, d]` matrices, as `perExampleGradients` of DescentCurvature delivers them chunk by
/// chunk), keeping `O(d)` numbers, never the gradients:
///
/// 1. ``add(_:)`` every micro-batch: a ``WelfordStatistics`` of the gradients gives `ḡ` and
///    `Σⱼ Var(g_ij)`; summaries of other workers merge in with ``merge(_:)``.
/// 2. ``finishMeans()``: `ḡ` is now fixed.
/// 3. Only for the inner-product and orthogonality tests: ``addProjections(_:)`` every
///    micro-batch again (the same examples, in any order and split): Welford summaries of the
///    per-block inner products `⟨gᵢ⁽ᵖ⁾, ḡ⁽ᵖ⁾⟩` and of the orthogonal parts. These need `ḡ`, hence
///    the second pass (the official distributed code also reduces `ḡ` before the projections).
/// 4. ``statistics()``.
///
/// Merging is by the law of total variance (Chan et al. 1979), exact for any split.
public struct BatchGradientAccumulator: Sendable {
  /// The blocks of the flat gradient over which inner products are taken.
  public let blocks: [Range<Int>]
  private var gradients: WelfordStatistics
  private var innerProducts: WelfordStatistics
  private var orthogonalParts: WelfordStatistics
  private var fixedMean: [Double]?
  private var blockSquaredNorms: [Double] = []

  /// An accumulator for gradients of `dimension` coordinates; `blocks` (nil: one block of all of
  /// them) must be disjoint, in order, and cover `0..<dimension`.
  public init(dimension: Int, blocks: [Range<Int>]? = nil) {
    let blocks = blocks ?? [0..<dimension]
    var next = 0
    for block in blocks {
      precondition(
        block.lowerBound == next,
        "BatchGradientAccumulator: blocks must cover 0..<\(dimension) in order, got \(blocks)")
      next = block.upperBound
    }
    precondition(
      next == dimension,
      "BatchGradientAccumulator: blocks must cover 0..<\(dimension) in order, got \(blocks)")
    self.blocks = blocks
    gradients = WelfordStatistics(dimension: dimension)
    innerProducts = WelfordStatistics(dimension: blocks.count)
    orthogonalParts = WelfordStatistics(dimension: dimension)
  }

  /// The number of coordinates `d`.
  public var dimension: Int { gradients.dimension }
  /// The number of examples added in the first pass.
  public var count: Int { gradients.count }

  /// First pass: adds a micro-batch of per-example gradients (`[b_m, d]`).
  public mutating func add(_ perExampleGradients: Tensor) {
    precondition(fixedMean == nil, "BatchGradientAccumulator: add after finishMeans()")
    gradients.add(rows: perExampleGradients)
  }

  /// First pass: merges the summary of another accumulator's examples (another worker's).
  public mutating func merge(_ other: BatchGradientAccumulator) {
    precondition(
      fixedMean == nil && other.fixedMean == nil,
      "BatchGradientAccumulator: merge the first passes, before finishMeans()")
    precondition(
      other.blocks == blocks, "BatchGradientAccumulator: merging accumulators of other blocks")
    gradients.merge(other.gradients)
  }

  /// Ends the first pass: `ḡ` is fixed for the projections.
  public mutating func finishMeans() {
    precondition(count >= 2, "BatchGradientAccumulator: needs at least two examples, has \(count)")
    let mean = gradients.mean
    fixedMean = mean
    blockSquaredNorms = blocks.map { block in block.reduce(0) { $0 + mean[$1] * mean[$1] } }
  }

  /// The batch gradient `ḡ` (after ``finishMeans()``).
  public var meanGradient: [Double] {
    guard let fixedMean else {
      preconditionFailure("BatchGradientAccumulator: meanGradient before finishMeans()")
    }
    return fixedMean
  }

  /// Second pass: adds the projections of a micro-batch (`[b_m, d]`) onto `ḡ`.
  public mutating func addProjections(_ perExampleGradients: Tensor) {
    guard let mean = fixedMean else {
      preconditionFailure("BatchGradientAccumulator: addProjections before finishMeans()")
    }
    precondition(
      perExampleGradients.rank == 2 && perExampleGradients.shape[1] == dimension,
      "BatchGradientAccumulator: gradients \(perExampleGradients.shape), expected "
        + "[b, \(dimension)]")
    let rows = perExampleGradients.shape[0]
    let values = perExampleGradients.doubles
    var products = [Double](repeating: 0, count: blocks.count)
    var orthogonal = [Double](repeating: 0, count: dimension)
    for i in 0..<rows {
      let base = i * dimension
      for (p, block) in blocks.enumerated() {
        var product = 0.0
        for j in block { product += values[base + j] * mean[j] }
        products[p] = product
        let scale = blockSquaredNorms[p] > 0 ? product / blockSquaredNorms[p] : 0
        for j in block { orthogonal[j] = values[base + j] - scale * mean[j] }
      }
      innerProducts.add(products)
      orthogonalParts.add(orthogonal)
    }
  }

  /// Second pass: merges another accumulator's projections (another worker's, with the same
  /// ``finishMeans()`` mean).
  public mutating func mergeProjections(_ other: BatchGradientAccumulator) {
    precondition(
      fixedMean != nil && other.fixedMean == fixedMean,
      "BatchGradientAccumulator: merging projections onto another mean")
    innerProducts.merge(other.innerProducts)
    orthogonalParts.merge(other.orthogonalParts)
  }

  /// The statistics; the projected ones are nil unless the second pass saw every example of the
  /// first.
  public func statistics() -> BatchGradientStatistics {
    guard let mean = fixedMean else {
      preconditionFailure("BatchGradientAccumulator: statistics() before finishMeans()")
    }
    let projected = innerProducts.count == count
    precondition(
      innerProducts.count == 0 || projected,
      "BatchGradientAccumulator: the second pass saw \(innerProducts.count) of \(count) examples")
    return BatchGradientStatistics(
      batchSize: count, meanGradient: mean, varianceSum: gradients.varianceSum(),
      innerProductVariance: projected ? innerProducts.varianceSum() : nil,
      orthogonalVarianceSum: projected ? orthogonalParts.varianceSum() : nil)
  }
}
