import Descent
import Foundation

/// A random linear structural equation model X = XW + E on an Erdős–Rényi DAG, the benchmark of
/// CoLiDE (arXiv:2310.02895, §5) and of NOTEARS / DAGMA, as the reference's `simulate_sem`
/// (SAMiatto/colide `utils.py`) builds it, with this package's seeded generator in place of
/// numpy's and networkx's:
///
/// - every pair i < j is an edge with probability p = 2·edges/(d² − d) (expected `edges` edges),
///   then the nodes are randomly permuted (W = P U Pᵀ);
/// - each edge weight is uniform on [−2, −0.5] or [0.5, 2] (the range chosen with probability ½);
/// - the noise is Gaussian: standard deviation `equalNoiseStd` for every node (EV), or variances
///   uniform on [0.5, 10] (NV);
/// - rows of X are n independent samples, drawn along a topological order.
public struct LinearSEM: Sendable {
  public enum Noise: Sendable, Equatable {
    /// Every node's noise has this standard deviation.
    case equalVariance(std: Double)
    /// Node variances uniform on `[low, high]` (the reference: [0.5, 10]).
    case nonEqualVariance(low: Double, high: Double)
  }

  public let dimension: Int
  /// The true W, d×d row-major, rows = parents.
  public let weights: [Double]
  /// The true noise standard deviation of each node.
  public let noiseStd: [Double]

  /// Draws a DAG with `expectedEdges` edges in expectation over d nodes, its weights and noise
  /// scales from `generator`.
  public init(
    dimension d: Int, expectedEdges: Int, noise: Noise, weightRange: ClosedRange<Double> = 0.5...2,
    using generator: inout RandomGenerator
  ) {
    precondition(d >= 2, "LinearSEM: dimension must be ≥ 2, got \(d)")
    let p = min(1, 2 * Double(expectedEdges) / Double(d * d - d))
    let coins = Tensor.uniform([d * d], dtype: .float64, using: &generator).doubles
    let signs = Tensor.uniform([d * d], dtype: .float64, using: &generator).doubles
    let magnitudes = Tensor.uniform(
      [d * d], low: weightRange.lowerBound, high: weightRange.upperBound, dtype: .float64,
      using: &generator
    ).doubles
    let order = Tensor.permutation(d, using: &generator).ints
    var w = [Double](repeating: 0, count: d * d)
    for a in 0..<d {
      for b in (a + 1)..<d where coins[a * d + b] < p {
        // Upper-triangular edge a → b, relabelled by the permutation.
        let (i, j) = (order[a], order[b])
        w[i * d + j] = (signs[a * d + b] < 0.5 ? -1 : 1) * magnitudes[a * d + b]
      }
    }
    switch noise {
    case .equalVariance(let std):
      noiseStd = [Double](repeating: std, count: d)
    case .nonEqualVariance(let low, let high):
      noiseStd = Tensor.uniform([d], low: low, high: high, dtype: .float64, using: &generator)
        .doubles.map { $0.squareRoot() }
    }
    dimension = d
    weights = w
    self.topologicalOrder = order
  }

  /// The nodes in an order where every parent comes before its children.
  let topologicalOrder: [Int]

  /// The 0/1 adjacency of W.
  public var adjacency: [Int] { weights.map { $0 != 0 ? 1 : 0 } }

  /// The number of edges.
  public var edgeCount: Int { weights.filter { $0 != 0 }.count }

  /// n samples `[n, d]` (float64): Xⱼ = Σᵢ Wᵢⱼ Xᵢ + σⱼ·zⱼ with z standard normal.
  public func sample(_ n: Int, using generator: inout RandomGenerator) -> Tensor {
    let d = dimension
    let z = Tensor.normal([n, d], dtype: .float64, using: &generator).doubles
    var x = [Double](repeating: 0, count: n * d)
    for j in topologicalOrder {
      for r in 0..<n {
        var value = noiseStd[j] * z[r * d + j]
        for i in 0..<d where weights[i * d + j] != 0 { value += weights[i * d + j] * x[r * d + i] }
        x[r * d + j] = value
      }
    }
    return Tensor(scalars: x, shape: [n, d])
  }
}
