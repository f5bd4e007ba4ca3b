import Descent
import Foundation

/// Observational data prepared for ``CoLiDE``: checked, centred (each column minus its mean, as
/// the reference's `X -= X.mean(axis=0)`), with Σ̂ = XᵀX/n and the column scales ‖xⱼ‖/√n that
/// start σ.
///
/// The checks turn what would make the fit meaningless into one-line errors that name the row and
/// column (1-based; with the column's name when given): a non-finite value, a constant column (its
/// scale is 0, σ₀ = 0 divides by zero), fewer rows than columns (Σ̂ is singular: the SEM is not
/// identifiable), fewer than 2 rows or no column.
public struct CoLiDEData: Sendable {
  /// d, the number of variables (columns).
  public let dimension: Int
  /// n, the number of samples (rows).
  public let sampleCount: Int
  /// Σ̂ = X_cᵀX_c/n, d×d row-major.
  public let covariance: [Double]
  /// ‖x_c,j‖/√n for every column j.
  public let columnScales: [Double]

  /// Checks and centres `data` `[n, d]`.
  public init(_ data: Tensor, columnNames: [String]? = nil) throws {
    guard data.rank == 2, data.dtype == .float32 || data.dtype == .float64 else {
      throw SolverError.dimensionMismatch(
        "CoLiDE: data must be a float32 or float64 matrix [n, d], got \(data.dtype) "
          + "\(data.shape)")
    }
    let (n, d) = (data.shape[0], data.shape[1])
    try self.init(
      rows: n, columns: d, values: data.cast(to: .float64).doubles, columnNames: columnNames)
  }

  /// Checks and centres the row-major `values` of an n×d matrix.
  public init(rows n: Int, columns d: Int, values: [Double], columnNames: [String]? = nil) throws {
    precondition(values.count == n * d, "CoLiDEData: \(values.count) values for \(n)×\(d)")
    func column(_ j: Int) -> String {
      if let columnNames, j < columnNames.count { return "column \(j + 1) (\(columnNames[j]))" }
      return "column \(j + 1)"
    }
    guard d >= 1 else {
      throw SolverError.dimensionMismatch("CoLiDE: the data has no column: give ≥ 1 variable")
    }
    guard n >= 2, n >= d else {
      throw SolverError.dimensionMismatch(
        "CoLiDE: the data has \(n) rows and \(d) columns: need at least as many rows as columns "
          + "(and ≥ 2) for a non-singular covariance; add samples or drop variables")
    }
    for i in 0..<n {
      for j in 0..<d where !values[i * d + j].isFinite {
        throw SolverError.invalidArgument(
          "CoLiDE: row \(i + 1), \(column(j)) is \(values[i * d + j]): every value must be "
            + "finite; remove or impute it")
      }
    }
    var centred = values
    var scales = [Double](repeating: 0, count: d)
    for j in 0..<d {
      var mean = 0.0
      for i in 0..<n { mean += values[i * d + j] }
      mean /= Double(n)
      var constant = true
      for i in 0..<n where values[i * d + j] != values[j] { constant = false }
      if constant {
        throw SolverError.invalidArgument(
          "CoLiDE: \(column(j)) is constant (every row \(values[j])): it carries no "
            + "information and its noise scale would be 0; drop the column")
      }
      var squares = 0.0
      for i in 0..<n {
        centred[i * d + j] -= mean
        squares += centred[i * d + j] * centred[i * d + j]
      }
      scales[j] = squares.squareRoot() / Double(n).squareRoot()
    }
    var covariance = [Double](repeating: 0, count: d * d)
    for i in 0..<n {
      for a in 0..<d {
        let x = centred[i * d + a]
        for b in a..<d { covariance[a * d + b] += x * centred[i * d + b] }
      }
    }
    for a in 0..<d {
      for b in a..<d {
        covariance[a * d + b] /= Double(n)
        covariance[b * d + a] = covariance[a * d + b]
      }
    }
    dimension = d
    sampleCount = n
    self.covariance = covariance
    columnScales = scales
  }
}
