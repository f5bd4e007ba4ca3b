import Descent
import DescentCurvature
import DescentTestSupport
import Testing

@Suite("Lanczos and power iteration")
struct EigenvalueTests {
  @Test("Lanczos with full reorthogonalization reproduces eigh on a 40×40 matrix to 1e-8")
  func lanczosMatchesEigh() throws {
    let a = symmetricMatrix(40, seed: 11)
    let reference = try eigh(a).eigenvalues.doubles.reversed() as [Double]
    let pairs = try topEigenpairs(
      LinearOperator(matrix: a), count: 40, iterations: 40, key: RandomKey(seed: 1))
    #expect(pairs.eigenvalues.count == 40)
    for (found, expected) in zip(pairs.eigenvalues, reference) {
      #expect(abs(found - expected) <= 1e-8, "Ritz value \(found), eigh \(expected)")
    }
    // The Ritz vectors are eigenvectors: ‖A y − θ y‖ small, and the reported residual agrees.
    for i in 0..<5 {
      let y = pairs.eigenvectors[i]
      let residual = a.matmul(y) - y * y.scalar(pairs.eigenvalues[i])
      let r = residual.square().sum().item.squareRoot()
      #expect(r < 1e-7)
      #expect(abs((y * y).sum().item - 1) < 1e-10)
    }
  }

  @Test("Lanczos basis stays orthonormal with reorthogonalization")
  func basisOrthonormal() throws {
    var spectrum: [Double] = (0..<60).map { (i: Int) -> Double in 1 / Double(i + 1) }
    spectrum[0] = 100
    let a = try matrixWithSpectrum(spectrum, seed: 3)
    let start = Tensor.rademacher([60], dtype: .float64, key: RandomKey(seed: 2))
    let decomposition = lanczos(LinearOperator(matrix: a), iterations: 50, start: start)
    let q = Tensor.stack(decomposition.basis, axis: 0)
    let gram = q.matmul(q.transposed())
    let deviation = (gram - Tensor.eye(q.shape[0], dtype: .float64)).abs().max().item
    #expect(deviation < 1e-12)
  }

  @Test("A short Lanczos run finds a separated top eigenvalue")
  func shortLanczosTopEigenvalue() throws {
    var spectrum = (0..<200).map { Double($0) / 200 }
    spectrum[199] = 3
    let a = try matrixWithSpectrum(spectrum, seed: 5)
    let pairs = try topEigenpairs(
      LinearOperator(matrix: a), count: 1, iterations: 20, key: RandomKey(seed: 9))
    #expect(abs(pairs.eigenvalues[0] - 3) / 3 < 1e-8)
    #expect(pairs.residualNorms[0] < 1e-4)
    #expect(pairs.residuals[0] < 1e-4)
    #expect(pairs.operatorApplications == 20 + pairs.eigenvectors.count)
  }

  @Test("Power iteration converges to the top eigenvalue of a matrix with a known gap")
  func powerIterationKnownGap() throws {
    // Eigenvalues 10, 5, then ≤ 4.5: the error shrinks by (5/10)² per iteration in the eigenvalue.
    let rest: [Double] = (0..<28).map { (i: Int) -> Double in 4.5 * Double(i) / 28 - 2 }
    let spectrum: [Double] = [10, 5] + rest
    let a = try matrixWithSpectrum(spectrum, seed: 7)
    let result = powerIteration(
      LinearOperator(matrix: a), tolerance: 1e-12, maxIterations: 500, key: RandomKey(seed: 4))
    #expect(result.converged)
    #expect(abs(result.eigenvalue - 10) < 1e-9)
    // Convergence at the rate the gap predicts: ~log(1e-12)/log(1/4) ≈ 20 iterations, not hundreds.
    #expect(result.iterations < 60)
    let q = try eigh(a).eigenvectors
    let top = (0..<30).map { entry(q, $0, 29) }
    let alignment = abs(inner(result.eigenvector.doubles, top))
    #expect(abs(alignment - 1) < 1e-5)
    // Without enough iterations it reports non-convergence.
    let short = powerIteration(
      LinearOperator(matrix: a), tolerance: 1e-12, maxIterations: 3, key: RandomKey(seed: 4))
    #expect(!short.converged)
  }
}

func inner(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
