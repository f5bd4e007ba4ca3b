/// A closed convex set X ⊆ ℝᵈ with its Euclidean projection Π_X(y) = argmin_{x∈X} ‖x − y‖₂, the
/// building block of projected gradient methods, online mirror descent and proximal steps.
///
/// Vectors are `[Double]`: the problems these sets serve (online learning, constrained toy
/// problems, stochastic-approximation experiments) are small and float64-exact, and a plain array
/// keeps the per-step overhead at a few nanoseconds per coordinate.
public protocol ConvexSet: Sendable {
  /// The dimension d of the ambient space.
  var dimension: Int { get }
  /// The Euclidean projection of `point` onto the set. `point` has ``dimension`` entries.
  func project(_ point: [Double]) -> [Double]
  /// Whether `point` lies in the set, up to `tolerance` (in the set's own measure of violation).
  func contains(_ point: [Double], tolerance: Double) -> Bool
}

extension ConvexSet {
  /// Whether `point` lies in the set, up to 1e-12.
  public func contains(_ point: [Double]) -> Bool { contains(point, tolerance: 1e-12) }
}

/// The whole space ℝᵈ: projection is the identity (unconstrained problems).
public struct WholeSpace: ConvexSet {
  public let dimension: Int

  public init(dimension: Int) throws {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "WholeSpace: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    self.dimension = dimension
  }

  public func project(_ point: [Double]) -> [Double] { point }
  public func contains(_ point: [Double], tolerance: Double) -> Bool { point.count == dimension }
}

/// The ball {x : ‖x − c‖₂ ≤ r}. Projection: c + (y − c)·min(1, r/‖y − c‖).
public struct EuclideanBall: ConvexSet {
  public let center: [Double]
  public let radius: Double
  public var dimension: Int { center.count }

  /// The ball of `radius` around `center`.
  public init(center: [Double], radius: Double) throws {
    guard !center.isEmpty else {
      throw SolverError.invalidArgument("EuclideanBall: center is empty: needs ≥ 1 coordinate")
    }
    try Check.finite(center, "center", in: "EuclideanBall")
    try Check.positive(radius, "radius", in: "EuclideanBall")
    self.center = center
    self.radius = radius
  }

  /// The ball of `radius` around the origin of ℝᵈ.
  public init(dimension: Int, radius: Double) throws {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "EuclideanBall: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    try self.init(center: Array(repeating: 0, count: dimension), radius: radius)
  }

  public func project(_ point: [Double]) -> [Double] {
    precondition(point.count == dimension, "EuclideanBall.project: \(point.count) ≠ \(dimension)")
    var squared = 0.0
    for i in 0..<dimension {
      let d = point[i] - center[i]
      squared += d * d
    }
    let norm = squared.squareRoot()
    guard norm > radius else { return point }
    let scale = radius / norm
    return (0..<dimension).map { center[$0] + (point[$0] - center[$0]) * scale }
  }

  public func contains(_ point: [Double], tolerance: Double) -> Bool {
    guard point.count == dimension else { return false }
    var squared = 0.0
    for i in 0..<dimension {
      let d = point[i] - center[i]
      squared += d * d
    }
    return squared.squareRoot() <= radius + tolerance
  }
}

/// The box {x : lᵢ ≤ xᵢ ≤ uᵢ}. Projection clamps each coordinate.
public struct Box: ConvexSet {
  public let lower: [Double]
  public let upper: [Double]
  public var dimension: Int { lower.count }

  /// The box with corners `lower` and `upper` (±∞ allowed for unbounded sides).
  public init(lower: [Double], upper: [Double]) throws {
    guard !lower.isEmpty else {
      throw SolverError.invalidArgument("Box: lower is empty: needs ≥ 1 coordinate")
    }
    try Check.dimension(upper, lower.count, "upper", in: "Box")
    for i in lower.indices {
      guard !lower[i].isNaN, !upper[i].isNaN, lower[i] <= upper[i], lower[i] < .infinity,
        upper[i] > -.infinity
      else {
        throw SolverError.invalidArgument(
          "Box: side \(i) is [\(lower[i]), \(upper[i])]: needs lower ≤ upper, neither NaN")
      }
    }
    self.lower = lower
    self.upper = upper
  }

  /// The cube [lower, upper]ᵈ.
  public init(dimension: Int, lower: Double, upper: Double) throws {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "Box: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    try self.init(
      lower: Array(repeating: lower, count: dimension),
      upper: Array(repeating: upper, count: dimension))
  }

  public func project(_ point: [Double]) -> [Double] {
    precondition(point.count == dimension, "Box.project: \(point.count) ≠ \(dimension)")
    return (0..<dimension).map { Swift.min(Swift.max(point[$0], lower[$0]), upper[$0]) }
  }

  public func contains(_ point: [Double], tolerance: Double) -> Bool {
    guard point.count == dimension else { return false }
    return (0..<dimension).allSatisfy {
      point[$0] >= lower[$0] - tolerance && point[$0] <= upper[$0] + tolerance
    }
  }
}

/// The scaled probability simplex {x : xᵢ ≥ 0, Σxᵢ = z}. Projection by the sort-based algorithm
/// of Duchi, Shalev-Shwartz, Singer and Chandra, "Efficient Projections onto the ℓ1-Ball for
/// Learning in High Dimensions" (ICML 2008), Figure 1: sort y descending, find the largest ρ with
/// y₍ρ₎ − (Σ_{j≤ρ} y₍j₎ − z)/ρ > 0, shift by θ = (Σ_{j≤ρ} y₍j₎ − z)/ρ and clip at 0. O(d log d).
public struct Simplex: ConvexSet {
  public let dimension: Int
  /// The total z of the coordinates (1 for probability vectors).
  public let total: Double

  public init(dimension: Int, total: Double = 1) throws {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "Simplex: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    try Check.positive(total, "total", in: "Simplex")
    self.dimension = dimension
    self.total = total
  }

  public func project(_ point: [Double]) -> [Double] {
    precondition(point.count == dimension, "Simplex.project: \(point.count) ≠ \(dimension)")
    let sorted = point.sorted(by: >)
    var cumulative = 0.0
    var theta = 0.0
    for (index, value) in sorted.enumerated() {
      cumulative += value
      let candidate = (cumulative - total) / Double(index + 1)
      if value - candidate > 0 { theta = candidate }
    }
    return point.map { Swift.max($0 - theta, 0) }
  }

  public func contains(_ point: [Double], tolerance: Double) -> Bool {
    guard point.count == dimension, point.allSatisfy({ $0 >= -tolerance }) else { return false }
    return abs(point.reduce(0, +) - total) <= tolerance * Swift.max(1, total)
  }
}
