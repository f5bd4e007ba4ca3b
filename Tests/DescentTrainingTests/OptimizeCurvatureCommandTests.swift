import Foundation
import Testing

/// `descent optimize` with the optimizers that need the loss closure (Hessian-vector products)
/// or keep a gradient buffer, run as a user runs them: the executable in a child process.
@Suite struct OptimizeCurvatureCommandTests {
  @Test(
    .enabled(if: DescentExecutable.url != nil, "the descent executable is built"),
    arguments: [
      ["--optimizer", "adahessian"],
      ["--optimizer", "sophiah", "--lr", "1", "--set", "clip=0.1"],
      ["--optimizer", "mfac"],
    ])
  func optimizeRunsACurvatureOptimizer(_ optimizer: [String]) throws {
    let output = try DescentExecutable.run(
      ["optimize", "--function", "booth", "--steps", "50", "--start", "0,0", "--format", "json"]
        + optimizer)
    #expect(output.status == 0, "\(output.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    #expect(object["optimizer"] as? String == optimizer[1])
    #expect(object["diverged"] is NSNull)
    let rows = try #require(object["rows"] as? [[String: Any]])
    #expect(rows.count == 51)
    let first = try #require(rows.first?["loss"] as? Double)
    let last = try #require(rows.last?["loss"] as? Double)
    #expect(first == 74)  // booth(0, 0) = 7² + 5²
    #expect(last < first, "\(optimizer[1]): loss \(first) → \(last)")
  }
}
