import Descent
import DescentOptimizers
import Foundation
import Testing

/// `descent optimize`'s library side: parsing the command-line values, running an optimizer on a
/// test function, and the CSV/JSON contract.
@Suite struct TrajectoryTests {
  private func message(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func csvHeaderAndRowCount() throws {
    let request = try TrajectoryRequest.parse(
      function: "rosenbrock", optimizer: "adam", learningRate: "0.01", steps: "25",
      start: "-1.5,2,0.5")
    let trajectory = try TrajectoryRunner.run(request)
    let lines = trajectory.csv().split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[0] == "step,loss,x1,x2,x3")
    #expect(lines.count == 1 + 26 + 1)  // header, steps 0...25, and the final newline
    #expect(lines.last == "")
    #expect(lines[1].hasPrefix("0,"))
    #expect(lines[26].hasPrefix("25,"))
    let first = lines[1].split(separator: ",").map { Double($0)! }
    #expect(first[2] == -1.5 && first[3] == 2 && first[4] == 0.5)  // the start, unchanged
    // Rosenbrock(−1.5, 2, 0.5): 100(2 − 2.25)² + 2.5² + 100(0.5 − 4)² + (1 − 2)² = 1238.5
    #expect(abs(first[1] - 1238.5) < 1e-9)
    #expect(trajectory.divergence == nil)
    let zeroSteps = try TrajectoryRunner.run(
      TrajectoryRequest(function: "sphere", optimizer: "sgd", steps: 0, start: [3]))
    #expect(zeroSteps.csv() == "step,loss,x1\n0,9,3\n")
  }

  /// Every number printed round-trips to the stored value bit for bit: `%.17g` for float64,
  /// `%.9g` for float32.
  @Test func fullPrecisionRoundTrip() throws {
    for dtype in ["float64", "float32"] {
      let trajectory = try TrajectoryRunner.run(
        TrajectoryRequest.parse(
          function: "beale", optimizer: "diffgrad", learningRate: "0.05", steps: "40",
          start: "0.3,-0.7", dtype: dtype))
      let lines = trajectory.csv().split(separator: "\n").dropFirst()
      #expect(lines.count == 41)
      for (line, row) in zip(lines, trajectory.rows) {
        let fields = line.split(separator: ",").map(String.init)
        let values = [row.loss] + row.point
        for (text, value) in zip(fields.dropFirst(), values) {
          if dtype == "float64" {
            #expect(Double(text)! == value, "\(text) vs \(value)")
          } else {
            #expect(Float(text)! == Float(value), "\(text) vs \(value)")
            #expect(Float(value) == Float(exactly: value))  // the stored value is a float32
          }
        }
      }
    }
    // 0.1 needs 17 significant digits to round-trip, 1/3 too.
    let t = try TrajectoryRunner.run(
      TrajectoryRequest(function: "sphere", optimizer: "sgd", steps: 0, start: [0.1, 1.0 / 3]))
    #expect(t.csvLine(t.rows[0]) == "0,0.12111111111111111,0.10000000000000001,0.33333333333333331")
  }

  @Test func jsonDocument() throws {
    let trajectory = try TrajectoryRunner.run(
      TrajectoryRequest.parse(
        function: "booth", optimizer: "sgd", learningRate: "0.01",
        settings: ["momentum=0.9", "nesterov=true"], steps: "5", start: "0,0"))
    let json = try trajectory.json()
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["function"] as? String == "booth")
    #expect(object["optimizer"] as? String == "sgd")
    #expect(object["dtype"] as? String == "float64")
    #expect(object["diverged"] is NSNull)
    let hyperparameters = try #require(object["hyperparameters"] as? [String: Any])
    #expect(hyperparameters["momentum"] as? Double == 0.9)
    #expect(hyperparameters["learningRate"] as? Double == 0.01)
    #expect(hyperparameters["nesterov"] as? Bool == true)
    #expect(hyperparameters["dampening"] as? Double == 0)  // defaults are listed too
    let rows = try #require(object["rows"] as? [[String: Any]])
    #expect(rows.count == 6)
    #expect(rows[0]["step"] as? Int == 0)
    #expect(rows[0]["loss"] as? Double == 74)  // booth(0, 0) = 7² + 5²
    // Every number round-trips exactly (decoded with JSONDecoder: JSONSerialization on Linux
    // parses some 17-digit decimals one ulp off).
    struct Document: Decodable {
      struct Row: Decodable {
        let step: Int
        let loss: Double
        let x: [Double]
      }
      let rows: [Row]
    }
    let decoded = try JSONDecoder().decode(Document.self, from: Data(json.utf8))
    #expect(decoded.rows.map(\.x) == trajectory.rows.map(\.point))
    #expect(decoded.rows.map(\.loss) == trajectory.rows.map(\.loss))
    #expect(decoded.rows.map(\.step) == Array(0...5))
  }

  /// The negative-number spellings reach the parser as these strings (`--start=-1.5,2` and
  /// `--start -1.5,2` both hand it `-1.5,2`; the option is parsed `.unconditional`).
  @Test func negativeStartValuesParse() throws {
    #expect(try TrajectoryRequest.parseNumberList("-1.5,2", flag: "--start") == [-1.5, 2])
    #expect(try TrajectoryRequest.parseNumberList(" -1e-3 , -2 ", flag: "--start") == [-0.001, -2])
    #expect(try TrajectoryRequest.parseNumber("-0.5", flag: "--lr") == -0.5)
    let request = try TrajectoryRequest.parse(
      function: "rosenbrock", optimizer: "adam", steps: "1", start: "-1.5,2")
    #expect(request.start == [-1.5, 2])
    #expect(
      message { _ = try TrajectoryRequest.parseNumberList("-1.5,,2", flag: "--start") }
        == "--start: '-1.5,,2' is invalid: '' is not a finite number (give comma-separated numbers such as -1.5,2)"
    )
    #expect(
      message { _ = try TrajectoryRequest.parseNumberList("1,nan", flag: "--start") }?
        .hasPrefix("--start: '1,nan' is invalid: 'nan' is not a finite number") == true)
  }

  @Test func badValuesNameTheFlag() {
    #expect(
      message { _ = try TrajectoryRequest.parseSteps("NaN") }
        == "--steps NaN: must be a whole number ≥ 0")
    #expect(
      message { _ = try TrajectoryRequest.parseSteps("-3") }
        == "--steps -3: must be a whole number ≥ 0")
    #expect(
      message { _ = try TrajectoryRequest.parseNumber("abc", flag: "--lr") }
        == "--lr abc: must be a finite number")
    #expect(
      message { _ = try TrajectoryRequest.parseDType("float16") }
        == "--dtype: 'float16' is invalid: must be float64 or float32")
    #expect(
      message { _ = try TrajectoryRequest.parseSettings(["beta1"]) }
        == "--set: 'beta1' is invalid: expected key=value, e.g. --set beta1=0.95")
    #expect(
      message { _ = try TrajectoryRequest.parseSettings(["beta1=0.9", "beta1=0.8"]) }
        == "--set: beta1 is given twice (beta1=0.9 and beta1=0.8): give it once")
    #expect(
      message {
        _ = try TrajectoryRequest.parse(
          function: "beale", optimizer: "adam", steps: "3", start: "1,2,3")
      } == "--start: test function 'beale' takes points of dimension 2, got 3")
    #expect(
      message {
        _ = try TrajectoryRequest.parse(
          function: "sphere", optimizer: "adam", settings: ["beta1=1.5"], steps: "3")
      } == "--set: adam: beta1 = 1.5 is invalid: must be in [0, 1)")
    #expect(
      message {
        _ = try TrajectoryRequest.parse(
          function: "sphere", optimizer: "adam", learningRate: "-1", steps: "3")
      } == "--lr -1: must be a finite number ≥ 0")
    #expect(
      message {
        _ = try TrajectoryRequest.parse(
          function: "sphere", optimizer: "adam", settings: ["beta1=x"], steps: "3")
      }?.hasPrefix("--set: adam: beta1=x is invalid") == true)
  }

  @Test func unknownNamesSuggestTheClosest() {
    #expect(
      message {
        _ = try TrajectoryRequest.parse(function: "rosenbrok", optimizer: "adam", steps: "1")
      } == "--function: unknown test function 'rosenbrok'; did you mean 'rosenbrock'?")
    #expect(
      message { _ = try TrajectoryRequest.parse(function: "sphere", optimizer: "adma", steps: "1") }?
        .hasPrefix(
          "--optimizer: unknown optimizer 'adma' (did you mean 'adam'?); known: "
            + OptimizerCatalogue.builtIn.map(\.name).joined(separator: ", ")) == true,
      "the built-in names first (optimizers registered at run time by other tests may follow)")
    #expect(
      message {
        _ = try TrajectoryRequest.parse(
          function: "sphere", optimizer: "adam", settings: ["beta=0.9"], steps: "1")
      }
        == "--set: adam has no hyperparameter 'beta' (did you mean 'beta1'?); it has: learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, maximize, stateBits, blockSize, minQuantizedSize"
    )
    // Every error is one line.
    let errors = [
      message { _ = try TrajectoryRequest.parse(function: "x", optimizer: "adam", steps: "1") },
      message { _ = try TrajectoryRequest.parse(function: "sphere", optimizer: "x", steps: "1") },
    ]
    for error in errors { #expect(error != nil && !error!.contains("\n")) }
  }

  /// The diffGrad paper's synthetic F1 experiment (its analytic notebook) through the runner:
  /// x₀ = −1, 300 steps, lr 0.1, β1 0.95. diffGrad ends at the global minimum −0.3; Adam stays
  /// in the local one at 0.2. Tolerance 0.01: both oscillate within a few 1e-3 of the kink.
  @Test func diffGradPaperF1() throws {
    func final(_ optimizer: String, dtype: String) throws -> Double {
      let trajectory = try TrajectoryRunner.run(
        TrajectoryRequest.parse(
          function: "diffgrad-f1", optimizer: optimizer, learningRate: "0.1",
          settings: ["beta1=0.95"], steps: "300", start: "-1", dtype: dtype))
      #expect(trajectory.rows.count == 301)
      return trajectory.rows.last!.point[0]
    }
    for dtype in ["float64", "float32"] {
      #expect(abs(try final("diffgrad", dtype: dtype) + 0.3) < 0.01, "\(dtype)")
      #expect(abs(try final("adam", dtype: dtype) - 0.2) < 0.01, "\(dtype)")
    }
  }

  /// A non-finite loss stops the run: the finite rows are kept, the divergence is recorded, and
  /// the message says where.
  @Test func divergenceStopsTheRun() throws {
    let trajectory = try TrajectoryRunner.run(
      TrajectoryRequest(
        function: "sphere", optimizer: "sgd", learningRate: 10, steps: 2000, start: [1]))
    let divergence = try #require(trajectory.divergence)
    #expect(trajectory.rows.count == divergence.step)
    #expect(trajectory.rows.allSatisfy { $0.loss.isFinite })
    #expect(!divergence.loss.isFinite)
    // x ← x − 10·2x = −19x: |x| = 19ᵏ overflows x² (float64) after about 121 steps.
    #expect((115...125).contains(divergence.step))
    let message = try #require(TrajectoryRunner.divergenceMessage(trajectory))
    #expect(message.hasPrefix("the loss became inf at step \(divergence.step) of sgd on sphere"))
    let json = try JSONSerialization.jsonObject(with: Data(try trajectory.json().utf8))
    let diverged = try #require((json as? [String: Any])?["diverged"] as? [String: Any])
    #expect(diverged["loss"] as? String == "inf")
  }

  /// `descent optimize --optimizer adahessian|sophiah|mfac`: the runner passes the function as
  /// the loss closure, so the Hessian-vector products work, in float64 and float32. Booth from
  /// (0, 0) (f = 74), 200 steps; measured final losses: adahessian 1.7e-6, sophiah 0.050 (float32
  /// 0.078), mfac 0.0024.
  @Test func curvatureOptimizersRunOnATestFunction() throws {
    let runs: [(optimizer: String, lr: String?, settings: [String], bound: Double)] = [
      ("adahessian", nil, [], 1e-5),
      ("sophiah", "1", ["clip=0.1"], 0.2),
      ("mfac", "0.5", ["numGradients=8", "damping=1", "momentum=0.9"], 0.01),
    ]
    for run in runs {
      for dtype in ["float64", "float32"] {
        let trajectory = try TrajectoryRunner.run(
          TrajectoryRequest.parse(
            function: "booth", optimizer: run.optimizer, learningRate: run.lr,
            settings: run.settings, steps: "200", start: "0,0", dtype: dtype))
        #expect(trajectory.divergence == nil)
        #expect(trajectory.rows.count == 201)
        let loss = try #require(trajectory.rows.last?.loss)
        #expect(loss < run.bound, "\(run.optimizer) \(dtype): final loss \(loss)")
      }
    }
    // SophiaG (`sophia`) runs too, but with no sampled-label estimate h stays 0: every step is
    // θ·(1 − lr·wd) − lr·sign(m), lr = 0.01 here.
    let sophia = try TrajectoryRunner.run(
      TrajectoryRequest.parse(
        function: "sphere", optimizer: "sophia", learningRate: "0.01",
        settings: ["weightDecay=0"], steps: "3", start: "1,-2"))
    let expected: [[Double]] = [[1, -2], [0.99, -1.99], [0.98, -1.98], [0.97, -1.97]]
    #expect(sophia.rows.count == 4)
    for (row, point) in zip(sophia.rows, expected) {
      #expect(zip(row.point, point).allSatisfy { abs($0 - $1) < 1e-12 }, "\(row.point)")
    }
  }

  /// M-FAC with its default m = 1024 on a 2-D function: an add refreshes only the filled slots,
  /// so 300 steps take seconds (they took minutes when every add refreshed all 1024 rows).
  @Test func mfacWithItsDefaultsIsFastOnASmallFunction() throws {
    let clock = ContinuousClock()
    var trajectory: Trajectory?
    let elapsed = try clock.measure {
      trajectory = try TrajectoryRunner.run(
        TrajectoryRequest.parse(function: "booth", optimizer: "mfac", steps: "300", start: "0,0"))
    }
    #expect(trajectory?.divergence == nil && trajectory?.rows.count == 301)
    #expect(elapsed < .seconds(60), "\(elapsed)")
  }

  @Test func optimizerListings() throws {
    // The built-in entries (another suite registers an optimizer at run time).
    let json = try OptimizerCatalogue.listingJSON(OptimizerCatalogue.builtIn)
    let records = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    #expect(records.map { $0["name"] as? String } == OptimizerCatalogue.builtIn.map(\.name))
    let adam = try #require(records.first { $0["name"] as? String == "adam" })
    #expect((adam["paper"] as? String)?.contains("1412.6980") == true)
    let hyperparameters = try #require(adam["hyperparameters"] as? [[String: Any]])
    #expect(hyperparameters.first?["name"] as? String == "learningRate")
    #expect(hyperparameters.first?["defaultValue"] as? Double == 0.001)
    #expect(
      hyperparameters.contains {
        $0["name"] as? String == "amsgrad" && $0["defaultValue"] as? Bool == false
      })
    let table = OptimizerCatalogue.listingTable(OptimizerCatalogue.builtIn)
    for info in OptimizerCatalogue.builtIn {
      #expect(table.contains("\(info.name): \(info.summary)"))
      for h in info.hyperparameters { #expect(table.contains("  \(h.name) ")) }
    }
  }
}
