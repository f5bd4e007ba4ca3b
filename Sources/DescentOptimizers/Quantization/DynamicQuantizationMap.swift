/// Which 256-entry quantization map a ``QuantizedTensor`` uses.
public enum QuantizationMapKind: String, Codable, Sendable, CaseIterable {
  /// bitsandbytes' signed dynamic (tree) map, for first moments: −0.99297 … 1, finest near 0.
  case dynamicSigned
  /// bitsandbytes' unsigned dynamic map, for second moments and sums of squares: 0 … 1.
  case dynamicUnsigned
  /// 256 evenly spaced values from −1 to 1 (a baseline for the quality comparison only).
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
/// `torch.bucketize` does in bitsandbytes' reference kernel.
public struct DynamicQuantizationMap: Sendable {
  public let kind: QuantizationMapKind
  /// The 256 entries, ascending.
  public let values: [Float]
  /// The 255 midpoints, then two +∞ (so the kernels' fix-up comparisons never read past the end).
  let bounds: [Float]
  /// For each top-16-bit pattern of a float32 (a bucket of 65536 consecutive floats): the number
  /// of midpoints below the bucket's lowest value. At most two midpoints fall inside any bucket
  /// (checked at construction), so two comparisons finish the search.
  let bucket: [UInt8]

  init(kind: QuantizationMapKind, values: [Float]) {
    precondition(values.count == 256, "quantization map: needs 256 entries, got \(values.count)")
    precondition(
      zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "quantization map: not sorted")
    self.kind = kind
    self.values = values
    var bounds = (0..<255).map { (values[$0] + values[$0 + 1]) / 2 }
    bounds += [.infinity, .infinity]
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
    var bucket = [UInt8](repeating: 0, count: 1 << 16)
    for b in 0..<(1 << 16) {
      let first = Float(bitPattern: UInt32(b) << 16)
      let last = Float(bitPattern: UInt32(b) << 16 | 0xFFFF)
      let (lowest, highest) = b >= 0x8000 ? (last, first) : (first, last)
      guard !lowest.isNaN else { continue }
      let start = below(lowest)
      let inside = below(highest.nextUp) - start
      precondition(inside <= 2, "quantization map: \(inside) midpoints in bucket \(b)")
      bucket[b] = UInt8(start)
    }
    self.bucket = bucket
  }

  /// The index of the entry nearest to `x` (ties to the lower index). Values outside [−1, 1]
  /// get the end codes.
  public func nearestCode(_ x: Float) -> UInt8 {
    var pos = Int(bucket[Int(x.bitPattern >> 16)])
    if bounds[pos] < x { pos += 1 }
    if bounds[pos] < x { pos += 1 }
    return UInt8(pos)
  }

  /// bitsandbytes' `create_dynamic_map(signed=True)`.
  public static let signed = DynamicQuantizationMap(
    kind: .dynamicSigned, values: signedBits.map(Float.init(bitPattern:)))
  /// bitsandbytes' `create_dynamic_map(signed=False)`.
  public static let unsigned = DynamicQuantizationMap(
    kind: .dynamicUnsigned, values: unsignedBits.map(Float.init(bitPattern:)))
  /// −1 + 2k/255, k = 0 … 255.
  public static let linearSigned = DynamicQuantizationMap(
    kind: .linearSigned, values: (0..<256).map { Float(-1 + 2 * Double($0) / 255) })
  /// k/255, k = 0 … 255.
  public static let linearUnsigned = DynamicQuantizationMap(
    kind: .linearUnsigned, values: (0..<256).map { Float(Double($0) / 255) })
}
