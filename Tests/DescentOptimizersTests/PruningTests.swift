import DescentOptimizers
import Foundation
import Testing

/// `PrunedWeights`, `MagnitudePruning` and `MFACPruner` (M-FAC's one-shot OBS pruning), checked
/// against a dense computation: on the quadratic L(w) = ½(w − w*)ᵀF̂(w − w*) whose Hessian is the
/// pruner's own F̂ = λI + (1/m) Σ gᵢgᵢᵀ, the Optimal-Brain-Surgeon step is exact, so the loss it
/// costs to prune weight q must equal its score ρ_q = w_q² / (2[F̂⁻¹]_qq), and the compensated
/// weights must minimize L subject to w_q = 0.
@Suite struct PruningTests {
  static func gradients(_ m: Int, _ d: Int, seed: UInt64) -> [[Double]] {
    var rng = SplitMix64(state: seed)
    return (0..<m).map { _ in rng.values(d) }
  }

  /// F̂ over the coordinates `keep`, dense.
  static func fisher(_ g: [[Double]], damping: Double, keep: [Int]) -> [[Double]] {
    keep.map { i in
      keep.map { j in
        (i == j ? damping : 0) + g.reduce(0) { $0 + $1[i] * $1[j] } / Double(g.count)
      }
    }
  }

  /// The inverse of a small symmetric positive-definite matrix (Gauss–Jordan).
  static func inverse(_ a: [[Double]]) -> [[Double]] {
    let n = a.count
    var m = a.map { $0 + [Double](repeating: 0, count: n) }
    for i in 0..<n { m[i][n + i] = 1 }
    for c in 0..<n {
      let pivot = m[c][c]
      m[c] = m[c].map { $0 / pivot }
      for r in 0..<n where r != c {
        let f = m[r][c]
        for k in 0..<(2 * n) { m[r][k] -= f * m[c][k] }
      }
    }
    return m.map { Array($0[n...]) }
  }

  static func quadratic(_ f: [[Double]], _ w: [Double], _ optimum: [Double]) -> Double {
    let e = zip(w, optimum).map { $0 - $1 }
    var total = 0.0
    for i in e.indices { for j in e.indices { total += e[i] * f[i][j] * e[j] } }
    return total / 2
  }

  @Test func prunedWeightsCountsAndZeroesPrunedEntries() {
    let state = PrunedWeights(weights: [1, -2, 3, 4], mask: [true, false, true, false])
    #expect(state.weights == [1, 0, 3, 0])
    #expect(state.prunedCount == 2 && state.sparsity == 0.5 && state.aliveIndices == [0, 2])
    #expect(PrunedWeights.prunedCount(atSparsity: 0.7, count: 4736) == 3315)
    #expect(PrunedWeights.prunedCount(atSparsity: 0.9, count: 10) == 9)
    #expect(PrunedWeights.prunedCount(atSparsity: 1, count: 7) == 7)
  }

  @Test func magnitudePruningDropsTheSmallestMagnitudesGlobally() {
    let dense = PrunedWeights(weights: [0.5, -0.1, 2, -3, 0.2, 0.1, 1])
    let half = MagnitudePruning.prune(dense, toSparsity: 3.0 / 7)
    // |w| ranks: 0.1 (index 1), 0.1 (index 5, tie: lower index first), 0.2, 0.5, 1, 2, 3.
    #expect(half.mask == [true, false, true, true, false, false, true])
    #expect(half.weights == [0.5, 0, 2, -3, 0, 0, 1])
    // In two steps: the same result as in one.
    let twoSteps = MagnitudePruning.prune(
      MagnitudePruning.prune(dense, toSparsity: 2.0 / 7), toSparsity: 5.0 / 7)
    #expect(twoSteps == MagnitudePruning.prune(dense, toSparsity: 5.0 / 7))
    #expect(twoSteps.weights == [0, 0, 2, -3, 0, 0, 0])
    // A lower target than the current sparsity changes nothing.
    #expect(MagnitudePruning.prune(half, toSparsity: 0.1) == half)
  }

  /// One OBS step at the optimum of the quadratic, with one entry already pruned: the pruned q is
  /// the dense argmin of ρ, the loss rises by exactly ρ_q, and the compensated weights satisfy the
  /// constrained optimality condition (zero gradient on every other alive coordinate).
  @Test(arguments: [false, true]) func obsStepIsExactOnTheQuadraticOfItsFisher(prePruned: Bool) {
    let d = 7, m = 4, damping = 0.05
    let g = Self.gradients(m, d, seed: prePruned ? 21 : 20)
    var rng = SplitMix64(state: 99)
    var mask = [Bool](repeating: true, count: d)
    if prePruned { mask[3] = false }
    let start = PrunedWeights(weights: rng.values(d), mask: mask)
    let alive = start.aliveIndices
    let f = Self.fisher(g, damping: damping, keep: alive)
    let fInverse = Self.inverse(f)
    let w = alive.map { start.weights[$0] }
    let rho = alive.indices.map { w[$0] * w[$0] / (2 * fInverse[$0][$0]) }
    let expected = rho.indices.min { rho[$0] < rho[$1] }!

    let pruner = MFACPruner(damping: damping, recomputations: 1)
    let scores = pruner.scores(start, gradients: g)
    for (p, index) in alive.enumerated() {
      #expect(abs(scores[index] - rho[p]) <= 1e-12 * rho[p])
    }
    if prePruned { #expect(scores[3] == .infinity) }

    let sparsity = Double(start.prunedCount + 1) / Double(d)
    let result = pruner.step(start, toSparsity: sparsity, gradients: g)
    #expect(result.prunedCount == start.prunedCount + 1)
    #expect(!result.mask[alive[expected]] && result.weights[alive[expected]] == 0)
    if prePruned { #expect(!result.mask[3] && result.weights[3] == 0) }
    let after = alive.map { result.weights[$0] }
    let increase = Self.quadratic(f, after, w)
    #expect(abs(increase - rho[expected]) <= 1e-9 * rho[expected])
    for i in alive.indices where i != expected {
      let gradient = alive.indices.reduce(0) { $0 + f[i][$1] * (after[$1] - w[$1]) }
      #expect(abs(gradient) <= 1e-9 * (abs(w[expected]) * abs(f[i][expected]) + 1e-12))
    }

    // Scores only: the same weight goes, the others stay, and the loss rises by ½w_q²F_qq ≥ ρ_q.
    let plain = MFACPruner(damping: damping, recomputations: 1, compensating: false)
    let ranked = plain.step(start, toSparsity: sparsity, gradients: g)
    var unchanged = start
    unchanged.weights[alive[expected]] = 0
    unchanged.mask[alive[expected]] = false
    #expect(ranked == unchanged)
    let plainIncrease = Self.quadratic(f, alive.map { ranked.weights[$0] }, w)
    #expect(abs(plainIncrease - w[expected] * w[expected] * f[expected][expected] / 2) <= 1e-12)
    #expect(plainIncrease >= increase)
  }

  /// The recomputation schedule: R steps of geometric density, each with fresh gradients taken at
  /// the current weights, ending at exactly the target count; pruned weights stay zero.
  @Test func pruneReachesTheTargetInRecomputedSteps() {
    let d = 40, m = 6
    var rng = SplitMix64(state: 5)
    let dense = PrunedWeights(weights: rng.values(d))
    var seen: [PrunedWeights] = []
    let pruner = MFACPruner(damping: 1e-3, recomputations: 4)
    let result = pruner.prune(dense, toSparsity: 0.75) { state in
      seen.append(state)
      return Self.gradients(m, d, seed: UInt64(seen.count))
    }
    #expect(result.prunedCount == 30)
    #expect(seen.count == 4)
    // Densities 0.25^(j/4) = 0.707, 0.5, 0.354, 0.25: 12, 20, 26, 30 pruned after step j.
    #expect(seen.map(\.prunedCount) == [0, 12, 20, 26])
    for (earlier, later) in zip(seen, seen.dropFirst() + [result]) {
      for k in 0..<d where !earlier.mask[k] { #expect(!later.mask[k] && later.weights[k] == 0) }
    }
    let unchanged = pruner.prune(result, toSparsity: 0.5) { _ in
      Issue.record("gradients asked for although nothing is to be pruned")
      return []
    }
    #expect(unchanged == result)
  }
}
