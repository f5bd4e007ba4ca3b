/// The per-iteration arithmetic of ``CoLiDE`` on raw buffers (d×d row-major), so the 10⁵ Adam
/// iterations of a fit allocate nothing and, in debug builds too, run without bounds checks.
/// ``LogDetAcyclicity`` and ``CoLiDENoiseModel`` hold the same formulas on arrays.
enum CoLiDEKernels {
  /// `out` = (sI − W∘W)⁻¹ + 1e-16 by Gauss–Jordan elimination with partial pivoting on `scratch`
  /// (d² entries); false when a pivot is 0 (singular).
  static func shiftedInverse(
    _ w: UnsafePointer<Double>, s: Double, dimension d: Int, into out: UnsafeMutablePointer<Double>,
    scratch a: UnsafeMutablePointer<Double>
  ) -> Bool {
    for i in 0..<d {
      for j in 0..<d {
        let x = w[i * d + j]
        a[i * d + j] = (i == j ? s : 0) - x * x
        out[i * d + j] = i == j ? 1 : 0
      }
    }
    for k in 0..<d {
      var p = k
      var largest = abs(a[k * d + k])
      for i in (k + 1)..<d where abs(a[i * d + k]) > largest {
        largest = abs(a[i * d + k])
        p = i
      }
      if largest == 0 { return false }
      if p != k {
        for j in 0..<d {
          swap(&a[k * d + j], &a[p * d + j])
          swap(&out[k * d + j], &out[p * d + j])
        }
      }
      let pivot = 1 / a[k * d + k]
      for j in 0..<d {
        a[k * d + j] *= pivot
        out[k * d + j] *= pivot
      }
      for i in 0..<d where i != k {
        let f = a[i * d + k]
        if f == 0 { continue }
        for j in 0..<d {
          a[i * d + j] -= f * a[k * d + j]
          out[i * d + j] -= f * out[k * d + j]
        }
      }
    }
    for k in 0..<(d * d) { out[k] += 1e-16 }
    return true
  }

  /// Whether no entry of M is below −1e-6 (NaN counts as below).
  static func isInsideDomain(_ m: UnsafePointer<Double>, count: Int) -> Bool {
    for k in 0..<count where !(m[k] >= LogDetAcyclicity.mMatrixTolerance) { return false }
    return true
  }

  /// rhs = Σ̂(I − W) and diag[j] = [(I − W)ᵀ Σ̂ (I − W)]ⱼⱼ = Σᵢ (I − W)ᵢⱼ rhsᵢⱼ.
  static func residuals(
    covariance c: UnsafePointer<Double>, w: UnsafePointer<Double>, dimension d: Int,
    rhs: UnsafeMutablePointer<Double>, diagonal: UnsafeMutablePointer<Double>
  ) {
    for i in 0..<d {
      for j in 0..<d { rhs[i * d + j] = c[i * d + j] }
      for k in 0..<d {
        let cik = c[i * d + k]
        if cik == 0 { continue }
        for j in 0..<d { rhs[i * d + j] -= cik * w[k * d + j] }
      }
    }
    for j in 0..<d { diagonal[j] = 0 }
    for i in 0..<d {
      for j in 0..<d { diagonal[j] += ((i == j ? 1 : 0) - w[i * d + j]) * rhs[i * d + j] }
    }
  }
}
