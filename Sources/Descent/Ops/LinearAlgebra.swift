// Dense linear algebra through LAPACK (OpenBLAS): Cholesky, triangular and general solves, and the
// symmetric eigendecomposition. Matrices are the last two dimensions; leading dimensions are a
// batch (equal in all operands, no broadcasting). Every derivative rule is written in
// differentiable ops (matmul, the solves themselves, products with constant masks), so derivatives
// of any order work.
//
// Row-major versus column-major: a row-major n×n buffer read by LAPACK (column-major) is the
// transpose. For symmetric input that is the same matrix, and LAPACK's "upper triangle" is
// Descent's lower triangle; each kernel below says which it uses.

/// What can go wrong with the data handed to a factorization or a solve.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
  /// The leading minor of this order (1-based, LAPACK's `info`) is not positive definite, so the
  /// matrix has no Cholesky factor.
  case notPositiveDefinite(minor: Int)
  /// The matrix is exactly singular (a zero pivot), so the system has no unique solution.
  case singular
  /// The eigenvalue algorithm did not converge (LAPACK `info` > 0).
  case didNotConverge

  public var description: String {
    switch self {
    case .notPositiveDefinite(let minor):
      "matrix is not positive definite: its leading minor of order \(minor) is not positive "
        + "(symmetrize it and add a multiple of the identity, or use solve(_:_:))"
    case .singular: "matrix is singular: a pivot of its LU factorization is exactly zero"
    case .didNotConverge: "symmetric eigendecomposition did not converge"
    }
  }
}

// MARK: - Public ops

/// The lower-triangular Cholesky factor `L` of a symmetric positive-definite matrix, `A = L Lᵀ`,
/// batched over leading dimensions (`torch.linalg.cholesky`). Only the lower triangle of `A` is read.
///
/// Derivative (Murray 2016, as in PyTorch): with `Φ(X)` the lower triangle of `X` with its diagonal
/// halved, `ḡA = sym(L⁻ᵀ Φ(Lᵀ ḡL) L⁻¹)`, `sym(X) = (X + Xᵀ)/2` — the symmetric gradient, so a finite
/// difference check must perturb `A` symmetrically.
///
/// - Throws: ``LinearAlgebraError/notPositiveDefinite(minor:)``.
public func cholesky(_ a: Tensor) throws -> Tensor {
  let (batch, n) = squareMatrices(a, "cholesky")
  let out = Tensor.uninitialized(shape: a.shape, dtype: a.dtype)
  func run<T: TensorFloat>(_ t: T.Type) throws {
    let src = a.pointer(T.self)
    let dst = out.pointer(T.self)
    for b in 0..<batch {
      let m = dst + b * n * n
      m.update(from: src + b * n * n, count: n * n)
      if n == 0 { continue }
      // LAPACK's upper factor U (column-major) is Descent's L (row-major).
      let info = LAPACK.potrf(upper: true, n: n, m)
      if info > 0 { throw LinearAlgebraError.notPositiveDefinite(minor: info) }
      precondition(info == 0, "cholesky: LAPACK potrf argument error \(info)")
      for i in 0..<n { for j in (i + 1)..<n { m[i * n + j] = 0 } }
    }
  }
  if a.dtype == .float64 { try run(Double.self) } else { try run(Float.self) }
  return record("cholesky", out, inputs: [a], savesOutput: true) { g, l in
    let lower = triangleMask(n, dtype: l.dtype, upper: false)
    let phiMask = lower - 0.5 * identityMatrix(n, dtype: l.dtype)
    let p = l.transposed().matmul(g * lower) * phiMask
    let x = solveTriangular(l, p, upper: false, transposeA: true)
    let y = solveTriangular(l, x.transposed(), upper: false, transposeA: true).transposed()
    return [0.5 * (y + y.transposed())]
  }
}

/// Solves `op(A) X = B` for `X`, where `A` is triangular (`upper` or lower; only that triangle
/// is read), `op(A)` is `A` or, with `transposeA`, `Aᵀ` (`torch.linalg.solve_triangular`).
/// `A` is `[..., n, n]` and `B` is `[..., n, k]` with the same leading dimensions, or a vector
/// `[..., n]` (rank one less than `A`), giving `X` of `B`'s shape.
///
/// Derivative: `ḡB = op(A)⁻ᵀ ḡX` (a triangular solve with the opposite transpose) and
/// `ḡop(A) = −ḡB Xᵀ`, restricted to the triangle of `A`.
///
/// - Throws: ``LinearAlgebraError/singular`` if a diagonal element of `A` is exactly zero.
public func triangularSolve(
  _ a: Tensor, _ b: Tensor, upper: Bool = false, transposeA: Bool = false
) throws -> Tensor {
  if b.rank == a.rank - 1 {
    return try triangularSolveKernel(
      a, b.unsqueezed(axis: -1), upper: upper, transposeA: transposeA
    )
    .squeezed(axes: [b.rank])
  }
  return try triangularSolveKernel(a, b, upper: upper, transposeA: transposeA)
}

/// The solution `x` of `A x = b` for square `A` (LU with partial pivoting, LAPACK `gesv`,
/// `torch.linalg.solve`). `A` is `[..., n, n]`; `b` is `[..., n, k]` with the same leading
/// dimensions, or a vector `[..., n]` (rank one less than `A`), giving `x` of `b`'s shape.
///
/// Derivative: `ḡb = A⁻ᵀ ḡx` (itself a `solve`), `ḡA = −ḡb xᵀ`.
///
/// - Throws: ``LinearAlgebraError/singular`` when a pivot is exactly zero.
public func solve(_ a: Tensor, _ b: Tensor) throws -> Tensor {
  if b.rank == a.rank - 1 {
    return try solveMatrix(a, b.unsqueezed(axis: -1)).squeezed(axes: [b.rank])
  }
  return try solveMatrix(a, b)
}

/// The eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric matrix (LAPACK `syevd`,
/// `torch.linalg.eigh`), batched over leading dimensions. Only the lower triangle of `A` is read.
///
/// - Returns: `eigenvalues` `[..., n]` in ascending order and `eigenvectors` `[..., n, n]`, the
///   orthonormal eigenvectors as columns (`eigenvectors[..., :, i]` belongs to `eigenvalues[..., i]`).
///   Sign convention: each eigenvector is scaled by ±1 so that its component of largest magnitude
///   (the first such, on ties) is positive. PyTorch leaves LAPACK's arbitrary sign instead; fixing
///   it makes results reproducible and differentiable along a path.
///
/// Derivative (real case of PyTorch's rule): `ḡA = V (diag(ḡλ) + F ∘ (Vᵀ ḡV)) Vᵀ` with
/// `Fᵢⱼ = 1/(λⱼ − λᵢ)` for `i ≠ j`. Pairs of eigenvalues closer than `√ε·max|λ|` are treated as
/// degenerate and get `Fᵢⱼ = 0`: correct for losses that do not depend on the choice of basis inside
/// an eigenspace (any function of the eigenvalues alone, projections onto eigenspaces), whereas the
/// true derivative of individual eigenvectors there does not exist. Like PyTorch's, the gradient is
/// not symmetrized: differentiate `eigh((X + Xᵀ)/2)` to check it against finite differences.
///
/// - Throws: ``LinearAlgebraError/didNotConverge``.
public func eigh(_ a: Tensor) throws -> (eigenvalues: Tensor, eigenvectors: Tensor) {
  let packed = try eighPacked(a)
  let n = a.shape[a.rank - 1]
  let values = packed.rowSlice(start: 0, count: 1).squeezed(axes: [a.rank - 2])
  return (values, packed.rowSlice(start: 1, count: n))
}

// MARK: - Kernels with their derivative rules

/// `triangularSolve` for derivative rules, whose matrices were already checked.
func solveTriangular(_ a: Tensor, _ b: Tensor, upper: Bool, transposeA: Bool) -> Tensor {
  do {
    return try triangularSolveKernel(a, b, upper: upper, transposeA: transposeA)
  } catch {
    preconditionFailure("triangularSolve in a derivative rule: \(error)")
  }
}

private func triangularSolveKernel(
  _ a: Tensor, _ b: Tensor, upper: Bool, transposeA: Bool
) throws -> Tensor {
  let (batch, n) = squareMatrices(a, "triangularSolve")
  let k = checkRightHandSide(a, b, "triangularSolve")
  let out = Tensor.uninitialized(shape: b.shape, dtype: b.dtype)
  func run<T: TensorFloat>(_ t: T.Type) throws {
    var columns = [T](repeating: 0, count: n * k)
    for index in 0..<batch {
      if n == 0 || k == 0 { continue }
      let src = b.pointer(T.self) + index * n * k
      let dst = out.pointer(T.self) + index * n * k
      transposeCopy(src, &columns, rows: n, columns: k)
      // Row-major A is column-major Aᵀ: its triangle flips, and so does the transpose flag.
      let info = LAPACK.trtrs(
        upper: !upper, transpose: !transposeA, n: n, rightHandSides: k,
        a.pointer(T.self) + index * n * n, &columns)
      if info > 0 { throw LinearAlgebraError.singular }
      precondition(info == 0, "triangularSolve: LAPACK trtrs argument error \(info)")
      columns.withUnsafeBufferPointer { transposeCopy($0.baseAddress!, dst, rows: k, columns: n) }
    }
  }
  if a.dtype == .float64 { try run(Double.self) } else { try run(Float.self) }
  return record("triangularSolve", out, inputs: [a, b], savesOutput: true) { g, x in
    let gb = solveTriangular(a, g, upper: upper, transposeA: !transposeA)
    var ga: Tensor? = nil
    if a.isTracked {
      let gOp = -gb.matmul(x.transposed())
      ga = (transposeA ? gOp.transposed() : gOp) * triangleMask(n, dtype: g.dtype, upper: upper)
    }
    return [ga, b.isTracked ? gb : nil]
  }
}

private func solveMatrix(_ a: Tensor, _ b: Tensor) throws -> Tensor {
  let (batch, n) = squareMatrices(a, "solve")
  let k = checkRightHandSide(a, b, "solve")
  let out = Tensor.uninitialized(shape: b.shape, dtype: b.dtype)
  func run<T: TensorFloat>(_ t: T.Type) throws {
    var matrix = [T](repeating: 0, count: n * n)
    var columns = [T](repeating: 0, count: n * k)
    for index in 0..<batch {
      if n == 0 || k == 0 { continue }
      transposeCopy(a.pointer(T.self) + index * n * n, &matrix, rows: n, columns: n)
      transposeCopy(b.pointer(T.self) + index * n * k, &columns, rows: n, columns: k)
      let info = LAPACK.gesv(n: n, rightHandSides: k, &matrix, &columns)
      if info > 0 { throw LinearAlgebraError.singular }
      precondition(info == 0, "solve: LAPACK gesv argument error \(info)")
      let dst = out.pointer(T.self) + index * n * k
      columns.withUnsafeBufferPointer { transposeCopy($0.baseAddress!, dst, rows: k, columns: n) }
    }
  }
  if a.dtype == .float64 { try run(Double.self) } else { try run(Float.self) }
  return record("solve", out, inputs: [a, b], savesOutput: true) { g, x in
    let gb: Tensor
    do {
      gb = try solveMatrix(a.transposed(), g)
    } catch {
      preconditionFailure("solve: derivative rule met a singular matrix: \(error)")
    }
    return [a.isTracked ? -gb.matmul(x.transposed()) : nil, b.isTracked ? gb : nil]
  }
}

/// Eigenvalues and eigenvectors packed as `[..., n + 1, n]`: row 0 holds the eigenvalues, rows
/// 1...n the eigenvector matrix. One node for both outputs lets one rule see both gradients.
private func eighPacked(_ a: Tensor) throws -> Tensor {
  let (batch, n) = squareMatrices(a, "eigh")
  var shape = a.shape
  shape[a.rank - 2] = n + 1
  let out = Tensor.uninitialized(shape: shape, dtype: a.dtype)
  func run<T: TensorFloat>(_ t: T.Type) throws {
    var matrix = [T](repeating: 0, count: n * n)
    var values = [T](repeating: 0, count: n)
    for index in 0..<batch {
      if n == 0 { continue }
      // Symmetric: the row-major buffer is the matrix; LAPACK's upper triangle is our lower one.
      let src = a.pointer(T.self) + index * n * n
      matrix.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: src, count: n * n) }
      let info = LAPACK.syevd(upper: true, n: n, &matrix, &values)
      if info > 0 { throw LinearAlgebraError.didNotConverge }
      precondition(info == 0, "eigh: LAPACK syevd argument error \(info)")
      let dst = out.pointer(T.self) + index * (n + 1) * n
      for j in 0..<n {
        dst[j] = values[j]
        // Column j of V is matrix[j*n ..< (j+1)*n] (column-major); make its largest entry positive.
        var largest = 0
        for i in 0..<n where abs(matrix[j * n + i]) > abs(matrix[j * n + largest]) { largest = i }
        let sign: T = matrix[j * n + largest] < 0 ? -1 : 1
        for i in 0..<n { dst[(i + 1) * n + j] = sign * matrix[j * n + i] }
      }
    }
  }
  if a.dtype == .float64 { try run(Double.self) } else { try run(Float.self) }
  return record("eigh", out, inputs: [a], savesOutput: true) { g, y in
    let values = y.rowSlice(start: 0, count: 1)  // [..., 1, n]
    let vectors = y.rowSlice(start: 1, count: n)
    let gValues = g.rowSlice(start: 0, count: 1)
    let gVectors = g.rowSlice(start: 1, count: n)
    let identity = identityMatrix(n, dtype: g.dtype)
    // Fᵢⱼ = 1/(λⱼ − λᵢ) off the diagonal and between distinct eigenvalues, else 0.
    let distinct = distinctPairs(values.detached(), batch: batch, n: n)
    let gaps = values - values.transposed() + (1 - distinct)
    let inner = identity * gValues + vectors.transposed().matmul(gVectors) * (distinct / gaps)
    return [vectors.matmul(inner).matmul(vectors.transposed())]
  }
}

/// A constant `[..., n, n]` mask: 1 where eigenvalues `i ≠ j` differ by more than `√ε·max|λ|`.
private func distinctPairs(_ values: Tensor, batch: Int, n: Int) -> Tensor {
  let v = values.doubles
  let epsilon = values.dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
  var mask = [Double](repeating: 0, count: batch * n * n)
  for b in 0..<batch {
    let row = v[(b * n)..<((b + 1) * n)]
    let tolerance = epsilon.squareRoot() * max(row.map(abs).max() ?? 0, Double.leastNormalMagnitude)
    for i in 0..<n {
      for j in 0..<n where i != j && abs(v[b * n + i] - v[b * n + j]) > tolerance {
        mask[(b * n + i) * n + j] = 1
      }
    }
  }
  var shape = values.shape
  shape[shape.count - 2] = n
  return Tensor(mask, shape: shape, dtype: values.dtype)
}

// MARK: - Row slices (differentiable, for the packed eigh output)

extension Tensor {
  /// Rows `start ..< start + count` of the second-to-last axis. Derivative: ``rowPadded``.
  fileprivate func rowSlice(start: Int, count rows: Int) -> Tensor {
    let total = shape[rank - 2]
    var outShape = shape
    outShape[rank - 2] = rows
    let out = copyRows(self, into: outShape, from: start, to: 0, rows: rows)
    return record("rowSlice", out, inputs: [self]) { g, _ in
      [g.rowPadded(start: start, total: total)]
    }
  }

  /// Places these rows at `start` of `total` rows of zeros. Derivative: ``rowSlice``.
  fileprivate func rowPadded(start: Int, total: Int) -> Tensor {
    let rows = shape[rank - 2]
    var outShape = shape
    outShape[rank - 2] = total
    let out = copyRows(self, into: outShape, from: 0, to: start, rows: rows)
    return record("rowPad", out, inputs: [self]) { g, _ in [g.rowSlice(start: start, count: rows)] }
  }
}

/// A zero tensor of `shape` with `rows` rows (second-to-last axis) copied from `x`.
private func copyRows(_ x: Tensor, into shape: [Int], from source: Int, to target: Int, rows: Int)
  -> Tensor
{
  let out = Tensor.zeros(shape, dtype: x.dtype)
  let columns = shape[shape.count - 1]
  let sourceRows = x.shape[x.rank - 2]
  let targetRows = shape[shape.count - 2]
  let batch = shapeElementCount(Array(shape.dropLast(2)))
  func run<T: TensorFloat>(_ t: T.Type) {
    for b in 0..<batch {
      (out.pointer(T.self) + (b * targetRows + target) * columns).update(
        from: x.pointer(T.self) + (b * sourceRows + source) * columns, count: rows * columns)
    }
  }
  if x.dtype == .float64 { run(Double.self) } else { run(Float.self) }
  return out
}

// MARK: - Helpers

/// Checks `[..., n, n]` and a floating-point dtype; returns the batch size and `n`.
private func squareMatrices(_ a: Tensor, _ name: String) -> (batch: Int, n: Int) {
  precondition(
    a.rank >= 2 && a.shape[a.rank - 1] == a.shape[a.rank - 2],
    "\(name): needs square matrices [..., n, n], got \(a.shape)")
  precondition(a.dtype.isFloatingPoint, "\(name): needs float32 or float64, got \(a.dtype)")
  let n = a.shape[a.rank - 1]
  return (shapeElementCount(Array(a.shape.dropLast(2))), n)
}

/// Checks that `b` is `[..., n, k]` with `a`'s leading dimensions and dtype; returns `k`.
private func checkRightHandSide(_ a: Tensor, _ b: Tensor, _ name: String) -> Int {
  precondition(
    b.rank == a.rank && Array(b.shape.dropLast()) == Array(a.shape.dropLast()),
    "\(name): right-hand side \(b.shape) does not match matrices \(a.shape) (expected [..., n, k] "
      + "with the same leading dimensions)")
  checkSameDType(a, b, name)
  return b.shape[b.rank - 1]
}

/// `destination[j * rows + i] = source[i * columns + j]`: a row-major `rows × columns` matrix into
/// column-major order (or back, with the dimensions swapped).
private func transposeCopy<T>(
  _ source: UnsafePointer<T>, _ destination: UnsafeMutablePointer<T>, rows: Int, columns: Int
) {
  for i in 0..<rows { for j in 0..<columns { destination[j * rows + i] = source[i * columns + j] } }
}

/// The `n × n` identity as a constant tensor.
func identityMatrix(_ n: Int, dtype: DType) -> Tensor {
  var values = [Double](repeating: 0, count: n * n)
  for i in 0..<n { values[i * n + i] = 1 }
  return Tensor(values, shape: [n, n], dtype: dtype)
}

/// A constant `n × n` mask of the upper or lower triangle, diagonal included.
func triangleMask(_ n: Int, dtype: DType, upper: Bool) -> Tensor {
  var values = [Double](repeating: 0, count: n * n)
  for i in 0..<n { for j in 0..<n where upper ? j >= i : j <= i { values[i * n + j] = 1 } }
  return Tensor(values, shape: [n, n], dtype: dtype)
}
