import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// AdaHessian: step-for-step parity with torch-optimizer 0.3.0's `Adahessian` (hessian_power=1)
/// on the probes stored in Golden/adahessian.json (scripts/golden/make_adahessian_golden.py,
/// float64, 60 steps on Rosenbrock-2D and a small tanh MLP with a 4-D "convolution" weight), and
/// the evidence on an ill-conditioned diagonal quadratic.
@Suite struct AdaHessianTests {
  struct Golden: Decodable {
    struct Problem: Decodable {
      let name: String
      let learningRate: Double
      let weightDecay: Double
      let paths: [String]
      let shapes: [[Int]]
      let initial: [[Double]]
      let probes: [[[Double]]]
      let losses: [Double]
      let trajectory: [[[Double]]]
    }
    let steps: Int
    let problems: [Problem]
  }

  static func values(_ n: Int, _ scale: Double, _ phase: Double) -> [Double] {
    (0..<n).map { scale * sin(1.7 * Double($0) + phase) }
  }

  /// The golden script's losses, in Descent ops.
  static func loss(_ name: String) -> @Sendable (ParameterTree) -> Tensor {
    switch name {
    case "rosenbrock":
      let e0 = Tensor([1, 0], dtype: .float64)
      let e1 = Tensor([0, 1], dtype: .float64)
      return { p in
        let x = p["x"]!
        let x0 = (x * e0).sum()
        let x1 = (x * e1).sum()
        let a = 1.0 - x0
        let b = x1 - x0 * x0
        return a * a + b * b * 100
      }
    default:
      let x = Tensor(values(24, 1.0, 0.3), shape: [8, 3], dtype: .float64)
      let y = Tensor(values(16, 0.8, 1.1), shape: [8, 2], dtype: .float64)
      let a = Tensor(
        [0.5, 2.0, 1.0, 4.0, 0.25, 3.0, 1.5, 0.75], shape: [2, 1, 2, 2], dtype: .float64)
      return { p in
        let h = (x.matmul(p["W1"]!.T) + p["b1"]!).tanh()
        let out = h.matmul(p["W2"]!.T) + p["b2"]!
        let r = out - y
        let k = p["K"]!
        let k2 = k * k
        return (r * r).mean() + (a * k2 + k2 * k2 * 0.1).sum()
      }
    }
  }

  @Test func matchesTorchOptimizerStepForStep() throws {
    let url = try #require(
      Bundle.module.url(forResource: "adahessian", withExtension: "json", subdirectory: "Golden"))
    let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    #expect(golden.steps >= 50 && golden.problems.count == 2)
    for problem in golden.problems {
      var parameters = ParameterTree(
        (0..<problem.paths.count).map { i in
          (problem.paths[i], Tensor(problem.initial[i], shape: problem.shapes[i], dtype: .float64))
        })
      var adahessian = try AdaHessian(
        learningRate: Hyperparameter(problem.learningRate), weightDecay: problem.weightDecay)
      let probes = problem.probes
      let shapes = problem.shapes
      let paths = problem.paths
      adahessian.probeProvider = { step, _ in
        ParameterTree(
          (0..<paths.count).map { i in
            (paths[i], Tensor(probes[step - 1][i], shape: shapes[i], dtype: .float64))
          })
      }
      let loss = Self.loss(problem.name)
      let optimizer = Optimizer(adahessian, for: parameters)
      var worst = 0.0
      for step in 0..<golden.steps {
        let (value, gradients) = valueAndGrad(of: loss, at: parameters)
        let f = value.scalars(as: Double.self)[0]
        #expect(abs(f - problem.losses[step]) <= 1e-9 * abs(problem.losses[step]) + 1e-12)
        try optimizer.step(&parameters, gradients: gradients, lossFunction: loss)
        for i in 0..<paths.count {
          let got = parameters[index: i].scalars(as: Double.self)
          for (g, e) in zip(got, problem.trajectory[step][i]) {
            let error = abs(g - e) / max(abs(e), 1e-3)
            worst = max(worst, error)
          }
        }
      }
      #expect(worst <= 1e-9, "\(problem.name): worst relative error \(worst)")
    }
  }

  /// f(x) = ½ Σ cᵢxᵢ², cᵢ log-spaced over [1, 10⁴] (10 coordinates, the start fixed below): the
  /// number of steps until f < 1e-6, or nil when the run diverges (f not finite or above 10⁶·f₀)
  /// or needs more than `limit` steps.
  static func stepsToConverge(_ transformation: any GradientTransformation, limit: Int) throws
    -> Int?
  {
    let curvatures: [Double] = (0..<10).map { (i: Int) -> Double in pow(10.0, 4.0 * Double(i) / 9.0)
    }
    let c = Tensor(curvatures, dtype: .float64)
    let start: [Double] = (0..<10).map { (i: Int) -> Double in
      let magnitude: Double = 1.0 + 0.8 * sin(3.0 * Double(i) + 1.0)
      return i % 2 == 0 ? magnitude : -magnitude
    }
    let loss: @Sendable (ParameterTree) -> Tensor = { p in (c * p["x"]! * p["x"]!).sum() * 0.5 }
    var parameters = ParameterTree([("x", Tensor(start, dtype: .float64))])
    let optimizer = Optimizer(erasing: transformation, for: parameters, seed: 7)
    var initial: Double?
    for step in 0...limit {
      let (value, gradients) = valueAndGrad(of: loss, at: parameters)
      let f = value.scalars(as: Double.self)[0]
      if initial == nil { initial = f }
      guard f.isFinite, f <= 1e6 * initial! else { return nil }
      if f < 1e-6 { return step }
      if step == limit { break }
      try optimizer.step(&parameters, gradients: gradients, lossFunction: loss)
    }
    return nil
  }

  /// The learning rates both optimizers are tuned over: 1e-4 · 2^(k/2) up to 64 (39 points, two
  /// per octave).
  static let learningRateGrid = LearningRateSweep.logGrid(from: 1e-4, to: 64, pointsPerOctave: 2)

  /// AdaHessian's default and best-tuned step counts against Adam's best over the same
  /// learning-rate grid and β2 ∈ {0.9, 0.99, 0.999, 0.9999} (ε 1e-8; a larger ε only slows Adam
  /// here, where the gradients near f = 1e-6 are ≥ 1e-3). The protocol and the numbers:
  /// docs/mfac-and-sophia.md, "AdaHessian against tuned Adam".
  static func tunedComparison(limit: Int) throws -> (
    defaults: Int?, adahessian: LearningRateSweep, adam: [LearningRateSweep]
  ) {
    let defaults = try stepsToConverge(AdaHessian(), limit: limit)
    let adahessian = try LearningRateSweep.run(
      "adahessian (β 0.9, 0.999; ε 1e-4)", grid: learningRateGrid, limit: limit
    ) { lr, limit in
      try stepsToConverge(AdaHessian(learningRate: Hyperparameter(lr)), limit: limit)
    }
    let adam = try [0.9, 0.99, 0.999, 0.9999].map { beta2 in
      try LearningRateSweep.run(
        "adam (β1 0.9, β2 \(beta2), ε 1e-8)", grid: learningRateGrid, limit: limit
      ) { lr, limit in
        try stepsToConverge(Adam(learningRate: Hyperparameter(lr), beta2: beta2), limit: limit)
      }
    }
    return (defaults, adahessian, adam)
  }

  @Test func beatsTunedAdamOnAnIllConditionedDiagonalQuadratic() throws {
    // The Hessian is diagonal, so D = |z ⊙ Hz| = c exactly and AdaHessian's preconditioner is
    // exact; Adam's √v̂ tracks |g|, not c.
    let (defaults, adahessian, adams) = try Self.tunedComparison(limit: 2000)
    print("adahessian with its defaults (lr 0.15): \(defaults.map(String.init) ?? "-") steps")
    print(adahessian.table)
    for adam in adams { print(adam.table) }
    let bestAdaHessian = try #require(adahessian.best)
    let bestAdam = try #require(adams.compactMap(\.best).min { $0.steps < $1.steps })
    let ratio = Double(bestAdam.steps) / Double(bestAdaHessian.steps)
    print("best-tuned adam / best-tuned adahessian: \(bestAdam.steps) / \(bestAdaHessian.steps) = \(ratio)")
    #expect(try #require(defaults) <= 200)
  }

  @Test func updateEveryReusesTheLastEstimateAndNeedsTheLoss() throws {
    var parameters = ParameterTree([("x", Tensor([1, -2], dtype: .float64))])
    let loss: @Sendable (ParameterTree) -> Tensor = { p in
      (p["x"]! * p["x"]! * Tensor([3, 50], dtype: .float64)).sum()
    }
    let optimizer = Optimizer(try AdaHessian(updateEvery: 3), for: parameters)
    for _ in 0..<4 {
      let gradients = grad(of: loss, at: parameters)
      try optimizer.step(&parameters, gradients: gradients, lossFunction: loss)
    }
    let state = try #require(optimizer.state(as: AdaHessian.State.self))
    #expect(state.step == 4)
    // D = |z ⊙ Hz| = diag(H) = (6, 100) whatever the probe.
    #expect(state.hessianDiagonal[index: 0].scalars(as: Double.self) == [6, 100])
    let fresh = Optimizer(try AdaHessian(), for: parameters)
    #expect(throws: OptimizerError.self) {
      try fresh.step(&parameters, gradients: grad(of: loss, at: parameters))
    }
    #expect(try OptimizerCatalogue.make("adahessian") is AdaHessian)
  }
}
