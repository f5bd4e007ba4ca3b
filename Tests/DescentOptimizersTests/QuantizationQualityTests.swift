import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// Round-trip error bounds and the quality ordering of the paper (Dettmers et al. 2022, §2) on
/// heavy-tailed Adam-like states.
@Suite("Quantization quality")
struct QuantizationQualityTests {
  /// m = N(0,1)·lognormal(0,2)·1e-3 and v = m²·U(0.5,2), as in the issue.
  static func adamLikeStates(count: Int, seed: UInt64) -> (m: Tensor, v: Tensor) {
    var rng = SeededSamples(seed: seed)
    var m = [Double]()
    var v = [Double]()
    for _ in 0..<count {
      let x = rng.normal() * exp(2 * rng.normal()) * 1e-3
      m.append(x)
      v.append(x * x * (0.5 + 1.5 * rng.unit()))
    }
    return (Tensor(m, shape: [count]), Tensor(v, shape: [count]))
  }

  struct Quality {
    let meanRelativeErrorOfM: Double
    let fractionOfVAtZero: Double
  }

  static func quality(signed: QuantizationMapKind, unsigned: QuantizationMapKind, blockSize: Int)
    -> Quality
  {
    let (m, v) = adamLikeStates(count: 1 << 16, seed: 11)
    let mBack = QuantizedTensor(m, map: signed, blockSize: blockSize).dequantized()
    let vBack = QuantizedTensor(v, map: unsigned, blockSize: blockSize).dequantized()
    let ms = m.scalars(as: Float.self)
    let mb = mBack.scalars(as: Float.self)
    var relative = 0.0
    var counted = 0
    for (x, y) in zip(ms, mb) where x != 0 {
      relative += Double(abs(y - x) / abs(x))
      counted += 1
    }
    let vs = v.scalars(as: Float.self)
    let zeros = zip(vs, vBack.scalars(as: Float.self)).filter { $0 > 0 && $1 == 0 }.count
    return Quality(
      meanRelativeErrorOfM: relative / Double(counted),
      fractionOfVAtZero: Double(zeros) / Double(vs.filter { $0 > 0 }.count))
  }

  @Test("block-wise B=256 beats B=2048 beats tensor-wise beats a linear map")
  func qualityOrdering() {
    let n = 1 << 16
    let b256 = Self.quality(signed: .dynamicSigned, unsigned: .dynamicUnsigned, blockSize: 256)
    let b2048 = Self.quality(signed: .dynamicSigned, unsigned: .dynamicUnsigned, blockSize: 2048)
    let tensorWise = Self.quality(signed: .dynamicSigned, unsigned: .dynamicUnsigned, blockSize: n)
    let linear = Self.quality(signed: .linearSigned, unsigned: .linearUnsigned, blockSize: n)
    let linear256 = Self.quality(signed: .linearSigned, unsigned: .linearUnsigned, blockSize: 256)
    let ladder = [b256, b2048, tensorWise, linear]
    print(
      "quality (mean rel. error of m, fraction of v at 0): B=256", b256, "B=2048", b2048,
      "tensor-wise", tensorWise, "linear tensor-wise", linear, "linear B=256", linear256)
    for (better, worse) in zip(ladder, ladder.dropFirst()) {
      #expect(better.meanRelativeErrorOfM < worse.meanRelativeErrorOfM)
      #expect(better.fractionOfVAtZero < worse.fractionOfVAtZero)
    }
    // The dynamic map matters even with small blocks.
    #expect(b256.meanRelativeErrorOfM < linear256.meanRelativeErrorOfM)
    #expect(b256.fractionOfVAtZero < linear256.fractionOfVAtZero)
    // The paper digest's numpy figures (0.068 and 25% at B = 256), within sampling noise.
    #expect(abs(b256.meanRelativeErrorOfM - 0.068) < 0.02)
    #expect(abs(b256.fractionOfVAtZero - 0.25) < 0.05)
  }

  @Test("round trip: error at most half the widest gap of the map times absmax, per block")
  func roundTripBound() {
    var rng = SeededSamples(seed: 5)
    for (kind, blockSize) in [
      (QuantizationMapKind.dynamicSigned, 256), (.dynamicSigned, 2048), (.dynamicUnsigned, 256),
      (.linearSigned, 64),
    ] {
      let signed = kind == .dynamicSigned || kind == .linearSigned
      let n = 5 * blockSize + 37  // a partial last block
      let values = (0..<n).map { _ in signed ? rng.normal() : rng.unit() * 3 }
      let x = Tensor(values, shape: [n])
      let q = QuantizedTensor(x, map: kind, blockSize: blockSize)
      let back = q.dequantized().scalars(as: Float.self)
      let xs = x.scalars(as: Float.self)
      let absmax = q.absmax.scalars(as: Float.self)
      let map = kind.map.values
      let widestGap = zip(map, map.dropFirst()).map { $1 - $0 }.max()!
      for i in 0..<n {
        let scale = absmax[i / blockSize]
        #expect(abs(back[i] - xs[i]) <= (widestGap / 2) * scale * 1.0001, "\(kind) at \(i)")
      }
      // Each block's largest magnitude comes back exactly (code for ±1 × absmax).
      for b in 0..<q.blockCount {
        let block = xs[(b * blockSize)..<min(n, (b + 1) * blockSize)]
        #expect(absmax[b] == block.map { abs($0) }.max()!)
        let k = block.indices.max { abs(xs[$0]) < abs(xs[$1]) }!
        if xs[k] > 0 { #expect(back[k] == xs[k]) }
      }
    }
  }

  @Test("zeros, empty tensors and Codable round trip")
  func edgeCases() throws {
    let z = QuantizedTensor.zeros(shape: [3, 100], map: .dynamicSigned, blockSize: 256)
    #expect(z.blockCount == 2 && z.byteCount == 300 + 8)
    #expect(z.dequantized().scalars(as: Float.self).allSatisfy { $0 == 0 })
    let empty = QuantizedTensor(Tensor.zeros([0]), map: .dynamicUnsigned, blockSize: 256)
    #expect(empty.blockCount == 0 && empty.dequantized().count == 0)
    let x = Tensor((0..<1000).map { sin(Double($0)) }, shape: [10, 100])
    let q = QuantizedTensor(x, map: .dynamicSigned, blockSize: 128)
    let decoded = try JSONDecoder().decode(QuantizedTensor.self, from: JSONEncoder().encode(q))
    #expect(decoded == q)
    #expect(decoded.dequantized().shape == [10, 100])
  }
}
