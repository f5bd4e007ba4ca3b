import Descent
import Foundation
import Testing

// Reference values: Random123's tests/kat_vectors (github.com/DEShawResearch/random123) for
// Philox4x32-10; the tensor-layout values below come from an independent Python transcription of
// Random123's philox4x32_R that reproduces those vectors (NumPy's `Philox` is the 4x64 variant and
// cannot serve here).

@Suite struct RandomTests {
  static let n = 1 << 20

  @Test func philoxKnownAnswerVectors() {
    let cases: [(SIMD4<UInt32>, SIMD2<UInt32>, SIMD4<UInt32>)] = [
      (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
      (
        SIMD4(repeating: 0xffff_ffff), SIMD2(repeating: 0xffff_ffff),
        SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)
      ),
      (
        SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2(0xa409_3822, 0x299f_31d0),
        SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)
      ),
    ]
    for (counter, key, expected) in cases {
      #expect(Philox4x32.block(counter: counter, key: key) == expected)
    }
  }

  @Test func tensorLayoutMatchesReference() {
    // Element i of a float32 uniform is word i % 4 of block i / 4, top 24 bits: exact dyadic
    // values.
    let key = RandomKey(seed: 42)
    let u32 = Tensor.uniform([8], key: key).scalars(as: Float.self)
    #expect(
      u32 == [
        0.6129598617553711, 0.4685865044593811, 0.07323169708251953, 0.3408614993095398,
        0.9877186417579651, 0.32706332206726074, 0.5139061212539673, 0.45431554317474365,
      ])
    let u64 = Tensor.uniform([4], dtype: .float64, key: key).doubles
    #expect(
      u64 == [0.6129598811894158, 0.07323173744158384, 0.9877186509145105, 0.5139061469711166])
    let z = Tensor.normal([2], key: key).doubles
    #expect(abs(z[0] - -0.9701897898778522) < 1e-6 && abs(z[1] - 0.19401895606956673) < 1e-6)
    #expect(key.split(into: 2).map(\.bits) == [0x9807_e022_2043_9b04, 0x5a93_6ff5_1f85_8d22])
    #expect(key.folded(in: 7).bits == 0xeb96_c96f_72f5_1705)
  }

  /// Every generator, on ≥ 1M elements so that the fill really splits over threads.
  static let generators: [(String, @Sendable (RandomKey) -> Tensor)] = [
    ("uniform float32", { Tensor.uniform([n], low: -1, high: 3, key: $0) }),
    ("uniform float64", { Tensor.uniform([n], dtype: .float64, key: $0) }),
    ("normal float32", { Tensor.normal([n + 3], mean: 1, std: 2, key: $0) }),
    ("normal float64", { Tensor.normal([n + 1], dtype: .float64, key: $0) }),
    ("truncatedNormal", { Tensor.truncatedNormal([n], key: $0) }),
    ("bernoulli", { Tensor.bernoulli([n], probability: 0.3, key: $0) }),
    ("rademacher", { Tensor.rademacher([n], key: $0) }),
    ("randint", { Tensor.randint([n], low: -5, high: 1_000_003, key: $0) }),
    ("permutation", { Tensor.permutation(n, key: $0) }),
  ]

  @Test(arguments: 0..<generators.count)
  func sameKeyGivesIdenticalBitsForAnyThreadCount(_ index: Int) {
    let (name, generate) = Self.generators[index]
    let key = RandomKey(seed: 2026)
    let one = withThreads(1) { generate(key) }
    let two = withThreads(2) { generate(key) }
    #expect(one.count >= 1 << 20)
    let (a, b) = (one.bytes, two.bytes)
    // `==` first (a fast memcmp); the byte-by-byte search only runs to report a failure.
    let difference = a == b ? nil : a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? 0
    #expect(difference == nil, "\(name): byte \(difference ?? 0) differs between 1 and 2 threads")
    let other = generate(key.folded(in: 1))
    #expect(a != other.bytes, "\(name) ignores its key")
  }

  @Test func splitAndFoldedKeysAreDistinctStreams() {
    let root = RandomKey(seed: 7)
    let keys = root.split(into: 64) + (0..<64).map { root.folded(in: $0) } + [root]
    #expect(Set(keys).count == keys.count)
    #expect(root.split(into: 3) == Array(root.split(into: 5).prefix(3)))
    #expect(root.split() == (root.split(into: 2)[0], root.split(into: 2)[1]))
    let a = Tensor.uniform([1000], key: keys[0]).scalars(as: Float.self)
    let b = Tensor.uniform([1000], key: keys[1]).scalars(as: Float.self)
    // Independent uniforms agree on about 0 of 1000 elements (probability 2⁻²⁴ each).
    #expect(zip(a, b).filter { $0 == $1 }.count <= 1)
    #expect(abs(correlation(a.map(Double.init), b.map(Double.init))) < 0.2)
  }

  @Test func generatorIsReproducibleAndCodable() throws {
    var g = RandomGenerator(seed: 5)
    let first = Tensor.normal([16], using: &g)
    _ = g.next()
    let saved = try JSONEncoder().encode(g)
    let x = Tensor.uniform([16], using: &g)
    let word = g.next()
    var restored = try JSONDecoder().decode(RandomGenerator.self, from: saved)
    #expect(restored == RandomGenerator(key: RandomKey(seed: 5), counter: 2))
    #expect(Tensor.uniform([16], using: &restored).bytes == x.bytes)
    #expect(restored.next() == word)
    var fresh = RandomGenerator(seed: 5)
    #expect(Tensor.normal([16], using: &fresh).bytes == first.bytes)
    #expect(first.bytes == Tensor.normal([16], key: RandomKey(seed: 5).folded(in: 0)).bytes)
    let roll = Int.random(in: 1...6, using: &fresh)
    #expect((1...6).contains(roll))
  }

  @Test(arguments: [DType.float32, .float64])
  func normalMomentsWithinFiveStandardErrors(_ dtype: DType) {
    let values = Tensor.normal([Self.n], mean: 2, std: 3, dtype: dtype, key: RandomKey(seed: 11))
      .doubles
    let (mean, variance) = moments(values)
    let count = Double(values.count)
    // Standard errors: σ/√n for the mean, σ²·√(2/n) for the variance of a normal sample.
    #expect(abs(mean - 2) < 5 * 3 / count.squareRoot())
    #expect(abs(variance - 9) < 5 * 9 * (2 / count).squareRoot())
    // Fourth moment (kurtosis 3) catches a wrong transform with the right variance.
    let kurtosis = values.reduce(0) { $0 + pow(($1 - mean), 4) } / count / (variance * variance)
    #expect(abs(kurtosis - 3) < 0.05)
  }

  @Test(arguments: [DType.float32, .float64])
  func uniformStaysInRangeWithRightMoments(_ dtype: DType) {
    let values = Tensor.uniform([Self.n], low: -2, high: 6, dtype: dtype, key: RandomKey(seed: 3))
      .doubles
    #expect(values.allSatisfy { $0 >= -2 && $0 < 6 })
    let (mean, variance) = moments(values)
    let count = Double(values.count)
    #expect(abs(mean - 2) < 5 * (64.0 / 12 / count).squareRoot())
    #expect(abs(variance - 64.0 / 12) < 5 * 64 * (1.0 / 180 / count).squareRoot())
    let unit = Tensor.uniform([Self.n], dtype: dtype, key: RandomKey(seed: 4)).doubles
    #expect(unit.allSatisfy { $0 >= 0 && $0 < 1 })
    let resolution = dtype == .float32 ? 0x1p-24 : 0x1p-53
    #expect(unit.allSatisfy { ($0 / resolution).rounded() == $0 / resolution })
  }

  @Test func bernoulliFrequencyMatchesProbability() {
    for p in [0.0, 0.01, 0.3, 0.5, 1.0] {
      let values = Tensor.bernoulli(
        [Self.n], probability: p, dtype: .uint8, key: RandomKey(seed: 9)
      ).ints
      #expect(values.allSatisfy { $0 == 0 || $0 == 1 })
      let frequency = Double(values.reduce(0, +)) / Double(values.count)
      #expect(abs(frequency - p) <= 5 * (p * (1 - p) / Double(values.count)).squareRoot())
    }
  }

  @Test func rademacherIsPlusOrMinusOneWithMeanZero() {
    for dtype in [DType.float32, .float64, .int32] {
      let values = Tensor.rademacher([Self.n], dtype: dtype, key: RandomKey(seed: 13)).doubles
      #expect(values.allSatisfy { $0 == 1 || $0 == -1 })
      let count = Double(values.count)
      let mean: Double = values.reduce(0, +) / count
      #expect(abs(mean) < 5 / count.squareRoot())
    }
  }

  @Test func randintCoversItsRangeUniformly() {
    let values = Tensor.randint([Self.n], low: -3, high: 7, key: RandomKey(seed: 17))
    #expect(values.dtype == .int32)
    var counts = [Int](repeating: 0, count: 10)
    for v in values.ints {
      #expect(v >= -3 && v < 7)
      counts[v + 3] += 1
    }
    let expected = Double(Self.n) / 10
    let standardError = (expected * 0.9).squareRoot()
    #expect(counts.allSatisfy { abs(Double($0) - expected) < 5 * standardError })
    // A range that does not divide 2³² (rejection happens) and the full int32 range.
    let wide = Tensor.randint([4096], low: 0, high: 3_000_000_000 / 2, key: RandomKey(seed: 1)).ints
    #expect(wide.allSatisfy { $0 >= 0 && $0 < 1_500_000_000 } && Set(wide).count > 4000)
    let full = Tensor.randint(
      [4096], low: Int(Int32.min), high: Int(Int32.max) + 1, key: RandomKey(seed: 2))
    #expect(full.ints.contains { $0 < 0 } && full.ints.contains { $0 > 0 })
    #expect(
      Tensor.randint([100], low: 5, high: 6, key: RandomKey(seed: 3)).ints
        == Array(repeating: 5, count: 100))
  }

  @Test func permutationIsAPermutation() {
    for n in [0, 1, 2, 7, 1000, Self.n] {
      let p = Tensor.permutation(n, key: RandomKey(seed: UInt64(n)))
      #expect(p.dtype == .int32 && p.shape == [n])
      #expect(p.ints.sorted() == Array(0..<n))
    }
    // Every position of a 3-permutation equally likely: each of 6 orders about 1/6 of the time.
    var orders: [[Int]: Int] = [:]
    for seed in 0..<6000 {
      orders[Tensor.permutation(3, key: RandomKey(seed: UInt64(seed))).ints, default: 0] += 1
    }
    #expect(orders.count == 6)
    #expect(orders.values.allSatisfy { abs($0 - 1000) < 5 * 29 })
  }

  @Test func truncatedNormalStaysInBoundsWithTruncatedMoments() {
    let values = Tensor.truncatedNormal([Self.n], mean: 1, std: 2, key: RandomKey(seed: 19)).doubles
    #expect(values.allSatisfy { $0 >= 1 - 4 && $0 <= 1 + 4 })
    let (mean, variance) = moments(values)
    // Variance of N(0, 1) truncated to [−2, 2]: 1 − 2·2φ(2) / (Φ(2) − Φ(−2)) = 0.773741.
    #expect(abs(mean - 1) < 5 * 2 * (0.773741 / Double(values.count)).squareRoot())
    #expect(abs(variance / 4 - 0.773741) < 0.01)
  }
}

private func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
  let mean = values.reduce(0, +) / Double(values.count)
  let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
  return (mean, variance)
}

private func correlation(_ a: [Double], _ b: [Double]) -> Double {
  let (ma, va) = moments(a)
  let (mb, vb) = moments(b)
  let covariance = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) } / Double(a.count - 1)
  return covariance / (va * vb).squareRoot()
}
