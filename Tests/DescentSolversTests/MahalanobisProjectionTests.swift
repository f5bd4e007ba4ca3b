import DescentSolvers
import Testing

@Suite struct MahalanobisProjectionTests {
  struct Uniform {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  /// A random SPD matrix BBᵀ + 0.1·I (row-major).
  static func randomMetric(_ d: Int, _ u: inout Uniform) -> [Double] {
    let b = (0..<(d * d)).map { _ in 2 * u.next() - 1 }
    var a = [Double](repeating: 0, count: d * d)
    for i in 0..<d { for j in 0..<d {
      for k in 0..<d { a[i * d + j] += b[i * d + k] * b[j * d + k] }
      if i == j { a[i * d + j] += 0.1 }
    } }
    return a
  }

  /// The eigendecomposition is right: A⁻¹(Av) = v.
  @Test func solveInvertsApply() throws {
    var u = Uniform(state: 3)
    for d in [1, 2, 5, 8] {
      let p = try MahalanobisProjection(metric: Self.randomMetric(d, &u), dimension: d)
      let v = (0..<d).map { _ in u.next() - 0.5 }
      let back = p.solve(p.apply(v))
      #expect(zip(back, v).allSatisfy { abs($0 - $1) < 1e-9 }, "d = \(d)")
    }
  }

  /// Against brute force in the plane: no point of a fine sample of the set is closer in the
  /// A-metric, the projection is in the set, and it satisfies the optimality condition
  /// ⟨A(p − y), q − p⟩ ≥ 0 for every sampled q.
  @Test func projectionsBeatABruteForceSearch() throws {
    var u = Uniform(state: 11)
    let sets: [any ConvexSet] = [
      try EuclideanBall(center: [0.5, -0.25], radius: 1),
      try Box(lower: [-1, 0], upper: [0.5, 2]),
      try Simplex(dimension: 2, total: 1.5),
    ]
    // Points of each set: a 201×201 grid of [-3, 3]², projected (Euclidean) onto the set.
    for set in sets {
      var samples: [[Double]] = []
      for i in 0...200 { for j in 0...200 {
        samples.append(set.project([-3 + 0.03 * Double(i), -3 + 0.03 * Double(j)]))
      } }
      for _ in 0..<15 {
        let metric = Self.randomMetric(2, &u)
        let projection = try MahalanobisProjection(metric: metric, dimension: 2)
        let y = [8 * u.next() - 4, 8 * u.next() - 4]
        let p = projection.project(y, onto: set)
        #expect(set.contains(p, tolerance: 1e-9), "\(set): \(p)")
        let best = samples.map { projection.distance($0, y) }.min()!
        #expect(projection.distance(p, y) <= best + 1e-9, "\(set) y = \(y)")
        let gradient = projection.apply([p[0] - y[0], p[1] - y[1]])
        let worst = samples.map { gradient[0] * ($0[0] - p[0]) + gradient[1] * ($0[1] - p[1]) }.min()!
        #expect(worst >= -1e-7 * (1 + abs(gradient[0]) + abs(gradient[1])), "\(set) y = \(y)")
      }
    }
  }

  /// A = I gives the Euclidean projection; a point of the set is its own projection.
  @Test func identityMetricIsTheEuclideanProjection() throws {
    let p = try MahalanobisProjection(metric: [1, 0, 0, 0, 1, 0, 0, 0, 1], dimension: 3)
    let ball = try EuclideanBall(dimension: 3, radius: 1)
    let simplex = try Simplex(dimension: 3)
    for y in [[3.0, 4, 0], [0.1, 0.2, -0.3], [2, -1, 0.5]] {
      for set in [ball, simplex] as [any ConvexSet] {
        #expect(zip(p.project(y, onto: set), set.project(y)).allSatisfy { abs($0 - $1) < 1e-9 })
      }
    }
    #expect(p.project([0.1, 0.2, 0.3], onto: ball) == [0.1, 0.2, 0.3])
  }

  @Test func refusesInvalidMetrics() {
    #expect(throws: SolverError.dimensionMismatch(
      "MahalanobisProjection: metric has 3 entries, expected 2×2 = 4")) {
      try MahalanobisProjection(metric: [1, 0, 1], dimension: 2)
    }
    #expect(throws: SolverError.self) { try MahalanobisProjection(metric: [1, 0.5, 0, 1], dimension: 2) }
    #expect(throws: SolverError.self) { try MahalanobisProjection(metric: [1, 2, 2, 1], dimension: 2) }
    #expect(throws: SolverError.self) { try MahalanobisProjection(metric: [.nan], dimension: 1) }
    #expect(throws: SolverError.self) { try MahalanobisProjection(metric: [], dimension: 0) }
  }
}
