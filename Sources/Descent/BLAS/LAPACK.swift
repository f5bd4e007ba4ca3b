/// Typed entry points of the LAPACK routines Descent uses, looked up in the OpenBLAS that
/// ``BLASLibrary`` loaded at run time.
///
/// LAPACK follows Fortran conventions: every argument is passed by pointer, integers are 32-bit
/// (OpenBLAS's LP64 build), matrices are column-major, and each `CHARACTER` argument adds a hidden
/// string length at the end of the argument list (passed as 1). Callers in Descent hand row-major
/// buffers over and account for the implied transpose themselves (see Ops/LinearAlgebra.swift).
enum LAPACK {
  typealias Character = UnsafePointer<CChar>
  typealias Integer = UnsafeMutablePointer<Int32>
  /// A `Float` or `Double` array: the element type does not change how Fortran receives it.
  typealias Matrix = UnsafeMutableRawPointer

  /// `xPOTRF(uplo, n, a, lda, info)`: Cholesky factorization.
  typealias POTRF =
    @convention(c) (Character, Integer, Matrix, Integer, Integer, Int)
    -> Void
  /// `xGESV(n, nrhs, a, lda, ipiv, b, ldb, info)`: LU factorization with partial pivoting and solve.
  typealias GESV =
    @convention(c) (
      Integer, Integer, Matrix, Integer, Integer, Matrix, Integer,
      Integer
    ) -> Void
  /// `xTRTRS(uplo, trans, diag, n, nrhs, a, lda, b, ldb, info)`: triangular solve.
  typealias TRTRS =
    @convention(c) (
      Character, Character, Character, Integer, Integer, Matrix, Integer,
      Matrix, Integer, Integer, Int, Int, Int
    ) -> Void
  /// `xSYEVD(jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info)`: symmetric
  /// eigendecomposition, divide and conquer.
  typealias SYEVD =
    @convention(c) (
      Character, Character, Integer, Matrix, Integer, Matrix,
      Matrix, Integer, Integer, Integer, Integer, Int, Int
    ) -> Void

  /// The routine `name` for element type `T`: `s` + name for `Float`, `d` + name for `Double`.
  /// Stops with a message when OpenBLAS or the routine is missing.
  static func routine<T: TensorFloat, F>(_ name: String, _ t: T.Type, as type: F.Type) -> F {
    let prefix = T.self == Float.self ? "s" : "d"
    let symbol = prefix + name + "_"
    guard let function = BLASLibrary.shared.symbol(symbol, as: F.self) else {
      preconditionFailure(
        "LAPACK routine \(symbol) not found: Descent's linear algebra needs OpenBLAS with LAPACK "
          + "(Debian: apt-get install libopenblas0); BLAS in use: \(BLASLibrary.shared.summary)")
    }
    // LAPACK's blocked routines call BLAS, which Descent keeps single-threaded so that the results
    // do not depend on the thread count (see `gemm`).
    return function
  }

  /// Cholesky factorization in place; returns LAPACK's `info`.
  static func potrf<T: TensorFloat>(upper: Bool, n: Int, _ a: UnsafeMutablePointer<T>) -> Int {
    let f = routine("potrf", T.self, as: POTRF.self)
    var uplo: CChar = upper ? 85 : 76  // "U" : "L"
    var n32 = Int32(n)
    var lda = Int32(max(n, 1))
    var info: Int32 = 0
    f(&uplo, &n32, a, &lda, &info, 1)
    return Int(info)
  }

  /// Solves `A X = B` in place (`b` becomes `X`, `a` its LU factors); returns `info`.
  static func gesv<T: TensorFloat>(
    n: Int, rightHandSides: Int, _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>
  ) -> Int {
    let f = routine("gesv", T.self, as: GESV.self)
    var n32 = Int32(n)
    var nrhs = Int32(rightHandSides)
    var ld = Int32(max(n, 1))
    var ldb = ld
    var pivots = [Int32](repeating: 0, count: max(n, 1))
    var info: Int32 = 0
    f(&n32, &nrhs, a, &ld, &pivots, b, &ldb, &info)
    return Int(info)
  }

  /// Solves `op(A) X = B` for triangular `A` in place; returns `info`.
  static func trtrs<T: TensorFloat>(
    upper: Bool, transpose: Bool, n: Int, rightHandSides: Int, _ a: UnsafeMutablePointer<T>,
    _ b: UnsafeMutablePointer<T>
  ) -> Int {
    let f = routine("trtrs", T.self, as: TRTRS.self)
    var uplo: CChar = upper ? 85 : 76  // "U" : "L"
    var trans: CChar = transpose ? 84 : 78  // "T" : "N"
    var diag: CChar = 78  // "N": the diagonal is read
    var n32 = Int32(n)
    var nrhs = Int32(rightHandSides)
    var ld = Int32(max(n, 1))
    var ldb = ld
    var info: Int32 = 0
    f(&uplo, &trans, &diag, &n32, &nrhs, a, &ld, b, &ldb, &info, 1, 1, 1)
    return Int(info)
  }

  /// Eigenvalues (ascending, into `w`) and eigenvectors (into the columns of `a`, column-major) of
  /// the symmetric matrix whose `upper` or lower triangle `a` holds; returns `info`.
  static func syevd<T: TensorFloat>(
    upper: Bool, n: Int, _ a: UnsafeMutablePointer<T>, _ w: UnsafeMutablePointer<T>
  ) -> Int {
    let f = routine("syevd", T.self, as: SYEVD.self)
    var jobz: CChar = 86  // "V": eigenvectors too
    var uplo: CChar = upper ? 85 : 76
    var n32 = Int32(n)
    var lda = Int32(max(n, 1))
    var info: Int32 = 0
    // Workspace query first (lwork = liwork = -1), then the call itself.
    var workSize = T.zero
    var iworkSize: Int32 = 0
    var query: Int32 = -1
    var iquery: Int32 = -1
    f(&jobz, &uplo, &n32, a, &lda, w, &workSize, &query, &iworkSize, &iquery, &info, 1, 1)
    if info != 0 { return Int(info) }
    var lwork = Int32(max(1, Int(workSize)))
    var liwork = max(1, iworkSize)
    var work = [T](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    f(&jobz, &uplo, &n32, a, &lda, w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
    return Int(info)
  }
}
