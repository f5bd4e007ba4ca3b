import DescentSolvers
import Foundation
import Testing

/// The interior-point solver against scipy.optimize.linprog (HiGHS) goldens
/// (scripts/golden/make_last_iterate_golden.py, versions in the JSON), and against its own
/// duality certificate for the strongly convex (μ > 0) case.
@Suite struct LeastAbsoluteDeviationsTests {
  static var cases: [[String: Any]] {
    let url = Bundle.module.url(
      forResource: "last_iterate", withExtension: "json", subdirectory: "Golden")!
    let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return (object as! [String: Any])["lad"] as! [[String: Any]]
  }

  static func problem(_ g: [String: Any], ridge: Double = 0) throws -> LeastAbsoluteDeviations {
    try LeastAbsoluteDeviations(
      design: g["design"] as! [Double], targets: g["targets"] as! [Double],
      dimension: g["d"] as! Int,
      l1: g["l1"] as! Double, ridge: ridge)
  }

  @Test func linearProgramMatchesLinprog() throws {
    #expect(Self.cases.count == 3)
    for g in Self.cases {
      let lad = try Self.problem(g)
      let solution = lad.solve()
      let reference = g["value"] as! Double
      #expect(solution.converged, "\(solution.reason)")
      #expect(
        abs(solution.value - reference) <= 1e-10 * reference, "\(solution.value) vs \(reference)")
      // The dual bound meets the primal value (LP duality).
      #expect(abs(solution.dualValue - solution.value) <= 1e-9 * reference)
      #expect(solution.iterations < 100)
      // linprog's point has the same objective under our F.
      #expect(abs(lad.value(g["point"] as! [Double]) - reference) < 1e-10 * reference)
    }
  }

  /// μ > 0: the dual value is a lower bound, so F(x) − dual ≤ 1e-10 certifies the optimum; no
  /// coordinate perturbation decreases F.
  @Test func quadraticProgramIsCertifiedByItsDual() throws {
    let lad = try Self.problem(Self.cases[0], ridge: 0.1)
    let solution = lad.solve()
    #expect(solution.converged)
    #expect(solution.value - solution.dualValue >= -1e-12)
    #expect(solution.value - solution.dualValue <= 1e-10)
    for j in 0..<lad.dimension {
      for delta in [1e-4, -1e-4] {
        var x = solution.point
        x[j] += delta
        #expect(lad.value(x) >= solution.value - 1e-13)
      }
    }
    // Without the ridge the optimum is lower.
    #expect(try Self.problem(Self.cases[0]).solve().value < solution.value)
  }

  @Test func singularAndBadProblemsReportClearly() throws {
    // Two identical columns, λ = μ = 0: the Newton system is singular, reported, no crash.
    let design: [Double] = [1, 1, 2, 2, 3, 3, -1, -1]
    let singular = try LeastAbsoluteDeviations(design: design, targets: [1, 2, 3, 4], dimension: 2)
    let solution = singular.solve()
    #expect(!solution.converged)
    #expect(solution.reason.contains("singular"))
    let capped = try Self.problem(Self.cases[0]).solve(maxIterations: 3)
    #expect(!capped.converged && capped.reason == "reached maxIterations = 3")
    func message(_ body: () throws -> Any) -> String? {
      do {
        _ = try body()
        return nil
      } catch { return "\(error)" }
    }
    #expect(
      message { try LeastAbsoluteDeviations(design: [1, 2, 3], targets: [1, 2], dimension: 2) }
        == "LeastAbsoluteDeviations: design has 3 entries, expected 2×2 = 4")
    #expect(
      message { try LeastAbsoluteDeviations(design: [1, .nan], targets: [1], dimension: 2) }?
        .hasPrefix("LeastAbsoluteDeviations: design[1] = nan is invalid") == true)
    #expect(
      message { try LeastAbsoluteDeviations(design: [1], targets: [1], dimension: 1, l1: -1) }
        == "LeastAbsoluteDeviations: l1 = -1 is invalid: must be a finite number ≥ 0")
  }
}
