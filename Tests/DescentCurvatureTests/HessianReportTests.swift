import Descent
import DescentCurvature
import DescentTestSupport
import Foundation
import Testing

@Suite("Hessian report and per-example gradients")
struct HessianReportTests {
  static let x = testTensor([30, 4], seed: 71)

  /// `½·mean((Xw − y)²)` with `y = X w*`: its Hessian is `XᵀX/n` at every `w`.
  static func loss(_ p: ParameterTree) -> Tensor {
    let target = x.matmul(Tensor([0.5, -1, 2, 0.25], dtype: .float64))
    return (x.matmul(p["w"]!) - target).square().mean() * target.scalar(0.5)
  }

  @Test("The report's eigenvalues and trace match XᵀX/n; JSON has the documented keys")
  func reportOfLinearRegression() throws {
    let parameters = ParameterTree([("w", Tensor.zeros([4], dtype: .float64))])
    let x = Self.x
    let hessian = x.transposed().matmul(x) * x.scalar(1.0 / 30)
    let eigenvalues = try eigh(hessian).eigenvalues.doubles
    var options = HessianReport.Options()
    options.top = 2
    options.trace = true
    options.traceSamples = 200
    options.density = true
    options.densityIterations = 4
    options.densityRuns = 2
    let report = try HessianReport.compute(loss: Self.loss, at: parameters, options: options)
    #expect(report.topEigenvalues.count == 2)
    #expect(abs(report.topEigenvalues[0] - eigenvalues[3]) < 1e-10)
    #expect(abs(report.topEigenvalues[1] - eigenvalues[2]) < 1e-10)
    let trace = eigenvalues.reduce(0, +)
    let estimate = try #require(report.trace)
    let error = try #require(report.traceStandardError)
    #expect(error > 0 && abs(estimate - trace) < 4 * error)
    let svg = try #require(report.densitySVG)
    #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"))

    let json = report.jsonString()
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    #expect(Set(object.keys) == ["topEigenvalues", "trace", "traceStandardError"])
    let decoded = try JSONDecoder().decode(HessianReport.self, from: Data(json.utf8))
    #expect(decoded.topEigenvalues == report.topEigenvalues)
    #expect(report.table().contains("lambda_2"))
  }

  @Test("Per-example gradients come in chunks and equal (xᵢᵀw − yᵢ) xᵢ")
  func perExampleGradientsOfLinearModel() {
    let w = testTensor([4], seed: 72)
    let y = testTensor([30], seed: 73)
    let parameters = ParameterTree([("w", w)])
    func exampleLoss(_ p: ParameterTree, _ i: Int) -> Tensor {
      let row = Self.x.slice(axis: 0, start: i, end: i + 1).reshaped([4])
      return (row.dot(p["w"]!) - y.slice(axis: 0, start: i, end: i + 1).reshaped([])).square()
        * row.scalar(0.5)
    }
    var ranges: [Range<Int>] = []
    var worst = 0.0
    let xs = Self.x.doubles
    let ws = w.doubles
    let ys = y.doubles
    perExampleGradients(of: exampleLoss, at: parameters, count: 30, chunkSize: 8) { range, g in
      ranges.append(range)
      #expect(g.shape == [range.count, 4])
      let values = g.doubles
      for (row, i) in range.enumerated() {
        let residual = (0..<4).reduce(-ys[i]) { $0 + xs[i * 4 + $1] * ws[$1] }
        for k in 0..<4 { worst = max(worst, abs(values[row * 4 + k] - residual * xs[i * 4 + k])) }
      }
    }
    #expect(ranges == [0..<8, 8..<16, 16..<24, 24..<30])
    #expect(worst < 1e-12)
  }

  @Test("At an interpolating minimum, the mean squared output-gradient norm is Tr(H)")
  func fisherTraceAtInterpolation() {
    let star = ParameterTree([("w", Tensor([0.5, -1, 2, 0.25], dtype: .float64))])
    let output: (ParameterTree, Int) -> Tensor = { p, i in
      Self.x.slice(axis: 0, start: i, end: i + 1).reshaped([4]).dot(p["w"]!)
    }
    let value = meanSquaredGradientNorm(of: output, at: star, count: 30, chunkSize: 7)
    let hessian = x2()
    #expect(abs(value - hessian) < 1e-12)
  }

  /// `Tr(XᵀX/n)`.
  func x2() -> Double { Self.x.square().sum().item / 30 }
}
