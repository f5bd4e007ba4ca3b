/// Global magnitude pruning: zero the alive weights of smallest |w| until the vector reaches the
/// target sparsity, leaving the rest unchanged. The baseline of M-FAC's pruning experiments
/// (IST-DASLab/M-FAC `main_prun.py`, `MagPruner`: one global ranking over all pruned tensors).
///
/// Pruning in several steps gives the same result as one step (the ranking of the remaining
/// weights does not change), so there is no recomputation schedule.
public enum MagnitudePruning {
  /// `state` pruned to `sparsity` (a fraction in [0, 1] of all entries, counting those already
  /// pruned; ``PrunedWeights/prunedCount(atSparsity:count:)`` entries end up pruned, or the
  /// current count if that is larger).
  public static func prune(_ state: PrunedWeights, toSparsity sparsity: Double) -> PrunedWeights {
    let target = PrunedWeights.prunedCount(atSparsity: sparsity, count: state.weights.count)
    let drop = max(0, target - state.prunedCount)
    var result = state
    for index in state.smallestAlive(drop, by: state.weights.map { abs($0) }) {
      result.weights[index] = 0
      result.mask[index] = false
    }
    return result
  }
}
