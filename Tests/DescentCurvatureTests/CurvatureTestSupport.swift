import Descent
import DescentTestSupport

/// A random symmetric float64 matrix `(M + Mᵀ)/2`.
func symmetricMatrix(_ n: Int, seed: UInt64) -> Tensor {
  let m = testTensor([n, n], seed: seed)
  return (m + m.transposed()) * m.scalar(0.5)
}

/// `Q diag(eigenvalues) Qᵀ` with `Q` an orthonormal basis from `eigh` of a random matrix.
func matrixWithSpectrum(_ eigenvalues: [Double], seed: UInt64) throws -> Tensor {
  let n = eigenvalues.count
  let q = try eigh(symmetricMatrix(n, seed: seed)).eigenvectors
  let lambda = Tensor(eigenvalues, dtype: .float64)
  return (q * lambda).matmul(q.transposed())
}

/// Element `[i, j]` of a matrix.
func entry(_ a: Tensor, _ i: Int, _ j: Int) -> Double { a.doubles[i * a.shape[1] + j] }

/// The `j`-th unit vector of length `n`.
func unitVector(_ j: Int, _ n: Int) -> Tensor {
  var values = [Double](repeating: 0, count: n)
  values[j] = 1
  return Tensor(values, dtype: .float64)
}
