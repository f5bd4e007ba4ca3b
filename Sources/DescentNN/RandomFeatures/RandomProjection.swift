import Descent
import Foundation

/// How the rows g₁ … g_m of a random-feature projection G `[m, d]` are drawn. Each row is marginally
/// N(0, I_d) under both kinds, so every random-feature estimator built on G is unbiased under both.
///
/// - `gaussian`: i.i.d. standard normal entries.
/// - `blockOrthogonal`: orthogonal random features (Yu et al. 2016, "Orthogonal Random Features";
///   the Performer's `gaussian_orthogonal_random_matrix` with `scaling=0`, Choromanski et al. 2021):
///   ⌈m/d⌉ independent Haar-random orthogonal d×d blocks stacked (the last one cut to the rows
///   left), then row r scaled by the norm of an independent N(0, I_d) vector, so its length is
///   χ_d-distributed as a Gaussian row's. Rows within one block are exactly orthogonal, which
///   lowers the variance of kernel estimates (docs/layers.md, "Random-feature layers").
///
/// Deviation from the reference: the Performer code (and SNNK's copy of it) takes Q from
/// `torch.linalg.qr` without fixing the signs of R's diagonal, which makes Q not Haar-distributed;
/// for ReLU features that biases the arc-cosine estimate by up to ~10% (measured over 50 seeds in
/// d = 16, m = 4096; docs/reproduce/snnk.md). Here each block is ``Initializer/orthogonal(_:gain:dtype:key:)``,
/// whose Gram–Schmidt factorization keeps R's diagonal positive: exactly Haar.
public enum RandomProjection: String, Sendable, CaseIterable {
  case gaussian
  case blockOrthogonal = "block-orthogonal"

  /// G `[rows, columns]` drawn with `key`.
  public func matrix(rows: Int, columns: Int, dtype: DType = .float32, key: RandomKey) -> Tensor {
    precondition(
      rows >= 1 && columns >= 1,
      "RandomProjection.matrix: rows and columns must be ≥ 1, got \(rows) × \(columns)")
    switch self {
    case .gaussian:
      return Tensor.normal([rows, columns], dtype: dtype, key: key)
    case .blockOrthogonal:
      let blockCount = (rows + columns - 1) / columns
      let keys = key.split(into: blockCount + 1)
      var values: [Double] = []
      values.reserveCapacity(rows * columns)
      for block in 0..<blockCount {
        let q = Initializer.orthogonal([columns, columns], dtype: .float64, key: keys[block])
        let take = min(columns, rows - block * columns)
        values += q.doubles.prefix(take * columns)
      }
      let lengths = Tensor.normal([rows, columns], dtype: .float64, key: keys[blockCount])
        .doubles
      for r in 0..<rows {
        var squared = 0.0
        for c in 0..<columns { squared += lengths[r * columns + c] * lengths[r * columns + c] }
        let length = squared.squareRoot()
        for c in 0..<columns { values[r * columns + c] *= length }
      }
      return Tensor(values, shape: [rows, columns], dtype: dtype)
    }
  }
}
