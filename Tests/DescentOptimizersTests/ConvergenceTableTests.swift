import Descent
import DescentOptimizers
import Testing

/// A smooth strongly convex problem with its minimum value, in float64.
struct ConvexProblem: Sendable, CustomTestStringConvertible {
  let name: String
  let start: [Double]
  let value: @Sendable ([Double]) -> Double
  let gradient: @Sendable ([Double]) -> [Double]
  let minimum: Double

  var testDescription: String { name }

  /// ½ Σ dᵢ (xᵢ − cᵢ)².
  static func diagonal(_ name: String, _ d: [Double], center: [Double], start: [Double]) -> Self {
    @Sendable func value(_ x: [Double]) -> Double {
      var total = 0.0
      for i in d.indices {
        let e = x[i] - center[i]
        total += 0.5 * d[i] * e * e
      }
      return total
    }
    @Sendable func gradient(_ x: [Double]) -> [Double] {
      d.indices.map { d[$0] * (x[$0] - center[$0]) }
    }
    return ConvexProblem(name: name, start: start, value: value, gradient: gradient, minimum: 0)
  }

  /// ½ (x − c)ᵀ A (x − c) with A = R diag(1, 20) Rᵀ, R a rotation by 30°.
  static let rotated: Self = {
    let (c, s) = (Double.cos(.pi / 6), Double.sin(.pi / 6))
    let a = [
      [c * c * 1 + s * s * 20, c * s * (1 - 20)], [c * s * (1 - 20), s * s * 1 + c * c * 20],
    ]
    let center = [1.0, -2.0]
    @Sendable func grad(_ x: [Double]) -> [Double] {
      let e = [x[0] - center[0], x[1] - center[1]]
      return [a[0][0] * e[0] + a[0][1] * e[1], a[1][0] * e[0] + a[1][1] * e[1]]
    }
    return ConvexProblem(
      name: "rotated quadratic (condition 20)", start: [-1, 1],
      value: { x in
        let g = grad(x)
        return 0.5 * ((x[0] - center[0]) * g[0] + (x[1] - center[1]) * g[1])
      }, gradient: grad, minimum: 0)
  }()

  /// Mean logistic loss on 40 fixed, non-separable points in 2-D plus a bias, with an ℓ2 penalty
  /// 0.01/2 ‖w‖². Its minimum is found by 20000 steps of gradient descent (step 1 < 2/L).
  static let logistic: Self = {
    var rng = SplitMix64(state: 7)
    let n = 40
    var points: [[Double]] = []
    var signs: [Double] = []
    for _ in 0..<n {
      let x = [rng.next() * 2, rng.next() * 2, 1]
      points.append(x)
      signs.append(x[0] - 0.5 * x[1] + 0.8 * rng.next() > 0 ? 1 : -1)
    }
    let rows = points
    let labels = signs
    let lambda = 0.01
    @Sendable func value(_ w: [Double]) -> Double {
      var total = 0.0
      for (x, y) in zip(rows, labels) {
        let z = y * (w[0] * x[0] + w[1] * x[1] + w[2] * x[2])
        total += z > 0 ? Double.log(1 + Double.exp(-z)) : -z + Double.log(1 + Double.exp(z))
      }
      return total / Double(n) + 0.5 * lambda * (w[0] * w[0] + w[1] * w[1] + w[2] * w[2])
    }
    @Sendable func gradient(_ w: [Double]) -> [Double] {
      var g = [lambda * w[0], lambda * w[1], lambda * w[2]]
      for (x, y) in zip(rows, labels) {
        let z = y * (w[0] * x[0] + w[1] * x[1] + w[2] * x[2])
        let s = -y / (1 + Double.exp(z)) / Double(n)
        for j in 0..<3 { g[j] += s * x[j] }
      }
      return g
    }
    var w = [0.0, 0, 0]
    for _ in 0..<20000 {
      let g = gradient(w)
      for j in 0..<3 { w[j] -= 1.0 * g[j] }
    }
    return ConvexProblem(
      name: "logistic regression", start: [2, -2, 1], value: value, gradient: gradient,
      minimum: value(w))
  }()

  static let all: [ConvexProblem] = [
    diagonal(
      "well-conditioned diagonal", [1, 2, 1.5, 0.5], center: [0.5, -1, 0, 2],
      start: [1, 1, 2, -0.5]),
    diagonal(
      "ill-conditioned diagonal (condition 100)", [0.1, 10], center: [1, 1], start: [-2, 3]),
    rotated,
    logistic,
  ]
}

/// The shared optimizer × problem table: every catalogued optimizer reaches every convex problem's
/// minimum. A new optimizer is added here first (its entry in `convergenceSettings`).
@Suite struct ConvergenceTableTests {
  /// Per optimizer: learning rate, other settings and step budget for the whole table.
  static let convergenceSettings:
    [String: (learningRate: Double, settings: [String: String], steps: Int)] = [
      "sgd": (0.01, ["momentum": "0.9"], 2000),
      "adagrad": (0.5, [:], 2000),
      "adadelta": (0.5, [:], 6000),
      "rmsprop": (0.01, [:], 2000),
      "adam": (0.05, [:], 2000),
      "adamw": (0.05, ["weightDecay": "0"], 2000),
      "diffgrad": (0.05, [:], 2000),
      "adagradnorm": (1.0, [:], 2000),
    ]

  @Test func everyCataloguedOptimizerIsInTheTable() {
    #expect(Set(Self.convergenceSettings.keys) == Set(OptimizerCatalogue.names))
  }

  /// Converged means the suboptimality f(x) − f* fell below 1e-4 of its starting value.
  @Test(arguments: OptimizerCatalogue.names, ConvexProblem.all)
  func convergesOnConvexProblem(_ name: String, _ problem: ConvexProblem) throws {
    let configuration = try #require(Self.convergenceSettings[name])
    let transformation = try OptimizerCatalogue.make(
      name, learningRate: configuration.learningRate, settings: configuration.settings)
    var parameters = ParameterTree([("w", Tensor(problem.start, dtype: .float64))])
    let optimizer = Optimizer(erasing: transformation, for: parameters)
    for _ in 0..<configuration.steps {
      let g = problem.gradient(parameters["w"]!.doubles)
      try optimizer.step(&parameters, gradients: ParameterTree([("w", Tensor(g, dtype: .float64))]))
    }
    let initialGap = problem.value(problem.start) - problem.minimum
    let finalGap = problem.value(parameters["w"]!.doubles) - problem.minimum
    #expect(
      finalGap.isFinite && finalGap <= 1e-4 * initialGap,
      "\(name) on \(problem.name): gap \(finalGap) of \(initialGap)")
  }
}
