import Foundation

/// LU factorization with partial (row) pivoting of a small dense square matrix, PA = LU, in
/// float64 on a row-major `[Double]`: the determinant's log-magnitude and the inverse, as
/// LAPACK's `dgetrf` / `dgetri` give them to numpy's `slogdet` and scipy's `inv`.
///
/// Meant for the d×d matrices of DAG learning (d up to a few hundred): O(d³) time, d² memory,
/// no BLAS. A zero pivot marks the matrix singular (`isSingular`); `inverse()` is then `nil`.
struct SquareMatrixLU {
  let dimension: Int
  /// L (unit lower, below the diagonal) and U (upper, with the diagonal) packed row-major.
  private var factors: [Double]
  /// `pivots[k]`: the row swapped with row k at step k.
  private var pivots: [Int]
  private(set) var isSingular = false

  init(_ matrix: [Double], dimension d: Int) {
    precondition(matrix.count == d * d, "SquareMatrixLU: \(matrix.count) entries for \(d)×\(d)")
    dimension = d
    factors = matrix
    pivots = Array(0..<d)
    for k in 0..<d {
      var p = k
      var largest = abs(factors[k * d + k])
      for i in (k + 1)..<d where abs(factors[i * d + k]) > largest {
        largest = abs(factors[i * d + k])
        p = i
      }
      pivots[k] = p
      if p != k {
        for j in 0..<d { factors.swapAt(k * d + j, p * d + j) }
      }
      let pivot = factors[k * d + k]
      if pivot == 0 {
        isSingular = true
        continue
      }
      for i in (k + 1)..<d {
        let l = factors[i * d + k] / pivot
        factors[i * d + k] = l
        if l != 0 {
          for j in (k + 1)..<d { factors[i * d + j] -= l * factors[k * d + j] }
        }
      }
    }
  }

  /// log |det A| (−∞ when singular).
  var logAbsDeterminant: Double {
    var sum = 0.0
    for k in 0..<dimension { sum += log(abs(factors[k * dimension + k])) }
    return sum
  }

  /// A⁻¹ row-major, solving LU x = P eⱼ column by column; `nil` when A is singular.
  func inverse() -> [Double]? {
    if isSingular { return nil }
    let d = dimension
    var result = [Double](repeating: 0, count: d * d)
    var column = [Double](repeating: 0, count: d)
    // P as a permutation of 0..<d: row i of PA is row perm[i] of A.
    var perm = Array(0..<d)
    for k in 0..<d where pivots[k] != k { perm.swapAt(k, pivots[k]) }
    for j in 0..<d {
      for i in 0..<d { column[i] = perm[i] == j ? 1 : 0 }
      for i in 0..<d {  // L y = P e_j
        var s = column[i]
        for k in 0..<i { s -= factors[i * d + k] * column[k] }
        column[i] = s
      }
      for i in stride(from: d - 1, through: 0, by: -1) {  // U x = y
        var s = column[i]
        for k in (i + 1)..<d { s -= factors[i * d + k] * column[k] }
        column[i] = s / factors[i * d + i]
      }
      for i in 0..<d { result[i * d + j] = column[i] }
    }
    return result
  }
}
