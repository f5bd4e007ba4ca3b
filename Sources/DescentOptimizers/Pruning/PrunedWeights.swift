/// A flat vector of prunable weights and the mask of those still alive: the state that
/// ``MagnitudePruning`` and ``MFACPruner`` take and return.
///
/// Invariant: a weight whose mask entry is false is exactly 0 and stays so (the pruners never
/// revive or move a pruned weight).
public struct PrunedWeights: Sendable, Equatable {
  /// The weights, flattened in a fixed order chosen by the caller (e.g. tree order).
  public var weights: [Double]
  /// true: alive (prunable); false: pruned (the weight is 0).
  public var mask: [Bool]

  /// `weights` with every entry alive.
  public init(weights: [Double]) {
    self.weights = weights
    mask = [Bool](repeating: true, count: weights.count)
  }

  /// `weights` with `mask`; pruned entries are set to 0.
  public init(weights: [Double], mask: [Bool]) {
    precondition(
      weights.count == mask.count,
      "PrunedWeights: \(weights.count) weights but \(mask.count) mask entries")
    self.weights = zip(weights, mask).map { $1 ? $0 : 0 }
    self.mask = mask
  }

  /// The number of pruned entries.
  public var prunedCount: Int { mask.lazy.filter { !$0 }.count }

  /// The fraction of pruned entries (0 for an empty vector).
  public var sparsity: Double {
    weights.isEmpty ? 0 : Double(prunedCount) / Double(weights.count)
  }

  /// The indices of the alive entries, ascending.
  public var aliveIndices: [Int] { mask.indices.filter { mask[$0] } }

  /// How many entries a vector of `count` has pruned at `sparsity`: ⌊sparsity·count⌉ (rounded to
  /// nearest, so that 0.7 × 4736 is 3315 whatever the rounding of the product).
  public static func prunedCount(atSparsity sparsity: Double, count: Int) -> Int {
    precondition(
      (0...1).contains(sparsity), "PrunedWeights: sparsity \(sparsity) must lie in [0, 1]")
    return min(count, Int((sparsity * Double(count)).rounded()))
  }

  /// The alive indices with the `count` smallest `scores` (ties: lower index first), ascending
  /// by score.
  func smallestAlive(_ count: Int, by scores: [Double]) -> [Int] {
    let alive = aliveIndices
    precondition(count <= alive.count, "PrunedWeights: cannot prune \(count) of \(alive.count)")
    return Array(
      alive.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        .prefix(count))
  }
}
