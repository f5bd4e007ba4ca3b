import DescentSolvers
import Foundation
import Testing

@Suite struct BregmanDivergenceTests {
  /// The three-point identity B(x, z) = B(x, y) + B(y, z) + ⟨∇ψ(y) − ∇ψ(z), x − y⟩, B(x, x) = 0
  /// and B ≥ 0, for ψ = ½‖·‖² (∇ψ = x) and ψ = Σ x log x (∇ψ = log x + 1).
  @Test func threePointIdentityAndPositivity() throws {
    let euclidean = EuclideanDivergence(set: try EuclideanBall(dimension: 3, radius: 2))
    let entropic = EntropicDivergence(simplex: try Simplex(dimension: 3))
    let points: [[Double]] = [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3], [0.1, 0.8, 0.1], [1 / 3, 1 / 3, 1 / 3]]
    let cases: [(any BregmanDivergence, ([Double]) -> [Double])] = [
      (euclidean, { $0 }), (entropic, { $0.map { log($0) + 1 } }),
    ]
    for (divergence, gradient) in cases {
      for x in points { for y in points { for z in points {
        let lhs = divergence.divergence(x, z)
        let gy = gradient(y), gz = gradient(z)
        let inner = (0..<3).map { (gy[$0] - gz[$0]) * (x[$0] - y[$0]) }.reduce(0, +)
        let rhs = divergence.divergence(x, y) + divergence.divergence(y, z) + inner
        #expect(abs(lhs - rhs) < 1e-12)
        #expect(divergence.divergence(x, y) >= -1e-15)
      } }
      #expect(abs(divergence.divergence(x, x)) < 1e-15) }
    }
    // Known values: ½‖x − y‖² and KL.
    #expect(abs(euclidean.divergence([1, 0, 0], [0, 1, 0]) - 1) < 1e-15)
    #expect(abs(entropic.divergence([0.5, 0.5, 0], [0.25, 0.25, 0.5]) - log(2)) < 1e-15)
  }

  /// The mirror step minimizes η⟨g, x⟩ + B(x, y) over the set: no random point of the set does
  /// better. The entropic step is the normalized exponentiated gradient.
  @Test func mirrorStepsAreMinimizers() throws {
    var state: UInt64 = 5
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let simplex = try Simplex(dimension: 3)
    let divergences: [any BregmanDivergence] = [
      EuclideanDivergence(set: try EuclideanBall(dimension: 3, radius: 1)),
      EuclideanDivergence(set: simplex), EntropicDivergence(simplex: simplex),
    ]
    for divergence in divergences {
      for _ in 0..<20 {
        let y = simplex.project((0..<3).map { _ in uniform() })
          .map { 0.9 * $0 + 0.1 / 3 }  // interior of the simplex and the ball
        let g = (0..<3).map { _ in 4 * uniform() - 2 }
        let eta = 0.7
        let x = divergence.mirrorStep(from: y, gradient: g, stepSize: eta)
        func objective(_ p: [Double]) -> Double {
          eta * zip(g, p).map(*).reduce(0, +) + divergence.divergence(p, y)
        }
        for _ in 0..<300 {
          var q = (0..<3).map { _ in uniform() + 1e-9 }
          let s = q.reduce(0, +)
          q = q.map { $0 / s }
          #expect(objective(x) <= objective(q) + 1e-12)
        }
      }
    }
    let entropic = EntropicDivergence(simplex: simplex)
    let step = entropic.mirrorStep(from: [0.5, 0.25, 0.25], gradient: [0, log(2), 0], stepSize: 1)
    // 0.5 : 0.125 : 0.25, normalized.
    for (a, b) in zip(step, [0.5 / 0.875, 0.125 / 0.875, 0.25 / 0.875]) { #expect(abs(a - b) < 1e-15) }
    #expect(entropic.dualNorm([0.5, -2, 1]) == 2)
    #expect(abs(entropic.diameter! - (2 * log(3.0)).squareRoot()) < 1e-15)
  }
}
