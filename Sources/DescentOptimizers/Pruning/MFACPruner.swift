import Foundation

/// One-shot Optimal-Brain-Surgeon pruning with M-FAC's inverse empirical Fisher: the pruner of
/// Frantar, Kurtic & Alistarh, "M-FAC: Efficient Matrix-Free Approximations of Second-Order
/// Information" (NeurIPS 2021, arXiv:2107.03356), §3 and §5, as the reference code runs it
/// (IST-DASLab/M-FAC `main_prun.py`, `MFACPruner.prune`, with the full static inverse of
/// `prun.py`, `HInvFastSwap`).
///
/// One pruning step at weights w (alive set A, target: k more pruned entries):
///
/// ```
/// g₁…gₘ  ← m gradients of the loss at w (the caller's: mini-batch or per-example), restricted to A
/// F̂      = λI + (1/m) Σᵢ gᵢgᵢᵀ  over A, held as ``MFACStaticInverseFisher``
/// ρ_q    = w_q² / (2 [F̂⁻¹]_qq)            (OBS saliency: the loss increase of zeroing q alone)
/// P      ← the k alive q of smallest ρ_q
/// if compensating:  w_A ← w_A + F̂⁻¹ t,  t_q = −w_q / [F̂⁻¹]_qq for q ∈ P, 0 elsewhere
/// w_q    ← 0, q ∈ P;  A ← A ∖ P
/// ```
///
/// The compensating update is the sum of the single-weight OBS updates
/// δw = −(w_q / [F̂⁻¹]_qq) F̂⁻¹e_q of the pruned weights (each exact for removing its weight
/// alone; their interaction is ignored, as in the reference). Without it (`compensating: false`)
/// only the scores are used: OBS ranking, the other weights unchanged.
///
/// ``prune(_:toSparsity:gradients:)`` reaches the target in `recomputations` steps of geometric
/// density, density after step j = (1 − s₀)·((1 − s)/(1 − s₀))^(j/R), drawing fresh gradients at
/// the updated weights before each step (the reference's `nrecomps`, default 16): with one step,
/// the many simultaneous single-weight updates would overshoot.
///
/// Defaults are the reference's: damping λ = 1e-5 (`--prundamp`), 16 recomputations; the
/// reference collects m = 64 mini-batch gradients of batch 32 per step (`--ngrads_schedule`,
/// `--prun_batchsize`), which is the caller's choice here. Deviations: the reference's default
/// `--blocksize 128` (block-diagonal F̂) is not implemented — this is its full version
/// (`--blocksize -1`); the per-step prune count rounds the target to nearest instead of
/// truncating the product (see ``PrunedWeights/prunedCount(atSparsity:count:)``), so the final
/// sparsity is exact; the reference's gradient loop stops one batch early (it fills m − 1 rows
/// and leaves the last zero), here all m gradients are the caller's.
///
/// Cost per step: O(|A|·m²) for the inverse, O(|A|·m) for the diagonal and the update, plus the
/// caller's m gradients; memory m·|A| doubles.
public struct MFACPruner: Sendable {
  /// λ of F̂ = λI + (1/m) Σ gᵢgᵢᵀ.
  public var damping: Double
  /// R: the number of pruning steps (each with fresh gradients) from the current sparsity to
  /// the target.
  public var recomputations: Int
  /// Apply OBS's compensating update to the remaining weights (the paper's pruner); false ranks
  /// by the OBS scores only.
  public var compensating: Bool

  public init(damping: Double = 1e-5, recomputations: Int = 16, compensating: Bool = true) {
    precondition(damping > 0 && damping.isFinite, "MFACPruner: damping \(damping) must be > 0")
    precondition(recomputations >= 1, "MFACPruner: recomputations \(recomputations) must be ≥ 1")
    self.damping = damping
    self.recomputations = recomputations
    self.compensating = compensating
  }

  /// The inverse empirical Fisher over the alive entries of `state`, from `gradients` (each over
  /// all entries of `state.weights`; pruned entries are dropped).
  public func inverse(_ state: PrunedWeights, gradients: [[Double]]) -> MFACStaticInverseFisher {
    let alive = state.aliveIndices
    let restricted = gradients.map { g in
      precondition(
        g.count == state.weights.count,
        "MFACPruner: gradient has \(g.count) entries, the weights \(state.weights.count)")
      return alive.map { g[$0] }
    }
    return MFACStaticInverseFisher(gradients: restricted, damping: damping)
  }

  /// The OBS scores ρ_q = w_q² / (2 [F̂⁻¹]_qq) of every entry (+∞ for pruned ones, which cannot
  /// be pruned again), F̂ from `gradients` at `state`.
  public func scores(_ state: PrunedWeights, gradients: [[Double]]) -> [Double] {
    let alive = state.aliveIndices
    var result = [Double](repeating: .infinity, count: state.weights.count)
    let local = inverse(state, gradients: gradients).pruningScores(
      weights: alive.map { state.weights[$0] })
    for (position, index) in alive.enumerated() { result[index] = local[position] }
    return result
  }

  /// One pruning step from `state` to `sparsity` with F̂ from `gradients` taken at
  /// `state.weights` (see the type's doc comment).
  public func step(
    _ state: PrunedWeights, toSparsity sparsity: Double, gradients: [[Double]]
  ) -> PrunedWeights {
    let target = PrunedWeights.prunedCount(atSparsity: sparsity, count: state.weights.count)
    let drop = max(0, target - state.prunedCount)
    guard drop > 0 else { return state }
    let alive = state.aliveIndices
    let inverse = inverse(state, gradients: gradients)
    let diagonal = inverse.inverseDiagonal
    var scores = [Double](repeating: .infinity, count: state.weights.count)
    for (position, index) in alive.enumerated() {
      let w = state.weights[index]
      scores[index] = w * w / (2 * diagonal[position])
    }
    let pruned = state.smallestAlive(drop, by: scores)
    var result = state
    if compensating {
      var position = [Int](repeating: -1, count: state.weights.count)
      for (p, index) in alive.enumerated() { position[index] = p }
      var t = [Double](repeating: 0, count: alive.count)
      for index in pruned { t[position[index]] = -state.weights[index] / diagonal[position[index]] }
      let update = inverse.multiply(t)
      for (p, index) in alive.enumerated() { result.weights[index] += update[p] }
    }
    for index in pruned {
      result.weights[index] = 0
      result.mask[index] = false
    }
    return result
  }

  /// `state` pruned to `sparsity` in ``recomputations`` steps of geometrically decreasing
  /// density; `gradients(current)` returns the m gradients (each over all entries) at the
  /// current weights before each step.
  public func prune(
    _ state: PrunedWeights, toSparsity sparsity: Double,
    gradients: (PrunedWeights) throws -> [[Double]]
  ) rethrows -> PrunedWeights {
    precondition((0...1).contains(sparsity), "MFACPruner: sparsity \(sparsity) not in [0, 1]")
    let start = state.sparsity
    guard sparsity > start else { return state }
    let factor = (1 - sparsity) / (1 - start)
    var current = state
    for j in 1...recomputations {
      let density =
        j == recomputations
        ? 1 - sparsity
        : (1 - start) * pow(factor, Double(j) / Double(recomputations))
      let target = min(1, max(0, 1 - density))
      if PrunedWeights.prunedCount(atSparsity: target, count: current.weights.count)
        <= current.prunedCount
      {
        continue
      }
      current = step(current, toSparsity: target, gradients: try gradients(current))
    }
    return current
  }
}
