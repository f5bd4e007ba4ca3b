import Descent

extension TensorFloat {
  /// `eˣ` for `x ≤ 0`, in a form that vectorizes for float32: Cephes' `expf` polynomial with
  /// branch-free range reduction (within 1 ulp of the correctly rounded value on [−87, 0]; inputs
  /// below −87 give e⁻⁸⁷ ≈ 1.6e−38 instead of a smaller number, which no caller can tell apart
  /// from it in `1 + eˣ`). Float64 uses the libm `exp`, so float64 trajectories match PyTorch's.
  ///
  /// libm's `expf` is a call the compiler cannot vectorize; diffGrad's friction needs one `exp`
  /// per element and ran at a tenth of the memory bandwidth with it.
  @inline(__always) public static func expOfNonPositive(_ x: Self) -> Self {
    if Self.self == Float.self {
      return unsafeBitCast(floatExpOfNonPositive(unsafeBitCast(x, to: Float.self)), to: Self.self)
    }
    return .exp(x)
  }
}

@inline(__always) func floatExpOfNonPositive(_ x: Float) -> Float {
  let x = Swift.max(x, -87)
  // n = round(x / ln 2) by the 1.5·2²³ trick (no rounding instruction needed), r = x − n ln 2
  // in two parts (Cody–Waite).
  let magic: Float = 12_582_912
  let t = x * 1.442_695_04 + magic
  let n = t - magic
  let r = (x - n * 0.693_359_375) - n * -2.121_944_40e-4
  var p: Float = 1.987_569_15e-4
  p = p * r + 1.398_199_950_7e-3
  p = p * r + 8.333_451_907_3e-3
  p = p * r + 4.166_579_589_4e-2
  p = p * r + 1.666_666_545_9e-1
  p = p * r + 5.000_000_120_1e-1
  p = p * (r * r) + r + 1
  let k = Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: magic.bitPattern)
  return p * Float(bitPattern: UInt32(bitPattern: (k &+ 127) &<< 23))
}
