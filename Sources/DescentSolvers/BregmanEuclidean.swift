/// The squared Euclidean divergence, ψ = ½‖x‖₂²: B(x, y) = ½‖x − y‖₂², and the mirror step is
/// the projected gradient step Π_X(y − ηg). ψ is 1-strongly convex in ‖·‖₂ (self-dual).
public struct EuclideanDivergence: BregmanDivergence {
  /// The decision set X.
  public let set: any ConvexSet
  /// Where the learner starts: the projection of the origin (the argmin of ψ on X).
  public let start: [Double]

  public init(set: any ConvexSet) {
    self.set = set
    start = set.project(Array(repeating: 0, count: set.dimension))
  }

  public var dimension: Int { self.set.dimension }

  public func divergence(_ x: [Double], _ y: [Double]) -> Double {
    var sum = 0.0
    for i in x.indices { sum += (x[i] - y[i]) * (x[i] - y[i]) }
    return 0.5 * sum
  }

  public func mirrorStep(from y: [Double], gradient g: [Double], stepSize η: Double) -> [Double] {
    set.project((0..<y.count).map { y[$0] - η * g[$0] })
  }

  public func admits(_ x: [Double]) -> Bool { self.set.contains(x, tolerance: 1e-9) }
  public var admissibleDescription: String { "must lie in the set" }

  public func dualNorm(_ g: [Double]) -> Double { g.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  /// The Euclidean diameter of X: 2r for a ball, ‖u − l‖₂ for a box, z√2 for a simplex of total
  /// z; nil for the whole space, an unbounded box, or a set type it does not know.
  public var diameter: Double? { Self.diameter(of: set) }

  static func diameter(of set: any ConvexSet) -> Double? {
    switch set {
    case let ball as EuclideanBall: return 2 * ball.radius
    case let box as Box:
      var sum = 0.0
      for i in 0..<box.dimension { sum += (box.upper[i] - box.lower[i]) * (box.upper[i] - box.lower[i]) }
      return sum.isFinite ? sum.squareRoot() : nil
    case let simplex as Simplex:
      return simplex.dimension == 1 ? 0 : simplex.total * 2.0.squareRoot()
    default: return nil
    }
  }
}
