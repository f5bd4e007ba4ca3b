import Descent
import DescentCurvature
import DescentTestSupport
import Testing

@Suite("Hutchinson estimators")
struct HutchinsonTests {
  /// A 50×50 SPD matrix `M Mᵀ/50 + ½I`: diagonal ≈ 1.5, off-diagonal entries ≈ ±0.14.
  static func spdMatrix() -> Tensor {
    let m = testTensor([50, 50], seed: 21, range: -1.7...1.7)
    return m.matmul(m.transposed()) * m.scalar(1.0 / 50) + Tensor.eye(50, dtype: .float64)
      * m.scalar(0.5)
  }

  static func diagonal(_ a: Tensor) -> [Double] { (0..<a.shape[0]).map { entry(a, $0, $0) } }

  @Test("The diagonal estimate of a 50×50 SPD matrix is within 3% after 10⁴ Rademacher probes")
  func diagonalWithinThreePercent() {
    let a = Self.spdMatrix()
    let truth = Self.diagonal(a)
    let result = hutchinsonDiagonal(
      LinearOperator(matrix: a), samples: 10_000, key: RandomKey(seed: 8))
    let estimate = result.estimate.doubles
    let errors = result.standardError.doubles
    #expect(result.sampleCount == 10_000)
    for i in 0..<50 {
      #expect(
        abs(estimate[i] - truth[i]) / truth[i] < 0.03,
        "coordinate \(i): \(estimate[i]) vs \(truth[i])")
      // Random probes: a positive standard error (a constant probe gives exactly 0), consistent
      // with the observed error and with theory, √(Σ_{j≠i} A_ij² / S).
      #expect(errors[i] > 0)
      #expect(abs(estimate[i] - truth[i]) < 5 * errors[i])
      let offDiagonal = (0..<50).filter { $0 != i }.reduce(0.0) {
        $0 + entry(a, i, $1) * entry(a, i, $1)
      }
      let predicted = (offDiagonal / 10_000).squareRoot()
      #expect(abs(errors[i] / predicted - 1) < 0.1)
    }
  }

  @Test("Constant probes are biased and have zero standard error, so the checks above catch them")
  func constantProbesAreCaught() {
    let a = Self.spdMatrix()
    let truth = Self.diagonal(a)
    let ones = Tensor.ones([50], dtype: .float64)
    let constant = hutchinsonDiagonal(LinearOperator(matrix: a), samples: 100) { _ in ones }
    // z = 1 gives z ⊙ Az = the row sums of A, not its diagonal.
    let worst = zip(constant.estimate.doubles, truth).map { abs($0 - $1) / $1 }.max()!
    #expect(worst > 0.03)
    #expect(constant.standardError.doubles.allSatisfy { $0 == 0 })
    let constantTrace = hutchinsonTrace(LinearOperator(matrix: a), samples: 100) { _ in ones }
    #expect(constantTrace.standardError == 0)
    // The key-driven probes do differ from one sample to the next.
    let p0 = ProbeDistribution.rademacher.probe(
      dimension: 50, dtype: .float64, key: RandomKey(seed: 8), index: 0)
    let p1 = ProbeDistribution.rademacher.probe(
      dimension: 50, dtype: .float64, key: RandomKey(seed: 8), index: 1)
    #expect(p0.doubles != p1.doubles)
    #expect(p0.doubles.allSatisfy { $0 == 1 || $0 == -1 })
  }

  @Test("Gaussian probes also estimate the diagonal without bias")
  func gaussianDiagonal() {
    let a = Self.spdMatrix()
    let truth = Self.diagonal(a)
    let result = hutchinsonDiagonal(
      LinearOperator(matrix: a), samples: 4000, distribution: .gaussian, key: RandomKey(seed: 3))
    for (i, (value, error)) in zip(result.estimate.doubles, result.standardError.doubles)
      .enumerated()
    {
      #expect(error > 0)
      #expect(abs(value - truth[i]) < 5 * error)
    }
  }

  @Test(
    "The trace estimate lies within its standard error bounds",
    arguments: [ProbeDistribution.rademacher, .gaussian])
  func traceWithinStandardError(distribution: ProbeDistribution) {
    let a = Self.spdMatrix()
    let truth = Self.diagonal(a).reduce(0, +)
    let result = hutchinsonTrace(
      LinearOperator(matrix: a), samples: 2000, distribution: distribution, key: RandomKey(seed: 5))
    #expect(result.standardError > 0)
    #expect(abs(result.estimate - truth) < 4 * result.standardError)
    // Theory: Var(zᵀAz) = 2 Σ_{i≠j} A_ij² (Rademacher) or 2‖A‖_F² (Gaussian).
    var frobenius = 0.0
    var offDiagonal = 0.0
    for i in 0..<50 {
      for j in 0..<50 {
        let x = entry(a, i, j) * entry(a, i, j)
        frobenius += x
        if i != j { offDiagonal += x }
      }
    }
    let variance = 2 * (distribution == .rademacher ? offDiagonal : frobenius)
    let predicted = (variance / 2000).squareRoot()
    #expect(abs(result.standardError / predicted - 1) < 0.15)
  }

  @Test("A float32 operator works and replays exactly with the same key")
  func float32Replays() {
    let a = Self.spdMatrix().cast(to: .float32)
    let first = hutchinsonTrace(LinearOperator(matrix: a), samples: 10, key: RandomKey(seed: 1))
    let second = hutchinsonTrace(LinearOperator(matrix: a), samples: 10, key: RandomKey(seed: 1))
    #expect(first == second)
    #expect(abs(first.estimate - 75) < 15)
  }
}
