import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// AdAdaGrad's adaptive batch-size tests and the streaming statistics under them: the norm test
/// against a brute-force float64 formula, Welford over micro-batches against the one-pass
/// statistics, the accumulator's two passes and merges against the matrix form, the four tests
/// against the official `tests.py` (golden file from scripts/golden/make_adadagrad_golden.py),
/// and the growth rule's clamping.
@Suite struct AdaptiveBatchTests {
  /// `rows × columns` float64 gradients around a non-zero mean.
  static func gradients(rows: Int, columns: Int, seed: UInt64) -> [[Double]] {
    var rng = RandomGenerator(seed: seed)
    func normal() -> Double {  // Box–Muller
      let u = (Double(rng.next() >> 11) + 1) * 0x1p-53
      let v = Double(rng.next() >> 11) * 0x1p-53
      return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
    let centre = (0..<columns).map { _ in normal() }
    return (0..<rows).map { _ in (0..<columns).map { 2 * normal() + centre[$0] } }
  }

  static func matrix(_ rows: [[Double]]) -> Tensor {
    Tensor(rows.flatMap { $0 }, shape: [rows.count, rows[0].count], dtype: .float64)
  }

  static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

  /// Two-pass brute force: the mean, then Σ (x − mean)² / (n − 1), per column.
  static func bruteForce(_ rows: [[Double]]) -> (mean: [Double], variance: [Double]) {
    let n = Double(rows.count)
    let mean = (0..<rows[0].count).map { j in rows.reduce(0) { $0 + $1[j] } / n }
    let variance = (0..<rows[0].count).map { j in
      rows.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / (n - 1)
    }
    return (mean, variance)
  }

  @Test func normTestValueEqualsTheBruteForceFormula() {
    for (seed, b, d, eta) in [(UInt64(1), 7, 13, 0.5), (2, 64, 51, 0.1), (3, 2, 5, 1.0)] {
      let rows = Self.gradients(rows: b, columns: d, seed: seed)
      let (mean, variance) = Self.bruteForce(rows)
      let expected =
        variance.reduce(0, +) / (eta * eta * mean.reduce(0) { $0 + $1 * $1 })
      let statistics = BatchGradientStatistics(perExampleGradients: Self.matrix(rows))
      let value = NormTest(eta: eta).requiredBatchSize(statistics)
      #expect(Self.relative(value, expected) <= 1e-12, "b \(b) d \(d): \(value) vs \(expected)")
      #expect(statistics.batchSize == b)
      #expect(
        NormTest(eta: eta).nextBatchSize(current: b, statistics: statistics, maximum: 1 << 40)
          == max(b, Int(expected.rounded(.up))))
    }
  }

  @Test func welfordMergedOverMicroBatchesEqualsOnePassStatistics() {
    let rows = Self.gradients(rows: 103, columns: 9, seed: 7)
    var onePass = WelfordStatistics(dimension: 9)
    for row in rows { onePass.add(row) }
    // Micro-batches of uneven sizes (including one of a single row), merged in order and as a
    // tree; an empty summary is a no-op.
    let cuts = [0, 1, 17, 40, 41, 80, 103]
    let parts = (0..<(cuts.count - 1)).map { k in
      WelfordStatistics(rows: Self.matrix(Array(rows[cuts[k]..<cuts[k + 1]])))
    }
    var sequential = WelfordStatistics(dimension: 9)
    for part in parts { sequential.merge(part) }
    sequential.merge(WelfordStatistics(dimension: 9))
    let tree = parts[0].merged(with: parts[1]).merged(with: parts[2])
      .merged(with: parts[3].merged(with: parts[4].merged(with: parts[5])))
    let (mean, variance) = Self.bruteForce(rows)
    for merged in [sequential, tree] {
      #expect(merged.count == onePass.count)
      for j in 0..<9 {
        #expect(Self.relative(merged.mean[j], onePass.mean[j]) <= 1e-12)
        #expect(Self.relative(merged.variance()[j], onePass.variance()[j]) <= 1e-12)
        #expect(Self.relative(merged.variance()[j], variance[j]) <= 1e-12)
        #expect(Self.relative(merged.mean[j], mean[j]) <= 1e-12)
      }
    }
    #expect(Self.relative(onePass.varianceSum(), variance.reduce(0, +)) <= 1e-12)
    #expect(
      Self.relative(onePass.variance(correction: 0)[0] * 103, onePass.sumOfSquaredDeviations[0])
        <= 1e-15)
    let empty = WelfordStatistics(dimension: 3).variance()
    #expect(empty.count == 3 && empty.allSatisfy { $0.isNaN })
  }

  @Test func accumulatorOverMicroBatchesAndWorkersEqualsTheMatrixStatistics() {
    let rows = Self.gradients(rows: 50, columns: 12, seed: 9)
    let blocks = [0..<5, 5..<6, 6..<12]
    for blocks in [nil, blocks] {
      let whole = BatchGradientStatistics(perExampleGradients: Self.matrix(rows), blocks: blocks)
      // Two workers, each with micro-batches; the second pass takes another split.
      var first = BatchGradientAccumulator(dimension: 12, blocks: blocks)
      var second = BatchGradientAccumulator(dimension: 12, blocks: blocks)
      first.add(Self.matrix(Array(rows[0..<8])))
      first.add(Self.matrix(Array(rows[8..<21])))
      second.add(Self.matrix(Array(rows[21..<50])))
      first.merge(second)
      first.finishMeans()
      for range in [0..<3, 3..<30, 30..<50] {
        first.addProjections(Self.matrix(Array(rows[range])))
      }
      let streamed = first.statistics()
      #expect(streamed.batchSize == 50)
      #expect(Self.relative(streamed.varianceSum, whole.varianceSum) <= 1e-12)
      #expect(
        Self.relative(streamed.innerProductVariance!, whole.innerProductVariance!) <= 1e-12)
      #expect(
        Self.relative(streamed.orthogonalVarianceSum!, whole.orthogonalVarianceSum!) <= 1e-12)
      for j in 0..<12 {
        #expect(Self.relative(streamed.meanGradient[j], whole.meanGradient[j]) <= 1e-12)
      }
    }
    // Without the second pass the projected statistics are absent.
    var meansOnly = BatchGradientAccumulator(dimension: 12)
    meansOnly.add(Self.matrix(rows))
    meansOnly.finishMeans()
    #expect(meansOnly.statistics().innerProductVariance == nil)
  }

  @Test func projectedStatisticsEqualTheirDefinitions() {
    // One block: Var(⟨g, ḡ⟩) brute force, and the orthogonal parts' variance, which for one block
    // is also tr Σ − ḡᵀΣḡ/‖ḡ‖² (the projection removes the variance along ḡ).
    let rows = Self.gradients(rows: 30, columns: 6, seed: 4)
    let statistics = BatchGradientStatistics(perExampleGradients: Self.matrix(rows))
    let mean = Self.bruteForce(rows).mean
    let norm2 = mean.reduce(0) { $0 + $1 * $1 }
    let products = rows.map { row in zip(row, mean).reduce(0) { $0 + $1.0 * $1.1 } }
    let productMean = products.reduce(0, +) / 30
    let productVariance = products.reduce(0) { $0 + ($1 - productMean) * ($1 - productMean) } / 29
    let orthogonal = rows.enumerated().map { i, row in
      row.enumerated().map { j, g in g - products[i] / norm2 * mean[j] }
    }
    let orthogonalVariance = Self.bruteForce(orthogonal).variance.reduce(0, +)
    #expect(Self.relative(statistics.innerProductVariance!, productVariance) <= 1e-12)
    #expect(Self.relative(statistics.orthogonalVarianceSum!, orthogonalVariance) <= 1e-12)
    let identity = statistics.varianceSum - productVariance / norm2
    #expect(Self.relative(statistics.orthogonalVarianceSum!, identity) <= 1e-10)
    let theta = 0.3
    let nu = 0.7
    #expect(
      Self.relative(
        InnerProductTest(theta: theta).requiredBatchSize(statistics),
        productVariance / (theta * theta * norm2 * norm2)) <= 1e-12)
    #expect(
      Self.relative(
        OrthogonalityTest(nu: nu).requiredBatchSize(statistics),
        orthogonalVariance / (nu * nu * norm2)) <= 1e-12)
    #expect(
      AugmentedInnerProductTest(theta: theta, nu: nu).requiredBatchSize(statistics)
        == max(
          InnerProductTest(theta: theta).requiredBatchSize(statistics),
          OrthogonalityTest(nu: nu).requiredBatchSize(statistics)))
  }

  struct GoldenFile: Decodable {
    struct Case: Decodable {
      struct Norm: Decodable { var batchSize: Int, varianceSum: Double, squaredNorm: Double }
      struct InnerProduct: Decodable { var batchSize: Int, variance: Double, squaredNorm: Double }
      struct Orthogonality: Decodable {
        var batchSize: Int, varianceSum: Double, squaredNorm: Double
      }
      struct Augmented: Decodable {
        var batchSize: Int, innerProductVariance: Double, orthogonalVarianceSum: Double
        var squaredNorm: Double
      }
      var name: String
      var batchSize: Int
      var blockSizes: [Int]
      var gradients: [[Double]]
      var eta, theta, nu: Double
      var norm: Norm
      var innerProduct: InnerProduct
      var orthogonality: Orthogonality
      var augmented: Augmented
    }
    var reference: String
    var cases: [Case]
  }

  @Test func testsMatchTheOfficialTestsPy() throws {
    let url = try #require(
      Bundle.module.url(forResource: "adadagrad", withExtension: "json", subdirectory: "Golden"))
    let golden = try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
    #expect(golden.reference.contains("cc126fba4b57c8ea1ffcd5ff5d30dc8891bf9f17"))
    #expect(golden.cases.count == 4)
    var grew = (norm: false, innerProduct: false, orthogonality: false, stayed: false)
    for c in golden.cases {
      var offset = 0
      let blocks = c.blockSizes.map { size in
        defer { offset += size }
        return offset..<(offset + size)
      }
      let statistics = BatchGradientStatistics(
        perExampleGradients: Self.matrix(c.gradients), blocks: blocks)
      let b = c.batchSize
      let huge = 1 << 40
      let close = { (a: Double, e: Double) in Self.relative(a, e) <= 1e-12 }
      #expect(statistics.batchSize == b)
      #expect(close(statistics.varianceSum, c.norm.varianceSum), "\(c.name)")
      #expect(close(statistics.meanGradientSquaredNorm, c.norm.squaredNorm), "\(c.name)")
      #expect(close(statistics.innerProductVariance!, c.innerProduct.variance), "\(c.name)")
      #expect(close(statistics.orthogonalVarianceSum!, c.orthogonality.varianceSum), "\(c.name)")
      #expect(close(statistics.innerProductVariance!, c.augmented.innerProductVariance))
      #expect(close(statistics.orthogonalVarianceSum!, c.augmented.orthogonalVarianceSum))
      let rules: [(any AdaptiveBatchRule, Int)] = [
        (NormTest(eta: c.eta), c.norm.batchSize),
        (InnerProductTest(theta: c.theta), c.innerProduct.batchSize),
        (OrthogonalityTest(nu: c.nu), c.orthogonality.batchSize),
        (AugmentedInnerProductTest(theta: c.theta, nu: c.nu), c.augmented.batchSize),
      ]
      for (rule, expected) in rules {
        #expect(
          rule.nextBatchSize(current: b, statistics: statistics, maximum: huge) == expected,
          "\(c.name): \(rule)")
      }
      grew.norm = grew.norm || c.norm.batchSize > b
      grew.innerProduct = grew.innerProduct || c.innerProduct.batchSize > b
      grew.orthogonality = grew.orthogonality || c.orthogonality.batchSize > b
      grew.stayed = grew.stayed || c.norm.batchSize == b
    }
    // The cases exercise both branches of every test.
    #expect(grew.norm && grew.innerProduct && grew.orthogonality && grew.stayed)
  }

  @Test func nextBatchSizeNeverShrinksAndIsClamped() {
    let rows = Self.gradients(rows: 10, columns: 4, seed: 5)
    let statistics = BatchGradientStatistics(perExampleGradients: Self.matrix(rows))
    let test = NormTest(eta: 0.01)  // asks for a very large batch
    let required = test.requiredBatchSize(statistics)
    #expect(required > 100)
    #expect(test.nextBatchSize(current: 10, statistics: statistics, maximum: 100) == 100)
    let loose = NormTest(eta: 1e6)  // asks for almost nothing
    #expect(loose.nextBatchSize(current: 10, statistics: statistics, maximum: 100) == 10)
    // A zero batch gradient: +∞ with noise (the maximum), NaN without (keep the batch).
    let symmetric = Self.matrix([[1, -2], [-1, 2]])
    let zeroMean = BatchGradientStatistics(perExampleGradients: symmetric)
    #expect(test.requiredBatchSize(zeroMean) == .infinity)
    #expect(test.nextBatchSize(current: 2, statistics: zeroMean, maximum: 64) == 64)
    let constant = BatchGradientStatistics(perExampleGradients: Self.matrix([[0, 0], [0, 0]]))
    #expect(test.requiredBatchSize(constant).isNaN)
    #expect(test.nextBatchSize(current: 2, statistics: constant, maximum: 64) == 2)
    #expect(!test.needsProjections && InnerProductTest(theta: 1).needsProjections)
  }
}
