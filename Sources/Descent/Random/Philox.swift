/// The Philox4x32-10 counter-based random bijection.
///
/// Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11
/// (doi:10.1145/2063384.2063405). Philox maps a 128-bit counter and a 64-bit key to 128 random
/// bits through 10 rounds of multiply-high/low and xor, with a Weyl sequence bumping the key
/// between rounds. It passes TestU01's BigCrush (the paper's §5); each key names a stream of
/// 2¹²⁸ blocks and any block can be computed directly from its index: this is what lets Descent
/// fill a random tensor in parallel with results that do not depend on the thread count.
///
/// The word order matches Random123's `philox4x32_R(10, ctr, key)` and its `kat_vectors` (counter
/// words 0...3, key words 0...1, output words 0...3). NumPy's `numpy.random.Philox` is the 4x64
/// variant, a different function.
public enum Philox4x32 {
  /// Multipliers and Weyl key increments from the paper (Table 2) and Random123.
  @inlinable static var multiplier0: UInt32 { 0xD251_1F53 }
  @inlinable static var multiplier1: UInt32 { 0xCD9E_8D57 }
  @inlinable static var keyIncrement0: UInt32 { 0x9E37_79B9 }
  @inlinable static var keyIncrement1: UInt32 { 0xBB67_AE85 }

  /// The 128 output bits for `counter` under `key`, ten rounds.
  @inlinable @inline(__always)
  public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
    // Scalar locals rather than SIMD lanes: the compiler keeps them in registers.
    var (c0, c1, c2, c3) = (counter.x, counter.y, counter.z, counter.w)
    var (k0, k1) = (key.x, key.y)
    for round in 0..<10 {
      if round > 0 {
        k0 &+= keyIncrement0
        k1 &+= keyIncrement1
      }
      let p0 = UInt64(multiplier0) &* UInt64(c0)
      let p1 = UInt64(multiplier1) &* UInt64(c2)
      (c0, c1, c2, c3) = (
        UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0, UInt32(truncatingIfNeeded: p1),
        UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1, UInt32(truncatingIfNeeded: p0)
      )
    }
    return SIMD4(c0, c1, c2, c3)
  }
}
