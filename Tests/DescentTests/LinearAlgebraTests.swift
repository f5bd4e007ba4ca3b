import Descent
import DescentTestSupport
import Testing

/// The `n × n` identity.
private func identity(_ n: Int, dtype: DType = .float64) -> Tensor {
  var values = [Double](repeating: 0, count: n * n)
  for i in 0..<n { values[i * n + i] = 1 }
  return Tensor(values, shape: [n, n], dtype: dtype)
}

/// `(x + xᵀ)/2 + shift·I`: symmetric (positive definite for a large enough shift), so finite
/// differences perturb the matrix symmetrically, as the symmetric gradients assume.
private func symmetrized(_ x: Tensor, shift: Double = 0) -> Tensor {
  0.5 * (x + x.transposed()) + shift * identity(x.shape[x.rank - 1], dtype: x.dtype)
}

/// `pat(4,4) @ pat(4,4).T + 0.5·I`, the SPD matrix of the PyTorch references.
private func referenceSPD(dtype: DType = .float64) -> Tensor {
  let m = patternTensor([4, 4], dtype: dtype)
  return m.matmul(m.transposed()) + 0.5 * identity(4, dtype: dtype)
}

@Suite struct LinearAlgebraTests {
  // References: PyTorch 2.13.0 (CPU, float64), torch.linalg.* on the same inputs.

  @Test func choleskyMatchesTorch() throws {
    // torch.linalg.cholesky(pat(4,4) @ pat(4,4).T + 0.5*eye(4))
    let expected: [Double] = [
      1.5614096195425466, 0.0, 0.0, 0.0, -0.33098297431484325, 1.111777977257015, 0.0, 0.0,
      0.08915021289594857, -0.5674629379972426, 1.4503923791650812, 0.0, -0.18931611301754583,
      0.6840750629942637, -0.1644625182737043, 0.9210606916074496,
    ]
    let l = try cholesky(referenceSPD())
    #expect(
      mismatch(l.doubles, expected, relativeTolerance: 1e-13, absoluteTolerance: 1e-15) == nil)
    let l32 = try cholesky(referenceSPD(dtype: .float32))
    #expect(l32.dtype == .float32)
    #expect(
      mismatch(l32.doubles, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-6) == nil)
    // Batched: the factor of 4A is 2L.
    let a = referenceSPD()
    let batch = Tensor(a.doubles + (4 * a).doubles, shape: [2, 4, 4], dtype: .float64)
    let factors = try cholesky(batch).doubles
    #expect(mismatch(Array(factors[0..<16]), expected, relativeTolerance: 1e-13) == nil)
    #expect(
      mismatch(Array(factors[16...]), expected.map { 2 * $0 }, relativeTolerance: 1e-13) == nil)
  }

  @Test func choleskyReadsOnlyTheLowerTriangle() throws {
    let a = referenceSPD()
    let upperGarbage =
      a + 5
      * Tensor(
        (0..<16).map { $0 % 4 > $0 / 4 ? 1.0 : 0 }, shape: [4, 4], dtype: .float64)
    #expect(mismatch(try cholesky(upperGarbage), try cholesky(a)) == nil)
  }

  @Test func choleskyOfIndefiniteMatrixThrows() {
    #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
      try cholesky(Tensor([[1, 2], [2, 1]], dtype: .float64))
    }
    #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 1)) {
      try cholesky(Tensor([[-1, 0], [0, 1]], dtype: .float32))
    }
  }

  @Test func choleskyDerivatives() {
    let x = testTensor([4, 4], seed: 1)
    let f: ([Tensor]) -> Tensor = { try! cholesky(symmetrized($0[0], shift: 3)) }
    #expect(gradientCheckFailure([x], f) == nil)
    #expect(secondOrderCheckFailure([x], f) == nil)
    let batch = testTensor([2, 3, 3], seed: 2)
    #expect(gradientCheckFailure([batch]) { try! cholesky(symmetrized($0[0], shift: 3)) } == nil)
  }

  @Test func triangularSolveMatchesTorch() throws {
    // g = pat(3,3) + 2*eye(3), rhs = pat(3,2):
    // solve_triangular(tril(g), rhs, upper=False) and solve_triangular(triu(g).T, rhs, upper=False)
    let lowerExpected: [Double] = [
      -1.0, -0.26, -0.16494845360824748, -0.5195876288659794, -0.2211483390607102,
      0.2072021764032073,
    ]
    let upperTransposedExpected: [Double] = [
      -1.0, -0.26, 0.1134020618556701, -0.4472164948453609, 0.11905784650630008,
      0.3850372279495991,
    ]
    for dtype in [DType.float64, .float32] {
      let tolerance = dtype == .float64 ? 1e-13 : 1e-5
      let g = patternTensor([3, 3], dtype: dtype) + 2 * identity(3, dtype: dtype)
      let rhs = patternTensor([3, 2], dtype: dtype)
      // The full matrix is passed: only the named triangle may be read.
      let lower = try triangularSolve(g, rhs, upper: false)
      #expect(mismatch(lower.doubles, lowerExpected, relativeTolerance: tolerance) == nil)
      let upperT = try triangularSolve(g, rhs, upper: true, transposeA: true)
      #expect(
        mismatch(upperT.doubles, upperTransposedExpected, relativeTolerance: tolerance) == nil)
    }
    #expect(throws: LinearAlgebraError.singular) {
      try triangularSolve(
        Tensor([[1, 0], [1, 0]], dtype: .float64), Tensor([[1], [1]], dtype: .float64))
    }
  }

  @Test func triangularSolveDerivatives() {
    let a = testTensor([4, 4], seed: 3) + 3 * identity(4)
    let b = testTensor([4, 2], seed: 4)
    for (upper, transposeA) in [(false, false), (true, false), (false, true), (true, true)] {
      let f: ([Tensor]) -> Tensor = {
        try! triangularSolve($0[0], $0[1], upper: upper, transposeA: transposeA)
      }
      #expect(gradientCheckFailure([a, b], f) == nil)
      #expect(secondOrderCheckFailure([a, b], f) == nil)
    }
  }

  @Test func solveMatchesTorch() throws {
    // torch.linalg.solve(pat(3,3) + 2*eye(3), pat(3,2)) and with the first column as a vector.
    let expected: [Double] = [
      -0.914578488372093, -0.5149273255813953, -0.05659883720930232, -0.6814825581395348,
      -0.2086191860465117, 0.16196220930232555,
    ]
    for dtype in [DType.float64, .float32] {
      let tolerance = dtype == .float64 ? 1e-13 : 1e-5
      let a = patternTensor([3, 3], dtype: dtype) + 2 * identity(3, dtype: dtype)
      let b = patternTensor([3, 2], dtype: dtype)
      let x = try solve(a, b)
      #expect(x.shape == [3, 2])
      #expect(mismatch(x.doubles, expected, relativeTolerance: tolerance) == nil)
      let v = try solve(
        a, Tensor([b[element: 0, 0], b[element: 1, 0], b[element: 2, 0]], dtype: dtype))
      #expect(v.shape == [3])
      #expect(
        mismatch(v.doubles, [expected[0], expected[2], expected[4]], relativeTolerance: tolerance)
          == nil)
    }
  }

  @Test func solveOfSingularMatrixThrows() {
    #expect(throws: LinearAlgebraError.singular) {
      try solve(Tensor([[1, 2], [2, 4]], dtype: .float64), Tensor([1, 1], dtype: .float64))
    }
  }

  @Test func solveDerivatives() {
    let a = testTensor([3, 3], seed: 5) + 2 * identity(3)
    let b = testTensor([3, 2], seed: 6)
    let f: ([Tensor]) -> Tensor = { try! solve($0[0], $0[1]) }
    #expect(gradientCheckFailure([a, b], f) == nil)
    #expect(secondOrderCheckFailure([a, b], f) == nil)
    let vector = testTensor([3], seed: 7)
    #expect(gradientCheckFailure([a, vector], f) == nil)
    #expect(secondOrderCheckFailure([a, vector], f) == nil)
    // Batched: [2, 3, 3] with vectors [2, 3].
    let batch = testTensor([2, 3, 3], seed: 8) + 2 * identity(3)
    let vectors = testTensor([2, 3], seed: 9)
    #expect(gradientCheckFailure([batch, vectors], f) == nil)
  }

  @Test func eighMatchesTorchAndReconstructs() throws {
    // torch.linalg.eigh(pat(4,4) @ pat(4,4).T + 0.5*eye(4)).eigenvalues
    let expected: [Double] = [
      0.5226507661606521, 1.2748100825592972, 2.3204082879024734, 3.478530863377577,
    ]
    for dtype in [DType.float64, .float32] {
      let tolerance = dtype == .float64 ? 1e-13 : 1e-5
      let a = referenceSPD(dtype: dtype)
      let (values, vectors) = try eigh(a)
      #expect(values.shape == [4] && vectors.shape == [4, 4] && values.dtype == dtype)
      #expect(mismatch(values.doubles, expected, relativeTolerance: tolerance) == nil)
      // A v = λ v column by column, and the sign convention: largest-magnitude entry positive.
      #expect(
        mismatch(
          a.matmul(vectors), vectors * values, relativeTolerance: 0,
          absoluteTolerance: 10 * tolerance)
          == nil)
      let v = vectors.doubles
      for j in 0..<4 {
        let column = (0..<4).map { v[$0 * 4 + j] }
        #expect(column.max(by: { abs($0) < abs($1) })! > 0)
      }
    }
  }

  @Test func eighOfLargeRandomSymmetricMatrixReconstructs() throws {
    let a = symmetrized(testTensor([40, 40], seed: 10))
    let (values, vectors) = try eigh(a)
    #expect(zip(values.doubles, values.doubles.dropFirst()).allSatisfy { $0 <= $1 })
    let reconstructed = (vectors * values).matmul(vectors.transposed())
    #expect(mismatch(reconstructed, a, relativeTolerance: 0, absoluteTolerance: 1e-10) == nil)
    let gram = vectors.transposed().matmul(vectors)
    #expect(mismatch(gram, identity(40), relativeTolerance: 0, absoluteTolerance: 1e-10) == nil)
    // Batched over a leading dimension.
    let batch = Tensor(a.doubles + (2 * a).doubles, shape: [2, 40, 40], dtype: .float64)
    let batchValues = try eigh(batch).eigenvalues
    #expect(batchValues.shape == [2, 40])
    #expect(
      mismatch(
        Array(batchValues.doubles[40...]), values.doubles.map { 2 * $0 }, relativeTolerance: 1e-10,
        absoluteTolerance: 1e-10) == nil)
  }

  @Test func eighDerivatives() {
    let x = testTensor([4, 4], seed: 11)
    let eigenvalues: ([Tensor]) -> Tensor = { try! eigh(symmetrized($0[0])).eigenvalues }
    #expect(gradientCheckFailure([x], eigenvalues) == nil)
    #expect(secondOrderCheckFailure([x], eigenvalues) == nil)
    let eigenvectors: ([Tensor]) -> Tensor = { try! eigh(symmetrized($0[0])).eigenvectors }
    #expect(gradientCheckFailure([x], eigenvectors) == nil)
    #expect(secondOrderCheckFailure([x], eigenvectors) == nil)
    let batch = testTensor([2, 3, 3], seed: 12)
    #expect(
      gradientCheckFailure([batch]) { try! eigh(symmetrized($0[0])).eigenvalues.exp() } == nil)
  }

  @Test func triangularSolveOfVectorAndEmptyMatrices() throws {
    let a = testTensor([3, 3], seed: 13) + 3 * identity(3)
    let b = testTensor([3], seed: 14)
    let x = try triangularSolve(a, b, upper: true)
    #expect(x.shape == [3])
    #expect(
      mismatch(x, try triangularSolve(a, b.reshaped([3, 1]), upper: true).reshaped([3])) == nil)
    #expect(
      gradientCheckFailure([a, b]) { try! triangularSolve($0[0], $0[1], upper: true) } == nil)
    let empty = Tensor.zeros([0, 0], dtype: .float64)
    #expect(try cholesky(empty).shape == [0, 0])
    #expect(try solve(empty, Tensor.zeros([0, 2], dtype: .float64)).shape == [0, 2])
    #expect(try eigh(empty).eigenvalues.shape == [0])
    #expect(try cholesky(Tensor.zeros([0, 3, 3], dtype: .float64)).shape == [0, 3, 3])
  }

  @Test func float32GradientsAgreeWithFloat64() {
    let x = testTensor([4, 4], seed: 15)
    let b = testTensor([4, 2], seed: 16)
    let loss: ([Tensor]) -> Tensor = { p in
      let a = symmetrized(p[0], shift: 3)
      let l = try! cholesky(a)
      let values = try! eigh(a).eigenvalues
      return (try! solve(a, p[1])).sum() + l.sum() + values.exp().sum()
    }
    let exact = grad(of: loss, at: [x, b])
    let single = grad(
      of: loss, at: [Tensor(x.doubles, shape: x.shape), Tensor(b.doubles, shape: b.shape)])
    for i in 0..<2 {
      #expect(single[i].dtype == .float32)
      #expect(
        mismatch(
          single[i].doubles, exact[i].doubles, relativeTolerance: 1e-4,
          absoluteTolerance: 1e-4) == nil)
    }
  }

  @Test func eigenvalueGradientIsFiniteForRepeatedEigenvalues() {
    // d(Σλ)/dA = I, also where all eigenvalues coincide.
    let g = grad(of: { try! eigh($0).eigenvalues.sum() }, at: 2 * identity(3))
    #expect(mismatch(g, identity(3), relativeTolerance: 0, absoluteTolerance: 1e-12) == nil)
  }
}
