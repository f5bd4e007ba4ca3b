import DescentSolvers
import Testing

@Suite struct ConvexSetTests {
  /// The projection is the nearest point: no point of the set sampled around it is closer, it is
  /// in the set, and projecting twice changes nothing.
  @Test func projectionsAreNearestPointsAndIdempotent() throws {
    let sets: [any ConvexSet] = [
      try EuclideanBall(center: [1, -2, 0.5], radius: 1.5),
      try Box(lower: [-1, 0, -.infinity], upper: [1, 2, 3]),
      try Simplex(dimension: 3),
      try Simplex(dimension: 3, total: 2.5),
    ]
    var state: UInt64 = 7
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    for set in sets {
      for _ in 0..<200 {
        let y = (0..<3).map { _ in 8 * uniform() - 4 }
        let p = set.project(y)
        #expect(set.contains(p, tolerance: 1e-12), "\(set): \(p) not in the set")
        #expect(zip(set.project(p), p).allSatisfy { abs($0 - $1) < 1e-12 })
        let distance = zip(p, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        for _ in 0..<20 {
          // A random point of the set: the projection of a random point.
          let q = set.project((0..<3).map { _ in 8 * uniform() - 4 })
          let other = zip(q, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
          #expect(distance <= other + 1e-12)
        }
      }
    }
  }

  /// Hand-computed projections.
  @Test func knownProjections() throws {
    let ball = try EuclideanBall(dimension: 2, radius: 1)
    #expect(zip(ball.project([3, 4]), [0.6, 0.8]).allSatisfy { abs($0 - $1) < 1e-15 })
    #expect(ball.project([0.3, 0.4]) == [0.3, 0.4])
    let box = try Box(dimension: 3, lower: 0, upper: 1)
    #expect(box.project([-1, 0.5, 2]) == [0, 0.5, 1])
    let simplex = try Simplex(dimension: 3)
    // θ = (0.5 + 0.2 + 0.1 − 1)/3 < 0 shifts every coordinate up by 0.2/3.
    let p = simplex.project([0.5, 0.2, 0.1])
    for (a, b) in zip(p, [0.5 + 0.2 / 3, 0.2 + 0.2 / 3, 0.1 + 0.2 / 3]) {
      #expect(abs(a - b) < 1e-15)
    }
    #expect(simplex.project([2, 0, -1]) == [1, 0, 0])
  }

  /// Bad parameters give one-line errors naming the value.
  @Test func refusesInvalidSets() {
    #expect(
      throws: SolverError.invalidArgument(
        "EuclideanBall: radius = -1 is invalid: must be a finite number > 0")
    ) {
      try EuclideanBall(dimension: 2, radius: -1)
    }
    #expect(throws: SolverError.self) { try EuclideanBall(center: [.nan], radius: 1) }
    #expect(throws: SolverError.self) { try Box(lower: [1], upper: [0]) }
    #expect(throws: SolverError.self) { try Box(lower: [0, 0], upper: [1]) }
    #expect(throws: SolverError.self) { try Simplex(dimension: 0) }
    #expect(throws: SolverError.self) { try Simplex(dimension: 2, total: .infinity) }
  }
}
