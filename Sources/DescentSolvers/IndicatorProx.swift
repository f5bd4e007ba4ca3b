/// The indicator ι_X of a closed convex set (0 on X, +∞ outside), whose prox is the Euclidean
/// projection for every step size: prox_{ηι_X}(y) = Π_X(y). With X a ``Box`` it is the clamp;
/// with X a ``Simplex`` it is the exact sort-based projection of Duchi, Shalev-Shwartz, Singer and
/// Chandra (ICML 2008), O(d log d); with a ``EuclideanBall`` the radial scaling. Composite SGD
/// with this prox is projected SGD on X (Liu and Zhou, arXiv:2312.08531, h = ι_X).
public struct IndicatorProx: Prox {
  public let set: any ConvexSet
  /// The distance from X up to which ``value(_:)`` still counts a point as inside (rounding).
  public let tolerance: Double

  public init(set: any ConvexSet, tolerance: Double = 1e-9) {
    self.set = set
    self.tolerance = tolerance
  }

  /// ι of the box [lower, upper] (see ``Box``'s errors).
  public static func box(lower: [Double], upper: [Double]) throws -> IndicatorProx {
    IndicatorProx(set: try Box(lower: lower, upper: upper))
  }

  /// ι of the simplex {x ≥ 0, Σxᵢ = total} (see ``Simplex``'s errors).
  public static func simplex(dimension: Int, total: Double = 1) throws -> IndicatorProx {
    IndicatorProx(set: try Simplex(dimension: dimension, total: total))
  }

  public var dimension: Int? { self.set.dimension }

  public func value(_ x: [Double]) -> Double {
    set.contains(x, tolerance: tolerance) ? 0 : .infinity
  }

  public func prox(_ y: [Double], stepSize η: Double) -> [Double] {
    precondition(η > 0, "IndicatorProx.prox: step size \(η) must be > 0")
    return set.project(y)
  }
}
