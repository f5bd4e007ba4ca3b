/// `C = op(A) · op(B)` for row-major matrices, `op` an optional transpose: OpenBLAS when available,
/// else a portable blocked loop.
@inline(__always)
func gemm<T: TensorScalar>(
  _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
  m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, threads: Int
) {
  if m == 0 || n == 0 { return }
  if k == 0 {
    c.initialize(repeating: 0, count: m * n)
    return
  }
  let lda = Int32(transposeA ? m : k)
  let ldb = Int32(transposeB ? k : n)
  let blas = BLASLibrary.shared
  let ta: Int32 = transposeA ? 112 : 111
  let tb: Int32 = transposeB ? 112 : 111
  if T.self == Float.self, let sgemm = blas.sgemm {
    blas.useThreads(threads)
    sgemm(
      101, ta, tb, Int32(m), Int32(n), Int32(k), 1, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
      lda, UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb, 0,
      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(n))
    return
  }
  if T.self == Double.self, let dgemm = blas.dgemm {
    blas.useThreads(threads)
    dgemm(
      101, ta, tb, Int32(m), Int32(n), Int32(k), 1, UnsafeRawPointer(a).assumingMemoryBound(to: Double.self),
      lda, UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb, 0,
      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(n))
    return
  }
  portableGEMM(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
}

/// A straightforward i-p-j loop (vectorizes over `j`); for integer dtypes and when OpenBLAS is
/// unavailable.
func portableGEMM<T: TensorScalar>(
  _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
  m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
) {
  parallelChunks(count: m, grain: max(1, 16_384 / max(n * k, 1)), alignment: 1) { rows in
    for i in rows {
      let row = c + i * n
      row.initialize(repeating: 0, count: n)
      for p in 0..<k {
        let av = transposeA ? a[p * m + i] : a[i * k + p]
        if transposeB {
          for j in 0..<n { row[j] += av * b[j * k + p] }
        } else {
          let brow = b + p * n
          for j in 0..<n { row[j] += av * brow[j] }
        }
      }
    }
  }
}
