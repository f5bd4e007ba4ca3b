import CDescentKernels

/// Which 256-entry quantization map a ``QuantizedTensor`` uses.
public enum QuantizationMapKind: String, Codable, Sendable, CaseIterable {
  /// bitsandbytes' signed dynamic (tree) map, for first moments: −0.99297 … 1, finest near 0.
  case dynamicSigned
  /// bitsandbytes' unsigned dynamic map, for second moments and sums of squares: 0 … 1.
  case dynamicUnsigned
  /// 255 evenly spaced values from −1 to 1, zero included (a baseline for the quality comparison
  /// only).
  case linearSigned
  /// 256 evenly spaced values from 0 to 1 (a baseline for the quality comparison only).
  case linearUnsigned

  /// The map itself (built once, shared).
  public var map: DynamicQuantizationMap {
    switch self {
    case .dynamicSigned: DynamicQuantizationMap.signed
    case .dynamicUnsigned: DynamicQuantizationMap.unsigned
    case .linearSigned: DynamicQuantizationMap.linearSigned
    case .linearUnsigned: DynamicQuantizationMap.linearUnsigned
    }
  }
}

/// A sorted table of 256 float32 values in [−1, 1] that 8-bit codes index, with the tables that
/// find the nearest code of a value quickly.
///
/// The dynamic maps are bitsandbytes' `create_dynamic_map(signed:)` (Dettmers, "8-Bit
/// Approximations for Parallelism in Deep Learning", ICLR 2016, arXiv:1511.04561; used by
/// Dettmers et al., "8-bit Optimizers via Block-wise Quantization", ICLR 2022, arXiv:2110.02861):
/// for i = 0 … 6 the midpoints of `linspace(0.1, 1, n)` with n = 2ⁱ + 1 (signed, mirrored to the
/// negative side) or 2ⁱ⁺¹ + 1 (unsigned), scaled by 10^(i−6); then 0 and 1, sorted. So each decade
/// from 10⁻⁷ to 1 gets its own set of linearly spaced values: a dynamic exponent with a fraction
/// whose precision grows with the magnitude. The entries equal bitsandbytes 0.50.2's to the bit.
///
/// The nearest code is the number of midpoints (`(map[k] + map[k+1]) / 2` in float32, as
/// bitsandbytes computes them) strictly below the value, so a tie goes to the lower code, as
/// `torch.bucketize` does in bitsandbytes' reference kernel. It is found with one table lookup and
/// one integer comparison (see `nearest`), which vectorizes.
public struct DynamicQuantizationMap: Sendable {
  public let kind: QuantizationMapKind
  /// The 256 entries, ascending.
  public let values: [Float]
  /// The 255 midpoints, ascending.
  let bounds: [Float]
  /// The nearest-code table of the C kernels (QuantizedKernels.h): per bucket of floats sharing
  /// sign, exponent (magnitudes clamped to [2^(`minExponent`−127), 2)) and top 7 mantissa bits,
  /// the number of midpoints below the bucket's lowest value (high 16 bits) and the key of the one
  /// midpoint inside it (low 16 bits; 0xFFFF for none). A key is the low 16 bits of the magnitude,
  /// inverted for negative values, so a larger key is a larger value within a bucket.
  let nearest: [UInt32]

  static let minExponent = UInt32(DESCENT_Q8_MIN_EXPONENT)
  static let keyBits = UInt32(DESCENT_Q8_KEY_BITS)
  static let keyMask = UInt32(DESCENT_Q8_KEY_MASK)
  static let minMagnitudeBits = minExponent << 23
  static let maxMagnitudeBits = UInt32(DESCENT_Q8_MAX_MAGNITUDE_BITS)
  static let bucketsPerSign = Int(127 - minExponent + 1) << (23 - Int(keyBits))

  init(kind: QuantizationMapKind, values: [Float]) {
    precondition(values.count == 256, "quantization map: needs 256 entries, got \(values.count)")
    precondition(
      zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "quantization map: not sorted")
    self.kind = kind
    self.values = values
    let bounds = (0..<255).map { (values[$0] + values[$0 + 1]) / 2 }
    self.bounds = bounds
    func below(_ x: Float) -> Int {  // midpoints strictly below x
      var low = 0
      var high = 255
      while low < high {
        let mid = (low + high) / 2
        if bounds[mid] < x { low = mid + 1 } else { high = mid }
      }
      return low
    }
    // Clamping magnitudes to at least 2^(minExponent − 127) must not move a value across a
    // midpoint: every midpoint is larger in magnitude.
    let smallest = Float(bitPattern: Self.minMagnitudeBits)
    precondition(
      bounds.allSatisfy { abs($0) > smallest }, "quantization map: a midpoint is too small")
    let prefixes = UInt32(1) << (23 - Self.keyBits)
    var nearest = [UInt32](repeating: 0, count: 2 * Self.bucketsPerSign)
    for sign in 0..<2 {
      for exponent in Self.minExponent...127 {
        for prefix in 0..<prefixes {
          let high = UInt32(sign) << 31 | exponent << 23 | prefix << Self.keyBits
          let first = Float(bitPattern: high)
          let last = Float(bitPattern: high | Self.keyMask)
          let (lowest, highest) = sign == 1 ? (last, first) : (first, last)
          let start = below(lowest)
          let inside = below(highest.nextUp) - start
          precondition(inside <= 1, "quantization map: \(inside) midpoints in one bucket")
          let invert: UInt32 = sign == 1 ? Self.keyMask : 0
          let midKey = inside == 1 ? (bounds[start].bitPattern ^ invert) & Self.keyMask : Self.keyMask
          let index =
            sign * Self.bucketsPerSign + Int(exponent - Self.minExponent) * Int(prefixes)
            + Int(prefix)
          nearest[index] = UInt32(start) << 16 | midKey
        }
      }
    }
    self.nearest = nearest
  }

  /// The index of the entry nearest to `x` (ties to the lower index); the C kernels' lookup.
  /// Values outside [−1, 1] get the end codes.
  public func nearestCode(_ x: Float) -> UInt8 {
    let bits = x.bitPattern
    let sign = bits >> 31
    let magnitude = min(max(bits & 0x7FFF_FFFF, Self.minMagnitudeBits), Self.maxMagnitudeBits)
    let entry = nearest[
      Int(sign) * Self.bucketsPerSign + Int((magnitude - Self.minMagnitudeBits) >> Self.keyBits)]
    let key = (magnitude ^ (sign == 1 ? Self.keyMask : 0)) & Self.keyMask
    return UInt8(entry >> 16) + (key > entry & Self.keyMask ? 1 : 0)
  }

  /// bitsandbytes' `create_dynamic_map(signed=True)`.
  public static let signed = DynamicQuantizationMap(
    kind: .dynamicSigned, values: signedBits.map(Float.init(bitPattern:)))
  /// bitsandbytes' `create_dynamic_map(signed=False)`.
  public static let unsigned = DynamicQuantizationMap(
    kind: .dynamicUnsigned, values: unsignedBits.map(Float.init(bitPattern:)))
  /// k/127 − 1 for k = 0 … 254 (so 0 is an entry), then 1 again to make 256 entries.
  public static let linearSigned = DynamicQuantizationMap(
    kind: .linearSigned, values: (0..<256).map { Float(Double(min($0, 254)) / 127 - 1) })
  /// k/255, k = 0 … 255.
  public static let linearUnsigned = DynamicQuantizationMap(
    kind: .linearUnsigned, values: (0..<256).map { Float(Double($0) / 255) })
}
