import Descent
import DescentCurvature
import DescentData
import DescentNN
import Foundation
import Testing

@testable import DescentTraining

/// `descent hessian`'s library path (``FullBatchLoss`` + ``HessianReport``) on a linear softmax
/// model, whose Hessian is known in closed form:
/// `H = (1/n) Σᵢ (diag(pᵢ) − pᵢpᵢᵀ) ⊗ x̃ᵢx̃ᵢᵀ` with `x̃ = [x; 1]` (weight `[C, D]` row-major, then
/// bias `[C]`).
@Suite struct HessianCommandTests {
  static let n = 24
  static let d = 4
  static let c = 3

  static func features() -> [[Double]] {
    (0..<n).map { i in (0..<d).map { j in sin(Double(7 * i + 3 * j + 1)) * 1.5 } }
  }

  static func problem() -> (FullBatchLoss, weight: [[Double]], bias: [Double]) {
    let x = features()
    let labels = (0..<n).map { Int32($0 % c) }
    let data = TensorDataset(
      name: "tiny", features: Tensor(x), labels: Tensor(scalars: labels, shape: [n]))
    let weight = (0..<c).map { k in (0..<d).map { j in 0.3 * cos(Double(5 * k + j)) } }
    let bias = [0.1, -0.2, 0.05]
    let model = Linear(weight: Tensor(weight), bias: Tensor(bias))
    return (FullBatchLoss(model: model, spec: "linear", data: data, inputShape: [d]), weight, bias)
  }

  /// The closed-form Hessian, in the parameter tree's flattened order (weight, then bias).
  static func analyticHessian(weight: [[Double]], bias: [Double]) -> [[Double]] {
    let dim = c * d + c
    var h = Array(repeating: Array(repeating: 0.0, count: dim), count: dim)
    for xi in features() {
      let logits = (0..<c).map { k in bias[k] + (0..<d).reduce(0.0) { $0 + weight[k][$1] * xi[$1] }
      }
      let m = logits.max()!
      let e = logits.map { exp($0 - m) }
      let p = e.map { $0 / e.reduce(0, +) }
      let xt = xi + [1.0]
      func index(_ k: Int, _ j: Int) -> Int { j < d ? k * d + j : c * d + k }
      for k in 0..<c {
        for l in 0..<c {
          let a = (k == l ? p[k] : 0) - p[k] * p[l]
          for j in 0...d {
            for m in 0...d {
              h[index(k, j)][index(l, m)] += a * xt[j] * xt[m] / Double(n)
            }
          }
        }
      }
    }
    return h
  }

  @Test func hessianOfALinearSoftmaxModelMatchesTheClosedForm() throws {
    let (loss, weight, bias) = Self.problem()
    #expect(loss.parameters.paths == ["weight", "bias"])
    let op = HVPOracle(at: loss.parameters, loss: loss.loss).linearOperator
    let dim = op.dimension
    #expect(dim == 15)
    let expected = Self.analyticHessian(weight: weight, bias: bias)
    // The explicit Hessian, column by column from HVPs of unit vectors.
    var explicit: [Double] = []
    var columns: [[Double]] = []
    for i in 0..<dim {
      var e = Array(repeating: 0.0, count: dim)
      e[i] = 1
      columns.append(op(Tensor(e, dtype: op.dtype)).cast(to: .float64).scalars(as: Double.self))
    }
    for i in 0..<dim {
      for j in 0..<dim {
        #expect(abs(columns[j][i] - expected[i][j]) < 2e-5, "H[\(i)][\(j)]")
        explicit.append(columns[j][i])
      }
    }
    let eigen = try eigh(Tensor(explicit, shape: [dim, dim], dtype: .float64))
      .eigenvalues.scalars(as: Double.self).sorted(by: >)
    let exactTrace = (0..<dim).reduce(0.0) { $0 + expected[$1][$1] }

    var options = HessianReport.Options()
    options.top = 5
    options.trace = true
    options.traceSamples = 400
    options.density = true
    options.densityIterations = 15
    options.seed = 3
    let report = try HessianReport.compute(loss: loss.loss, at: loss.parameters, options: options)
    #expect(report.topEigenvalues.count == 5)
    for (a, b) in zip(report.topEigenvalues, eigen.prefix(5)) {
      #expect(abs(a - b) <= 1e-4 * eigen[0] + 1e-6, "Lanczos \(a) vs eigh \(b)")
    }
    let trace = try #require(report.trace)
    let error = try #require(report.traceStandardError)
    #expect(error > 0 && error < 0.2 * exactTrace)
    #expect(abs(trace - exactTrace) <= 4 * error, "Hutchinson \(trace) ± \(error) vs \(exactTrace)")
    #expect(
      report.densitySVG?.hasPrefix("<svg") == true || report.densitySVG?.contains("<svg") == true)
  }

  @Test func jsonHasTheDocumentedShape() throws {
    let (loss, _, _) = Self.problem()
    var options = HessianReport.Options()
    options.top = 3
    options.trace = true
    options.traceSamples = 20
    let report = try HessianReport.compute(loss: loss.loss, at: loss.parameters, options: options)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(report.jsonString().utf8)) as? [String: Any])
    #expect(Set(object.keys) == ["topEigenvalues", "trace", "traceStandardError"])
    #expect((object["topEigenvalues"] as? [Double])?.count == 3)
    #expect(object["trace"] is Double)
    #expect(object["traceStandardError"] is Double)
  }

  @Test func weightsFileLoadsLikeEvaluate() throws {
    let weights = EvaluateTests.directory.appendingPathComponent("digits-mlp.safetensors").path
    let loss = try FullBatchLoss.load(model: "mlp:64-32-10", weights: weights, data: "digits")
    #expect(loss.examples == 1797)
    let evaluated = try Trainer.evaluate(model: "mlp:64-32-10", weights: weights, data: "digits")
    let value = loss.loss(loss.parameters).cast(to: .float64).scalars(as: Double.self)[0]
    #expect(abs(value - evaluated.loss) <= 1e-5 * evaluated.loss)
    do {
      _ = try FullBatchLoss.load(model: "mlp:64-16-10", weights: weights, data: "digits")
      Issue.record("weights that do not fit loaded")
    } catch let error as TrainingError {
      #expect(error.exitStatus == 65)
    }
  }

  @Test func checkpointGivesTheTrainingSplitLossAtTheSavedParameters() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-hessian-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = TrainingConfiguration()
    c.model = "mlp:64-8-10"
    c.steps = 10
    c.optimizer = "adahessian"
    c.learningRate = 0.05
    c.checkpointPath = url.path
    let trainer = try Trainer(configuration: c)
    try trainer.run()
    let loss = try FullBatchLoss.load(checkpoint: url)
    #expect(loss.examples == trainer.trainData.count)
    #expect(loss.parameters == trainer.parameters)
    let value = loss.loss(loss.parameters).cast(to: .float64).scalars(as: Double.self)[0]
    #expect(value.isFinite && value > 0 && value < 2.4)
  }
}
