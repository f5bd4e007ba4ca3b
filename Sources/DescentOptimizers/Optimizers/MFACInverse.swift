/// The inverse of M-FAC's empirical Fisher approximation, applied to vectors without forming it.
///
/// With gradients g₁…gₘ ∈ ℝᵈ and damping λ, the approximation is
///
/// ```
/// F̂ = λ·I + (1/m) Σᵢ gᵢ gᵢᵀ
/// ```
///
/// and the Sherman–Morrison (Woodbury) recursion F̂₀⁻¹ = λ⁻¹·I,
///
/// ```
/// F̂ᵢ⁻¹ x = F̂ᵢ₋₁⁻¹ x − vᵢ (vᵢᵀ x) / dᵢ,    vᵢ = F̂ᵢ₋₁⁻¹ gᵢ,    dᵢ = m + gᵢᵀ vᵢ
/// ```
///
/// gives F̂⁻¹ = F̂ₘ⁻¹. The dynamic algorithm never stores the vᵢ: it writes each as a combination of
/// the gradients, vᵢ = Σⱼ≤ᵢ Bᵢⱼ gⱼ (B lower triangular, Bᵢᵢ = λ⁻¹), with coefficients computed from
/// the m×m Gram matrix D = G Gᵀ alone:
///
/// ```
/// vₖᵀ gᵢ = Σⱼ Bₖⱼ Dⱼᵢ
/// Bᵢ,: = λ⁻¹ eᵢ − Σₖ<ᵢ (vₖᵀ gᵢ / dₖ) Bₖ,:       dᵢ = m + Σⱼ Bᵢⱼ Dⱼᵢ
/// ```
///
/// A product then costs O(dm + m²): q = G x, a = B q, w = Bᵀ (a ⊘ d), F̂⁻¹x = λ⁻¹x − Gᵀ w.
///
/// Paper: Frantar, Kurtic & Alistarh, "M-FAC: Efficient Matrix-Free Approximations of Second-Order
/// Information" (NeurIPS 2021, arXiv:2107.03356), §4 (the dynamic algorithm); the formulation is
/// that of the reference code IST-DASLab/M-FAC (`optim.py` at commit 835320e, `HInvFastUpMulti`):
/// the recursion runs in slot order, so replacing the gradient in slot s recomputes only the
/// coefficient rows s…m−1, and empty slots hold zero gradients (which contribute nothing; the 1/m
/// stays the capacity m). The reference gets vₖᵀgᵢ from an LU factorization of λ⁻¹D + mI without
/// pivoting; this type gets it from B and D directly (the same numbers up to rounding: products
/// match `HInvFastUpMulti.mul` and `HInvSlow` to 6e-16 on MFACTests' golden case).
///
/// Cost: adding a gradient is O(dm) for its row of D plus O((m − s)·m²) for the coefficient rows
/// (the reference's O(m³) refresh, done on the CPU; O(s²) while the buffer is still filling,
/// since empty slots need none); a product is O(dm + m²). Memory: m·d doubles
/// for the gradients plus 2m² for D and B.
public struct MFACInverseFisher: Codable, Sendable, Equatable {
  /// d, the number of coordinates.
  public let dimension: Int
  /// m, the number of gradients in the ring buffer.
  public let capacity: Int
  /// λ.
  public let damping: Double
  /// The ring buffer G, m×d row-major; slots not yet written are zero.
  public private(set) var gradients: [Double]
  /// The slot the next gradient replaces (the oldest once the buffer is full).
  public private(set) var nextSlot: Int
  /// The number of gradients added so far, capped at `capacity`.
  public private(set) var filled: Int
  /// D = G Gᵀ, m×m.
  var dots: [Double]
  /// B, m×m lower triangular: vᵢ = Σⱼ Bᵢⱼ gⱼ.
  var coefficients: [Double]
  /// dᵢ = m + gᵢᵀ vᵢ.
  var denominators: [Double]

  /// An empty buffer: F̂⁻¹ = λ⁻¹ I until gradients are added.
  public init(dimension: Int, capacity: Int, damping: Double) {
    precondition(
      dimension >= 0 && capacity > 0, "MFACInverseFisher: d = \(dimension), m = \(capacity)")
    precondition(damping > 0, "MFACInverseFisher: damping \(damping) must be positive")
    self.dimension = dimension
    self.capacity = capacity
    self.damping = damping
    gradients = [Double](repeating: 0, count: capacity * dimension)
    nextSlot = 0
    filled = 0
    dots = [Double](repeating: 0, count: capacity * capacity)
    coefficients = [Double](repeating: 0, count: capacity * capacity)
    denominators = [Double](repeating: Double(capacity), count: capacity)
    for i in 0..<capacity { coefficients[i * capacity + i] = 1 / damping }
  }

  /// Writes `gradient` into the next slot of the ring buffer (replacing the oldest once full) and
  /// refreshes the Gram matrix row and the coefficient rows it affects.
  public mutating func add(_ gradient: [Double]) {
    precondition(
      gradient.count == dimension,
      "MFACInverseFisher.add: gradient has \(gradient.count) coordinates, expected \(dimension)")
    let m = capacity
    let d = dimension
    let slot = nextSlot
    gradients.withUnsafeMutableBufferPointer { g in
      for k in 0..<d { g[slot * d + k] = gradient[k] }
    }
    let row = gradientDots(gradient)
    for j in 0..<m {
      dots[slot * m + j] = row[j]
      dots[j * m + slot] = row[j]
    }
    filled = min(filled + 1, m)
    refreshCoefficients(from: slot, to: filled)
    nextSlot = (slot + 1) % m
  }

  /// G x: the m dot products of `x` with the buffered gradients.
  func gradientDots(_ x: [Double]) -> [Double] {
    let m = capacity
    let d = dimension
    var result = [Double](repeating: 0, count: m)
    gradients.withUnsafeBufferPointer { g in
      x.withUnsafeBufferPointer { x in
        for i in 0..<m {
          var sum = 0.0
          let base = i * d
          for k in 0..<d { sum += g[base + k] * x[k] }
          result[i] = sum
        }
      }
    }
    return result
  }

  /// Recomputes the rows `first..<end` of B and their denominators: rows before `first` only
  /// involve gradients in earlier slots, and rows from `end` on (`filled`: slots never written)
  /// hold zero gradients, whose rows stay eᵢ/λ with denominator m; so they are unchanged. Until
  /// the buffer is full an add thus costs O(s²), not O(m³) (a 2-D test function with the default
  /// m = 1024 runs in milliseconds per step).
  private mutating func refreshCoefficients(from first: Int, to end: Int) {
    let m = capacity
    let lambdaInverse = 1 / damping
    let dots = self.dots
    coefficients.withUnsafeMutableBufferPointer { b in
      dots.withUnsafeBufferPointer { gram in
        for i in first..<end {
          let rowI = i * m
          for j in 0..<m { b[rowI + j] = 0 }
          b[rowI + i] = lambdaInverse
          for k in 0..<i {
            let rowK = k * m
            var projection = 0.0  // vₖᵀ gᵢ
            for j in 0...k { projection += b[rowK + j] * gram[j * m + i] }
            let factor = projection / denominators[k]
            for j in 0...k { b[rowI + j] -= factor * b[rowK + j] }
          }
          var quadratic = 0.0  // gᵢᵀ vᵢ
          for j in 0...i { quadratic += b[rowI + j] * gram[j * m + i] }
          denominators[i] = Double(m) + quadratic
        }
      }
    }
  }

  /// F̂⁻¹ x in O(dm + m²).
  public func multiply(_ x: [Double]) -> [Double] {
    precondition(
      x.count == dimension,
      "MFACInverseFisher.multiply: vector has \(x.count) coordinates, expected \(dimension)")
    let m = capacity
    let d = dimension
    let q = gradientDots(x)
    var scaled = [Double](repeating: 0, count: m)  // (B q) ⊘ d
    for i in 0..<m {
      var sum = 0.0
      for j in 0...i { sum += coefficients[i * m + j] * q[j] }
      scaled[i] = sum / denominators[i]
    }
    var w = [Double](repeating: 0, count: m)  // Bᵀ scaled
    for i in 0..<m where scaled[i] != 0 {
      for j in 0...i { w[j] += coefficients[i * m + j] * scaled[i] }
    }
    let lambdaInverse = 1 / damping
    var result = x.map { $0 * lambdaInverse }
    result.withUnsafeMutableBufferPointer { r in
      gradients.withUnsafeBufferPointer { g in
        for j in 0..<m where w[j] != 0 {
          let base = j * d
          let wj = w[j]
          for k in 0..<d { r[k] -= wj * g[base + k] }
        }
      }
    }
    return result
  }
}

/// The static M-FAC inverse: F̂⁻¹ for a fixed set of m gradients, with the vᵢ = F̂ᵢ₋₁⁻¹ gᵢ of the
/// Woodbury recursion (see ``MFACInverseFisher``) stored explicitly, so that a product costs
/// O(dm) and the diagonal of F̂⁻¹ is available for pruning scores.
///
/// ```
/// vᵢ = λ⁻¹ gᵢ − Σₖ<ᵢ vₖ (vₖᵀ gᵢ) / dₖ,   dᵢ = m + gᵢᵀ vᵢ          (O(dm²) once)
/// F̂⁻¹ x = λ⁻¹ x − Σᵢ vᵢ (vᵢᵀ x) / dᵢ
/// [F̂⁻¹]ₖₖ = λ⁻¹ − Σᵢ vᵢₖ² / dᵢ
/// ```
///
/// Paper: Frantar, Kurtic & Alistarh (arXiv:2107.03356), §3 (the static algorithm) and its use in
/// Optimal-Brain-Surgeon pruning: the score of weight k is ρₖ = wₖ² / (2 [F̂⁻¹]ₖₖ).
/// Memory: m·d doubles for the vᵢ.
public struct MFACStaticInverseFisher: Sendable {
  public let dimension: Int
  public let count: Int
  public let damping: Double
  /// The vᵢ, m×d row-major.
  private var vectors: [Double]
  private var denominators: [Double]

  /// The inverse for `gradients` (each with `dimension` coordinates), F̂ = λI + (1/m) Σ gᵢgᵢᵀ.
  public init(gradients: [[Double]], damping: Double) {
    precondition(!gradients.isEmpty, "MFACStaticInverseFisher: no gradients")
    precondition(damping > 0, "MFACStaticInverseFisher: damping \(damping) must be positive")
    let m = gradients.count
    let d = gradients[0].count
    dimension = d
    count = m
    self.damping = damping
    vectors = [Double](repeating: 0, count: m * d)
    denominators = [Double](repeating: 0, count: m)
    for i in 0..<m {
      let g = gradients[i]
      precondition(
        g.count == d, "MFACStaticInverseFisher: gradient \(i) has \(g.count) ≠ \(d) coordinates")
      let v = applyPartial(g, upTo: i)
      var quadratic = 0.0
      for k in 0..<d { quadratic += g[k] * v[k] }
      for k in 0..<d { vectors[i * d + k] = v[k] }
      denominators[i] = Double(m) + quadratic
    }
  }

  /// F̂ⱼ⁻¹ x with the first j terms of the recursion.
  private func applyPartial(_ x: [Double], upTo j: Int) -> [Double] {
    let d = dimension
    var result = x.map { $0 / damping }
    vectors.withUnsafeBufferPointer { v in
      result.withUnsafeMutableBufferPointer { r in
        for i in 0..<j {
          let base = i * d
          var projection = 0.0
          for k in 0..<d { projection += v[base + k] * x[k] }
          let factor = projection / denominators[i]
          for k in 0..<d { r[k] -= factor * v[base + k] }
        }
      }
    }
    return result
  }

  /// F̂⁻¹ x in O(dm).
  public func multiply(_ x: [Double]) -> [Double] {
    precondition(
      x.count == dimension, "MFACStaticInverseFisher.multiply: \(x.count) ≠ \(dimension)")
    return applyPartial(x, upTo: count)
  }

  /// The diagonal of F̂⁻¹, in O(dm).
  public var inverseDiagonal: [Double] {
    let d = dimension
    var diagonal = [Double](repeating: 1 / damping, count: d)
    for i in 0..<count {
      let base = i * d
      for k in 0..<d { diagonal[k] -= vectors[base + k] * vectors[base + k] / denominators[i] }
    }
    return diagonal
  }

  /// Optimal-Brain-Surgeon pruning scores ρₖ = wₖ² / (2 [F̂⁻¹]ₖₖ): the estimated loss increase
  /// from setting weight k to zero (smallest first to prune).
  public func pruningScores(weights: [Double]) -> [Double] {
    precondition(
      weights.count == dimension,
      "MFACStaticInverseFisher.pruningScores: \(weights.count) ≠ \(dimension)")
    let diagonal = inverseDiagonal
    return (0..<dimension).map { weights[$0] * weights[$0] / (2 * diagonal[$0]) }
  }
}
