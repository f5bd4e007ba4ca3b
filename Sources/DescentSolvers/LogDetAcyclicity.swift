import Foundation

/// The log-determinant acyclicity function of DAGMA (Bello, Aragam and Ravikumar, "DAGMA:
/// Learning DAGs via M-matrices and a Log-Determinant Acyclicity Characterization", NeurIPS 2022,
/// arXiv:2209.08037), as CoLiDE uses it (arXiv:2310.02895, eq. 4):
///
///     h_s(W) = −log det(sI − W∘W) + d·log s,    ∇h_s(W) = 2·W ∘ (sI − W∘W)⁻ᵀ.
///
/// On the set where sI − W∘W is an M-matrix, h_s(W) ≥ 0 with equality exactly when W is the
/// weighted adjacency matrix of a DAG. The M-matrix test of the reference code is that every
/// entry of (sI − W∘W)⁻¹ is ≥ −1e-6 (an M-matrix's inverse is entrywise non-negative); the
/// reference adds 1e-16 to every entry of the inverse before testing and before using it in the
/// gradient, and this type does the same (SAMiatto/colide `model.py`, `minimize`).
///
/// Matrices are d×d row-major `[Double]`, rows = parents (W[i][j] ≠ 0: an edge i → j).
public struct LogDetAcyclicity: Sendable {
  public let dimension: Int
  /// The reference's acceptance bound on the entries of (sI − W∘W)⁻¹.
  public static let mMatrixTolerance = -1e-6

  public init(dimension: Int) {
    precondition(dimension >= 1, "LogDetAcyclicity: dimension must be ≥ 1, got \(dimension)")
    self.dimension = dimension
  }

  /// sI − W∘W.
  func shifted(_ w: [Double], s: Double) -> [Double] {
    let d = dimension
    var m = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d { m[i * d + j] = (i == j ? s : 0) - w[i * d + j] * w[i * d + j] }
    }
    return m
  }

  /// h_s(W) = −log |det(sI − W∘W)| + d log s (numpy's `slogdet(M)[1]`: the magnitude only).
  public func value(_ w: [Double], s: Double) -> Double {
    precondition(w.count == dimension * dimension, "LogDetAcyclicity: W has \(w.count) entries")
    let lu = SquareMatrixLU(shifted(w, s: s), dimension: dimension)
    return -lu.logAbsDeterminant + Double(dimension) * log(s)
  }

  /// (sI − W∘W)⁻¹ + 1e-16 (the reference's M, used in both the test and the gradient), or `nil`
  /// when sI − W∘W is singular.
  public func shiftedInverse(_ w: [Double], s: Double) -> [Double]? {
    precondition(w.count == dimension * dimension, "LogDetAcyclicity: W has \(w.count) entries")
    guard let inverse = SquareMatrixLU(shifted(w, s: s), dimension: dimension).inverse() else {
      return nil
    }
    return inverse.map { $0 + 1e-16 }
  }

  /// Whether `inverse` (from ``shiftedInverse(_:s:)``) shows W inside the M-matrix domain: no
  /// entry below −1e-6. A singular or non-finite matrix is outside.
  public static func isInsideDomain(_ inverse: [Double]?) -> Bool {
    guard let inverse else { return false }
    for x in inverse where !(x >= mMatrixTolerance) { return false }
    return true
  }

  /// ∇h_s(W) = 2 W ∘ Mᵀ with M = ``shiftedInverse(_:s:)``.
  public func gradient(_ w: [Double], inverse m: [Double]) -> [Double] {
    let d = dimension
    var g = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d { g[i * d + j] = 2 * w[i * d + j] * m[j * d + i] }
    }
    return g
  }
}
