import Descent
import DescentData
import DescentSolvers
import Foundation
import Testing

/// `descent dag` as a user runs it: the JSON keys and shapes of the contract, the same W and σ
/// as the library's ``CoLiDE`` on the same file, the edge-list CSV, and bad data as one-line
/// errors naming the row or column with exit status 65 (bad flags: 64).
@Suite(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct DAGCommandTests {
  struct Output: Decodable {
    let method: String
    let variables: [String]
    let W: [[Double]]
    let sigma: [Double]
    let adjacency: [[Int]]
    let iterations: Int
    let converged: Bool
  }

  static let folder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-dag-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  /// A chain a → b → c plus a → d, 300 samples, written with 17 significant digits.
  static let chain: URL = {
    var generator = RandomGenerator(seed: 3)
    let z = Tensor.normal([300, 4], dtype: .float64, using: &generator).doubles
    var text = "a,b,c,d\n"
    for r in 0..<300 {
      let a = z[r * 4] + 1
      let b = 1.5 * a + 0.7 * z[r * 4 + 1]
      let c = -1.2 * b + 0.7 * z[r * 4 + 2]
      let d = 0.9 * a + 0.7 * z[r * 4 + 3]
      text += [a, b, c, d].map { String(format: "%.17g", $0) }.joined(separator: ",") + "\n"
    }
    return write("chain.csv", text)
  }()

  static func write(_ name: String, _ text: String) -> URL {
    let url = folder.appendingPathComponent(name)
    try! text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test(arguments: ["colide-ev", "colide-nv"])
  func jsonHasTheContractsKeysAndTheLibrarysNumbers(method: String) throws {
    let output = try DescentExecutable.run([
      "dag", "--data", Self.chain.path, "--method", method, "--format", "json",
    ])
    #expect(output.status == 0, "\(output)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    #expect(
      Set(object.keys)
        == ["method", "variables", "W", "sigma", "adjacency", "iterations", "converged"])
    let printed = try JSONDecoder().decode(Output.self, from: Data(output.stdout.utf8))
    #expect(printed.method == method)
    #expect(printed.variables == ["a", "b", "c", "d"])
    #expect(printed.W.count == 4 && printed.W.allSatisfy { $0.count == 4 })
    #expect(printed.sigma.count == (method == "colide-ev" ? 1 : 4))
    #expect(printed.converged)
    // The library on the same file (read in float64) gives the same numbers to the last bit.
    let values = try CSVReader.readFeatures(contentsOf: Self.chain, dtype: .float64).values
    let fit = try CoLiDE(noise: method == "colide-ev" ? .equalVariance : .nonEqualVariance)
      .fit(values)
    #expect(printed.W.flatMap { $0 } == fit.weights)
    #expect(printed.sigma == fit.sigma)
    #expect(printed.iterations == fit.iterations)
    let adjacency = DAGThresholding.adjacency(fit.weights, dimension: 4, threshold: 0.3)
    #expect(printed.adjacency.flatMap { $0 } == adjacency)
    #expect(DAGThresholding.isAcyclic(adjacency.map(Double.init), dimension: 4))
    // The skeleton a - b, b - c, a - d is found (directions are not identifiable from
    // covariances alone with NV).
    var skeleton: [Int] = []
    for i in 0..<4 {
      for j in 0..<4 { skeleton.append(adjacency[i * 4 + j] + adjacency[j * 4 + i]) }
    }
    let expected: [Int] = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    #expect(skeleton == expected, "\(printed.adjacency)")
  }

  @Test func csvListsTheEdgesWithTheirWeights() throws {
    let output = try DescentExecutable.run([
      "dag", "--data", Self.chain.path, "--method", "colide-ev", "--format", "csv",
      "--threshold", "0.3", "--lambda", "0.05",
    ])
    #expect(output.status == 0, "\(output)")
    let lines = output.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "from,to,weight")
    #expect(lines.count == 4, "\(lines)")
    for line in lines.dropFirst() {
      let cells = line.split(separator: ",")
      #expect(cells.count == 3 && abs(Double(cells[2]) ?? 0) > 0.3, "\(line)")
    }
  }

  @Test func readsNPY() throws {
    let values = try CSVReader.readFeatures(contentsOf: Self.chain, dtype: .float64).values
    let url = Self.folder.appendingPathComponent("chain.npy")
    try NPYReader.write(values, to: url)
    let output = try DescentExecutable.run(["dag", "--data", url.path, "--method", "colide-ev"])
    #expect(output.status == 0, "\(output)")
    let printed = try JSONDecoder().decode(Output.self, from: Data(output.stdout.utf8))
    #expect(printed.variables == ["x1", "x2", "x3", "x4"])
    let csv = try DescentExecutable.run(["dag", "--data", Self.chain.path, "--method", "colide-ev"])
    let fromCSV = try JSONDecoder().decode(Output.self, from: Data(csv.stdout.utf8))
    #expect(printed.W == fromCSV.W)
  }

  @Test func badDataIsOneLineNamingTheRowOrColumnWithStatus65() throws {
    let nan = Self.write("nan.csv", "a,b\n1,2\n3,nan\n5,1\n")
    try DescentExecutable.expectOneLineError(
      ["dag", "--data", nan.path, "--method", "colide-ev"], status: 65,
      containing: "line 3, column 2 (b)")
    let text = Self.write("text.csv", "a,b\n1,2\n3,x\n5,1\n")
    try DescentExecutable.expectOneLineError(
      ["dag", "--data", text.path, "--method", "colide-nv"], status: 65,
      containing: "line 3, column 2 (b)")
    let constant = Self.write("constant.csv", "a,b,c\n1,2,7\n3,2,8\n5,2,1\n4,2,0\n")
    try DescentExecutable.expectOneLineError(
      ["dag", "--data", constant.path, "--method", "colide-ev"], status: 65,
      containing: "column 2 (b) is constant")
    let short = Self.write("short.csv", "a,b,c\n1,2,7\n3,5,8\n")
    try DescentExecutable.expectOneLineError(
      ["dag", "--data", short.path, "--method", "colide-ev"], status: 65,
      containing: "2 rows and 3 columns")
    let ragged = Self.write("ragged.csv", "a,b\n1,2\n3\n")
    try DescentExecutable.expectOneLineError(
      ["dag", "--data", ragged.path, "--method", "colide-ev"], status: 65, containing: "line 3")
    try DescentExecutable.expectOneLineError(
      [
        "dag", "--data", Self.folder.appendingPathComponent("missing.csv").path, "--method",
        "colide-ev",
      ], status: 65, containing: "missing.csv")
    // A NaN in an .npy file: the row and column of the value.
    let url = Self.folder.appendingPathComponent("nan.npy")
    try NPYReader.write(Tensor([1, 2, 3, .nan, 5, 1], shape: [3, 2], dtype: .float64), to: url)
    try DescentExecutable.expectOneLineError(
      ["dag", "--data", url.path, "--method", "colide-ev"], status: 65,
      containing: "row 2, column 2 (x2)")
  }

  @Test func badFlagsAreUsageErrors() throws {
    for (arguments, expected) in [
      (["--method", "colide-xx"], "colide-xx"),
      (["--method", "colide-ev", "--lambda", "-1"], "--lambda -1"),
      (["--method", "colide-ev", "--threshold", "nan"], "--threshold nan"),
    ] {
      try DescentExecutable.expectOneLineError(
        ["dag", "--data", Self.chain.path] + arguments, status: 64, containing: expected)
    }
    try DescentExecutable.expectOneLineError(
      [
        "dag", "--data", Self.folder.appendingPathComponent("data.txt").path, "--method",
        "colide-ev",
      ], status: 64, containing: "unknown file type")
  }
}
