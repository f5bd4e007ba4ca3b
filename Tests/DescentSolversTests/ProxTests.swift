import DescentSolvers
import Foundation
import Testing

/// The proxes against closed forms (numpy, scripts/golden/make_last_iterate_golden.py) and
/// against their optimality condition (y − p)/η ∈ ∂h(p), p = prox_{ηh}(y).
@Suite struct ProxTests {
  static var golden: [String: Any] {
    let url = Bundle.module.url(
      forResource: "last_iterate", withExtension: "json", subdirectory: "Golden")!
    let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return (object as! [String: Any])["prox"] as! [String: Any]
  }

  static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max()!
  }

  /// h(p) + ‖p − y‖²/(2η) is no larger at random points q near p: the prox minimizes.
  static func expectMinimizes(
    _ h: some Prox, _ y: [Double], _ η: Double, feasible: ([Double]) -> [Double] = { $0 }
  ) {
    let p = h.prox(y, stepSize: η)
    func objective(_ x: [Double]) -> Double {
      h.value(x) + zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / (2 * η)
    }
    var state: UInt64 = 99
    for _ in 0..<300 {
      let q = feasible(
        p.map { v in
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          return v + (Double(state >> 11) / Double(1 << 53) - 0.5) * 0.2
        })
      #expect(objective(p) <= objective(q) + 1e-12)
    }
  }

  @Test func softThresholdMatchesTheClosedFormAndItsOptimality() throws {
    let g = Self.golden
    let y = g["y"] as! [Double]
    let η = g["stepSize"] as! Double
    let λ = g["l1Strength"] as! Double
    let h = try L1Prox(strength: λ)
    let p = h.prox(y, stepSize: η)
    #expect(Self.maxDifference(p, g["softThreshold"] as! [Double]) < 1e-15)
    for i in y.indices {
      let s = (y[i] - p[i]) / η
      if p[i] != 0 {
        #expect(abs(s - λ * (p[i] > 0 ? 1 : -1)) < 1e-12)
      } else {
        #expect(abs(s) <= λ + 1e-12)
      }
    }
    #expect(p.contains(0) && p.contains { $0 != 0 })  // both branches exercised
    Self.expectMinimizes(h, y, η)
    #expect(abs(h.value([1, -2]) - 3 * λ) < 1e-15)
  }

  @Test func squaredL2AndElasticNetMatchClosedForms() throws {
    let y = Self.golden["y"] as! [Double]
    let η = 0.7
    let μ = 0.4
    let λ = 0.9
    let ridge = try SquaredL2Prox(strength: μ)
    let p = ridge.prox(y, stepSize: η)
    #expect(Self.maxDifference(p, y.map { $0 / (1 + η * μ) }) < 1e-15)
    for i in y.indices { #expect(abs((y[i] - p[i]) / η - μ * p[i]) < 1e-12) }  // ∇h(p)
    Self.expectMinimizes(ridge, y, η)
    let elastic = try L1Prox(strength: λ).addingSquaredL2(strength: μ)
    let e = elastic.prox(y, stepSize: η)
    let closed = y.map { v in
      (abs(v) > η * λ ? (v > 0 ? 1 : -1) * (abs(v) - η * λ) : 0) / (1 + η * μ)
    }
    #expect(Self.maxDifference(e, closed) < 1e-14)
    for i in y.indices {
      let s = (y[i] - e[i]) / η - μ * e[i]  // ∈ λ∂|eᵢ|
      if e[i] != 0 {
        #expect(abs(s - λ * (e[i] > 0 ? 1 : -1)) < 1e-12)
      } else {
        #expect(abs(s) <= λ + 1e-12)
      }
    }
    Self.expectMinimizes(elastic, y, η)
    #expect(abs(elastic.value([1, -2]) - (3 * λ + 0.5 * μ * 5)) < 1e-14)
  }

  @Test func boxAndSimplexProjections() throws {
    let y = Self.golden["y"] as! [Double]
    let d = y.count
    let lower = [Double](repeating: -1, count: d)
    let upper = [Double](repeating: 0.5, count: d)
    let box = try IndicatorProx.box(lower: lower, upper: upper)
    let p = box.prox(y, stepSize: 3)
    #expect(p == y.map { min(max($0, -1), 0.5) })
    #expect(box.value(p) == 0 && box.value(y) == .infinity)
    let simplex = try IndicatorProx.simplex(dimension: d)
    let s = simplex.prox(y, stepSize: 0.1)
    #expect(Self.maxDifference(s, Self.golden["simplex"] as! [Double]) < 1e-12)
    #expect(abs(s.reduce(0, +) - 1) < 1e-12 && s.allSatisfy { $0 >= 0 })
    // Optimality of a projection: ⟨y − p, q − p⟩ ≤ 0 for every q in the set (vertices suffice
    // for the simplex, the 2·d extreme coordinates for the box).
    for k in 0..<d {
      var vertex = [Double](repeating: 0, count: d)
      vertex[k] = 1
      #expect(zip(zip(y, s), vertex).map { ($0.0 - $0.1) * ($1 - $0.1) }.reduce(0, +) <= 1e-12)
      for corner in [lower[k], upper[k]] {
        var q = p
        q[k] = corner
        #expect(zip(zip(y, p), q).map { ($0.0 - $0.1) * ($1 - $0.1) }.reduce(0, +) <= 1e-12)
      }
    }
    Self.expectMinimizes(box, y, 1, feasible: { q in (0..<d).map { min(max(q[$0], -1), 0.5) } })
  }

  @Test func groupSoftThreshold() throws {
    let g = Self.golden
    let y = g["y"] as! [Double]
    let η = g["stepSize"] as! Double
    let λ = g["l1Strength"] as! Double
    let groups = g["groups"] as! [[Int]]
    let h = try GroupL2Prox(dimension: y.count, groups: groups, strength: λ)
    let p = h.prox(y, stepSize: η)
    #expect(Self.maxDifference(p, g["groupSoftThreshold"] as! [Double]) < 1e-14)
    for group in groups {
      let norm = group.map { p[$0] * p[$0] }.reduce(0, +).squareRoot()
      if norm > 0 {
        for i in group { #expect(abs((y[i] - p[i]) / η - λ * p[i] / norm) < 1e-12) }
      } else {
        #expect(group.map { y[$0] * y[$0] }.reduce(0, +).squareRoot() / η <= λ + 1e-12)
      }
    }
    for i in 9..<y.count { #expect(p[i] == y[i]) }  // in no group
    Self.expectMinimizes(h, y, η)
    // A zeroed group: ‖y_g‖ ≤ ηλ.
    let small = try GroupL2Prox(dimension: 3, groups: [[0, 1], [2]], strength: 1)
    #expect(small.prox([0.3, 0.4, 2], stepSize: 0.5) == [0, 0, 1.5])
  }

  @Test func badArgumentsGiveOneLineErrors() {
    let cases: [(() throws -> Any, String)] = [
      (
        { try L1Prox(strength: -1) },
        "L1Prox: strength = -1 is invalid: must be a finite number ≥ 0"
      ),
      ({ try SquaredL2Prox(strength: .nan) }, "SquaredL2Prox: strength = nan is invalid"),
      ({ try L1Prox(strength: 1).addingSquaredL2(strength: -2) }, "SquaredL2Added: strength = -2"),
      (
        { try GroupL2Prox(dimension: 3, groups: [[0, 1], [1, 2]], strength: 1) },
        "GroupL2Prox: index 1 is in groups 0 and 1: groups must be disjoint"
      ),
      (
        { try GroupL2Prox(dimension: 3, groups: [[0, 3]], strength: 1) },
        "GroupL2Prox: group 0 has index 3: indices must be in 0..<3"
      ),
      (
        { try GroupL2Prox(dimension: 3, groups: [[]], strength: 1) },
        "GroupL2Prox: group 0 is empty"
      ),
      (
        { try GroupL2Prox(dimension: 3, groups: [[0]], strength: 1, weights: [1, 2]) },
        "GroupL2Prox: weights has 2 entries, expected one per group (1)"
      ),
      ({ try IndicatorProx.simplex(dimension: 0) }, "Simplex: dimension = 0 is invalid"),
    ]
    for (make, message) in cases {
      do {
        _ = try make()
        Issue.record("no error for \(message)")
      } catch {
        let text = "\(error)"
        #expect(text.hasPrefix(message), "\(text)")
        #expect(!text.contains("\n"))
      }
    }
  }
}
