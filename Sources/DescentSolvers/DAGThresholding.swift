/// Post-processing of a continuous DAG estimate into a DAG, as the reference's `to_dag`
/// (SAMiatto/colide `utils.py`, f3697593; the same rule as NOTEARS' and DAGMA's): entries with
/// |Wᵢⱼ| ≤ threshold become 0; while the remaining graph has a cycle, the smallest remaining
/// entry in magnitude is removed (ties in row-major order, as Python's stable `sorted` on
/// `np.where`'s order). Matrices are d×d row-major, rows = parents.
///
/// Cost: O(d²) for the threshold, then O(d²) per removed edge for the acyclicity test (Kahn's
/// algorithm), O(d⁴) at worst.
public enum DAGThresholding {
  /// The thresholded DAG's weights.
  public static func project(_ weights: [Double], dimension d: Int, threshold: Double) -> [Double] {
    precondition(weights.count == d * d, "DAGThresholding: \(weights.count) entries for \(d)×\(d)")
    var a = weights.map { abs($0) <= threshold ? 0 : $0 }
    if isAcyclic(a, dimension: d) { return a }
    let order = a.indices.filter { a[$0] != 0 }.sorted {
      (abs(a[$0]), $0) < (abs(a[$1]), $1)
    }
    for index in order {
      if isAcyclic(a, dimension: d) { break }
      a[index] = 0
    }
    return a
  }

  /// The 0/1 adjacency matrix of ``project(_:dimension:threshold:)``.
  public static func adjacency(_ weights: [Double], dimension d: Int, threshold: Double) -> [Int] {
    project(weights, dimension: d, threshold: threshold).map { $0 != 0 ? 1 : 0 }
  }

  /// Whether the graph with an edge i → j wherever `matrix[i * d + j] ≠ 0` has no directed
  /// cycle (self-loops are cycles).
  public static func isAcyclic(_ matrix: [Double], dimension d: Int) -> Bool {
    var indegree = [Int](repeating: 0, count: d)
    for i in 0..<d {
      for j in 0..<d where matrix[i * d + j] != 0 { indegree[j] += 1 }
    }
    var ready = (0..<d).filter { indegree[$0] == 0 }
    var visited = 0
    while let i = ready.popLast() {
      visited += 1
      for j in 0..<d where matrix[i * d + j] != 0 {
        indegree[j] -= 1
        if indegree[j] == 0 { ready.append(j) }
      }
    }
    return visited == d
  }
}
