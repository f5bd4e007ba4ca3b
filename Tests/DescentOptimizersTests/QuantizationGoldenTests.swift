import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// Maps and block-wise quantization against bitsandbytes 0.50.2
/// (Golden/quantization.json from scripts/golden/make_quantization_golden.py). Everything is
/// compared bit for bit: the maps are tabulated from the reference, and the quantizer performs
/// the reference kernel's float32 operations (scale, midpoint comparison, code × absmax).
@Suite("Quantization golden (bitsandbytes)")
struct QuantizationGoldenTests {
  struct GoldenCase: Decodable {
    let name: String
    let map: String
    let blockSize: Int
    let input: [UInt32]
    let codes: [Int]
    let absmax: [UInt32]
    let dequantized: [UInt32]
  }
  struct GoldenFile: Decodable {
    let reference: String
    let maps: [String: [UInt32]]
    let cases: [GoldenCase]
  }

  static let golden: GoldenFile = {
    let url = Bundle.module.url(
      forResource: "quantization", withExtension: "json", subdirectory: "Golden")!
    return try! JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
  }()

  @Test("signed and unsigned dynamic maps equal create_dynamic_map to the bit")
  func mapsMatch() {
    #expect(Self.golden.reference.hasPrefix("bitsandbytes 0.50.2"))
    #expect(DynamicQuantizationMap.signed.values.map(\.bitPattern) == Self.golden.maps["signed"]!)
    #expect(
      DynamicQuantizationMap.unsigned.values.map(\.bitPattern) == Self.golden.maps["unsigned"]!)
  }

  @Test("the maps' landmarks: range, zero, smallest nonzero magnitude")
  func mapLandmarks() {
    let s = DynamicQuantizationMap.signed.values
    let u = DynamicQuantizationMap.unsigned.values
    #expect(s.first! == Float(-0.99296875) || abs(s.first! + 0.99296875) < 1e-6)
    #expect(s.last! == 1 && u.last! == 1 && u.first! == 0)
    #expect(s[127] == 0)
    #expect(abs(s[128] - 5.5e-7) < 1e-9)
    #expect(abs(u[1] - 3.25e-7) < 1e-9)
  }

  @Test(
    "nearestCode is the count of midpoints below the value, on every map",
    arguments: QuantizationMapKind.allCases)
  func nearestCodeMatchesBinarySearch(kind: QuantizationMapKind) {
    let map = kind.map
    var rng = SeededSamples(seed: 7)
    var probes: [Float] = map.bounds.prefix(255).flatMap { [$0, $0.nextUp, $0.nextDown] }
    probes += map.values + [-1, 1, 0, -0.0, 1e-30, -1e-30]
    for _ in 0..<20000 {
      let magnitude = Float(pow(10, -8 * rng.unit()))
      probes.append(rng.unit() < 0.5 ? -magnitude : magnitude)
    }
    for x in probes {
      let expected = map.bounds.prefix(255).filter { $0 < x }.count
      #expect(Int(map.nearestCode(x)) == expected, "\(kind) at \(x)")
    }
  }

  @Test("quantize_blockwise / dequantize_blockwise cases")
  func blockwiseCases() {
    for c in Self.golden.cases {
      let values = c.input.map { Double(Float(bitPattern: $0)) }
      let x = Tensor(values, shape: [values.count], dtype: .float32)
      let kind: QuantizationMapKind = c.map == "signed" ? .dynamicSigned : .dynamicUnsigned
      let q = QuantizedTensor(x, map: kind, blockSize: c.blockSize)
      let label = "\(c.name) B=\(c.blockSize)"
      #expect(q.blockCount == c.absmax.count, "\(label)")
      #expect(q.codes.bytes.map(Int.init) == c.codes, "\(label): codes")
      // bitsandbytes' reference stores a zero partial block's absmax as 1e-38, Descent as 0:
      // both dequantize to 0, so absmax is compared after the same clamp.
      let absmax = q.absmax.scalars(as: Float.self).map { max($0, 1e-38).bitPattern }
      #expect(absmax == c.absmax.map { max(Float(bitPattern: $0), 1e-38).bitPattern }, "\(label)")
      let back = q.dequantized().scalars(as: Float.self).map(\.bitPattern)
      #expect(back == c.dequantized, "\(label): dequantized")
    }
  }

  @Test("results do not depend on the thread count")
  func threadIndependent() {
    var rng = SeededSamples(seed: 3)
    let n = 300_000 + 17
    let x = Tensor((0..<n).map { _ in rng.unit() * 2 - 1 }, shape: [n], dtype: .float32)
    let one = withThreads(1) { QuantizedTensor(x, map: .dynamicSigned, blockSize: 256) }
    let two = withThreads(2) { QuantizedTensor(x, map: .dynamicSigned, blockSize: 256) }
    #expect(one == two)
    #expect(one.blockCount == (n + 255) / 256)
  }
}

/// Seeded test inputs (SplitMix64) with uniform and normal samples, so every random test replays.
struct SeededSamples {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
  /// Standard normal (Box–Muller).
  mutating func normal() -> Double {
    let u = max(unit(), 1e-300)
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * unit())
  }
}
