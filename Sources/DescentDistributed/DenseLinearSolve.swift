/// Small dense solvers in Double for the codes' constructions and decoding vectors (systems of at
/// most a few hundred unknowns; O(m k²) Householder QR, O(k³) elimination).
enum DenseLinearSolve {
  /// Solves the square system `a x = b` by Gaussian elimination with partial pivoting; nil when a
  /// pivot is below `1e-300` (singular).
  static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
    let k = b.count
    var m = a
    var r = b
    for column in 0..<k {
      var pivot = column
      for row in column..<k where abs(m[row][column]) > abs(m[pivot][column]) { pivot = row }
      guard abs(m[pivot][column]) > 1e-300 else { return nil }
      if pivot != column {
        m.swapAt(pivot, column)
        r.swapAt(pivot, column)
      }
      for row in (column + 1)..<k {
        let factor = m[row][column] / m[column][column]
        if factor == 0 { continue }
        for j in column..<k { m[row][j] -= factor * m[column][j] }
        r[row] -= factor * r[column]
      }
    }
    var x = [Double](repeating: 0, count: k)
    for row in stride(from: k - 1, through: 0, by: -1) {
      var s = r[row]
      for j in (row + 1)..<k { s -= m[row][j] * x[j] }
      x[row] = s / m[row][row]
    }
    return x
  }

  /// The least-squares solution of `a x ≈ b` for a full-column-rank `a` (m × k, m ≥ k, given as
  /// rows) by Householder QR, and the residual norm ‖a x − b‖ (recomputed from `a`, not from
  /// the factorization). Nil when a column is numerically dependent.
  static func leastSquares(_ a: [[Double]], _ b: [Double]) -> (x: [Double], residual: Double)? {
    let m = a.count
    guard m > 0 else { return nil }
    let k = a[0].count
    precondition(
      m >= k && b.count == m, "leastSquares: \(m) × \(k) system, \(b.count) right-hand sides")
    var r = a
    var y = b
    for column in 0..<k {
      var norm = 0.0
      for row in column..<m { norm += r[row][column] * r[row][column] }
      norm = norm.squareRoot()
      guard norm > 1e-300 else { return nil }
      let alpha = r[column][column] > 0 ? -norm : norm
      var v = [Double](repeating: 0, count: m - column)
      for row in column..<m { v[row - column] = r[row][column] }
      v[0] -= alpha
      var vv = 0.0
      for e in v { vv += e * e }
      guard vv > 0 else { continue }
      for j in column..<k {
        var dot = 0.0
        for row in column..<m { dot += v[row - column] * r[row][j] }
        let f = 2 * dot / vv
        for row in column..<m { r[row][j] -= f * v[row - column] }
      }
      var dot = 0.0
      for row in column..<m { dot += v[row - column] * y[row] }
      let f = 2 * dot / vv
      for row in column..<m { y[row] -= f * v[row - column] }
    }
    var x = [Double](repeating: 0, count: k)
    for row in stride(from: k - 1, through: 0, by: -1) {
      guard abs(r[row][row]) > 1e-13 * abs(r[0][0]) else { return nil }
      var s = y[row]
      for j in (row + 1)..<k { s -= r[row][j] * x[j] }
      x[row] = s / r[row][row]
    }
    var residual = 0.0
    for row in 0..<m {
      var s = -b[row]
      for j in 0..<k { s += a[row][j] * x[j] }
      residual += s * s
    }
    return (x, residual.squareRoot())
  }
}
