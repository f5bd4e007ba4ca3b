import CDescentKernels
import Foundation
import Testing

@testable import Descent

/// The random tensors' C kernels (CDescentKernels/RandomKernels.c): Philox blocks generated in
/// batches must equal `Philox4x32.block`, and `Tensor.normal`'s Box–Muller with Descent's own
/// vectorized float64 ln, sin and cos must agree with the same transform through the C library's.
@Suite struct RandomKernelTests {
  static let count = 1 << 16

  /// The Box–Muller pair of one (u₁, u₂) with the C library's log, cos and sin.
  static func reference(_ u1: Double, _ u2: Double) -> (Double, Double) {
    let r = (-2 * Foundation.log(u1)).squareRoot()
    let theta = 2 * Double.pi * u2
    return (r * Foundation.cos(theta), r * Foundation.sin(theta))
  }

  @Test func batchedPhiloxBlocksEqualTheSwiftPhilox() {
    // Several batches of 256 blocks, a partial last block, and a key with both words set.
    let key = RandomKey(seed: 0xDEAD_BEEF_1234)
    let count = 4 * 700 + 3
    let values = Tensor.uniform([count], key: key).scalars(as: Float.self)
    for i in 0..<count {
      let bits = key.block(UInt64(i / 4))[i % 4]
      #expect(values[i] == Float(bits >> 8) * 0x1p-24, "element \(i)")
      if values[i] != Float(bits >> 8) * 0x1p-24 { break }
    }
    // Block indices crossing 2³² (counter word 1), straight through the C kernel.
    let first = (UInt64(1) << 32) - 9
    var words = [UInt32](repeating: 0, count: 4 * 20)
    descent_philox4x32_blocks(first, 20, 0, 0, key.philoxKey.x, key.philoxKey.y, &words)
    for j in 0..<20 {
      let expected = key.block(first + UInt64(j))
      #expect(Array(words[4 * j..<4 * j + 4]) == [expected.x, expected.y, expected.z, expected.w])
    }
  }

  @Test func float64ValuesMatchTheLibmTransformWithinAFewUlps() {
    let key = RandomKey(seed: 2024)
    let values = Tensor.normal([Self.count], dtype: .float64, key: key).doubles
    var worst = 0.0
    for k in 0..<(Self.count / 2) {
      let b = key.block(UInt64(k))
      let u1 = Double((UInt64(b.x) << 32 | UInt64(b.y)) >> 11) * 0x1p-53 + 0x1p-54
      let u2 = Double((UInt64(b.z) << 32 | UInt64(b.w)) >> 11) * 0x1p-53
      let (z0, z1) = Self.reference(u1, u2)
      for (got, z) in [(values[2 * k], z0), (values[2 * k + 1], z1)] {
        // Error relative to r (the pair's radius): sin and cos are accurate in absolute terms.
        let r = (z0 * z0 + z1 * z1).squareRoot()
        worst = max(worst, abs(got - z) / max(r, 1e-300))
      }
    }
    // A few ulp (2.2e-16) of the radius: ln, sin, cos and the products each round.
    #expect(worst < 1e-15, "worst error \(worst) of the radius")
  }

  @Test func float32ValuesEqualTheLibmTransformAlmostAlways() {
    let key = RandomKey(seed: 77)
    let values = Tensor.normal([Self.count], key: key).scalars(as: Float.self)
    var differing = 0
    for k in 0..<(Self.count / 4) {
      let b = key.block(UInt64(k))
      let words = [b.x, b.y, b.z, b.w]
      for pair in 0..<2 {
        let u1 = Double(words[2 * pair]) * 0x1p-32 + 0x1p-33
        let u2 = Double(words[2 * pair + 1]) * 0x1p-32
        let (z0, z1) = Self.reference(u1, u2)
        for (got, z) in [(values[4 * k + 2 * pair], z0), (values[4 * k + 2 * pair + 1], z1)] {
          if got != Float(z) {
            differing += 1
            #expect(abs(got - Float(z)) <= Float(z).ulp, "\(got) against \(Float(z))")
          }
        }
      }
    }
    // A float64 result within 2 ulp rounds to a different float32 about once in 2²⁸ values.
    #expect(differing <= 2, "\(differing) of \(Self.count) values differ from the libm transform")
  }
}
