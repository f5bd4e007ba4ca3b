/// `C = op(A) · op(B)` for one row-major matrix product (or a block of rows of one), with leading
/// dimensions: OpenBLAS, single-threaded, when available; else a portable loop.
///
/// Descent never lets OpenBLAS split a product over its own threads: its result then depends on
/// the thread count (measured: from about 256×64 · 64×256 on, 1, 2 and 3 threads give different
/// bits). ``batchedMatmul`` instead splits every product into blocks fixed by the shapes alone
/// (``GEMMPartition``) and runs the blocks on its own threads, each with a single-threaded call,
/// so the bits depend on the shapes only.
@inline(__always)
func gemm<T: TensorScalar>(
  _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
  m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, lda: Int, ldb: Int, ldc: Int
) {
  if m == 0 || n == 0 { return }
  if k == 0 {
    for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) }
    return
  }
  let blas = BLASLibrary.shared
  let ta: Int32 = transposeA ? 112 : 111
  let tb: Int32 = transposeB ? 112 : 111
  if T.self == Float.self, let sgemm = blas.sgemm {
    sgemm(
      101, ta, tb, Int32(m), Int32(n), Int32(k), 1, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
      Int32(lda), UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), 0,
      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
    return
  }
  if T.self == Double.self, let dgemm = blas.dgemm {
    dgemm(
      101, ta, tb, Int32(m), Int32(n), Int32(k), 1, UnsafeRawPointer(a).assumingMemoryBound(to: Double.self),
      Int32(lda), UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), 0,
      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
    return
  }
  portableGEMM(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: ldc)
}

/// How a product of `m × k` by `k × n` is split into independent blocks: a function of the shape
/// only (never of the thread count), so results do not depend on the threads.
///
/// Small products stay whole. Others get up to 4 blocks of at least 32 rows of `C` — or of 32
/// columns when `m < n`, since each block's call repacks the operand it shares with the other
/// blocks (`B` for row blocks, `A` for column blocks), and the smaller one is the cheaper to repack.
struct GEMMPartition {
  var blocks: Int
  var splitsColumns: Bool

  init(m: Int, n: Int, k: Int) {
    splitsColumns = m < n
    if m * n * k < 1 << 18 {
      blocks = 1
    } else {
      blocks = max(1, min(4, (splitsColumns ? n : m) / 32))
    }
  }
}

/// A straightforward i-p-j loop (vectorizes over `j`); for integer dtypes and when OpenBLAS is
/// unavailable.
func portableGEMM<T: TensorScalar>(
  _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
  m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, lda: Int, ldb: Int, ldc: Int
) {
  for i in 0..<m {
    let row = c + i * ldc
    row.initialize(repeating: 0, count: n)
    for p in 0..<k {
      let av = transposeA ? a[p * lda + i] : a[i * lda + p]
      if transposeB {
        for j in 0..<n { row[j] += av * b[j * ldb + p] }
      } else {
        let brow = b + p * ldb
        for j in 0..<n { row[j] += av * brow[j] }
      }
    }
  }
}
