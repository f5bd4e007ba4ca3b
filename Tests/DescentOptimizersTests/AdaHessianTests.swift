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
  /// or needs more than `limit` steps. With `staying` > 0, the first step from which f stays
  /// below 1e-6 for `staying` more steps (a decaying oscillation can dip below 1e-6 and come
  /// back above it).
  static func stepsToConverge(
    _ transformation: any GradientTransformation, limit: Int, staying: Int = 0
  ) throws -> Int? {
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
    var below: Int?
    for step in 0...(limit + staying) {
      let (value, gradients) = valueAndGrad(of: loss, at: parameters)
      let f = value.scalars(as: Double.self)[0]
      if initial == nil { initial = f }
      guard f.isFinite, f <= 1e6 * initial! else { return nil }
      if f < 1e-6 {
        below = below ?? step
        if step - below! >= staying { return below }
      } else {
        below = nil
        if step >= limit { return nil }
      }
      try optimizer.step(&parameters, gradients: gradients, lossFunction: loss)
    }
    return nil
  }

  /// The learning rates both optimizers are tuned over: 4e-3 · 2^(k/4), k = 0…52, up to 32.8 (the
  /// earlier grid 1e-3 · 2^k at four times the resolution; below 4e-3 neither converges within
  /// the limit, above 16 AdaHessian diverges).
  static let learningRateGrid = LearningRateSweep.logGrid(
    from: 4e-3, to: 32.768, pointsPerOctave: 4)

  /// AdaHessian against Adam on the quadratic of ``stepsToConverge(_:limit:)``, each tuned over
  /// ``learningRateGrid`` and the same momentum values β1. AdaHessian keeps β2 0.999 and ε 1e-4,
  /// Adam β2 0.999 and ε 1e-8: Adam with β2 ∈ {0.9, 0.99, 0.9999} or ε ∈ [1e-10, 1e-2] never
  /// did better here (measured; its gradients near f = 1e-6 are ≥ 1e-3, so ε does not matter).
  /// Protocol and numbers: docs/mfac-and-sophia.md, "AdaHessian against tuned Adam".
  struct TunedComparison {
    /// One sweep per β1 value.
    let adahessian: [(beta1: Double, sweep: LearningRateSweep)]
    /// One sweep per β1 value.
    let adam: [(beta1: Double, sweep: LearningRateSweep)]

    /// Sweeps with ``stepsToConverge(_:limit:staying:)``'s `limit` and `staying`.
    init(beta1: [Double], limit: Int, staying: Int = 0) throws {
      adahessian = try beta1.map { b1 in
        let sweep = try LearningRateSweep.run(
          "adahessian β1 \(b1) (β2 0.999, ε 1e-4)", grid: learningRateGrid, limit: limit
        ) { lr, limit in
          try stepsToConverge(
            AdaHessian(learningRate: Hyperparameter(lr), beta1: b1), limit: limit,
            staying: staying)
        }
        return (b1, sweep)
      }
      adam = try beta1.map { b1 in
        let sweep = try LearningRateSweep.run(
          "adam β1 \(b1) (β2 0.999, ε 1e-8)", grid: learningRateGrid, limit: limit
        ) { lr, limit in
          try stepsToConverge(
            Adam(learningRate: Hyperparameter(lr), beta1: b1), limit: limit, staying: staying)
        }
        return (b1, sweep)
      }
    }

    var sweeps: [LearningRateSweep] { (adahessian + adam).map(\.sweep) }

    /// Best-tuned Adam's steps over best-tuned AdaHessian's, after checking that neither best
    /// sits on the edge of the learning-rate grid (where a wider grid could improve it).
    func ratio() throws -> Double {
      let a = try #require(LearningRateSweep.best(of: adahessian.map(\.sweep)))
      let b = try #require(LearningRateSweep.best(of: adam.map(\.sweep)))
      for best in [a, b] {
        #expect(
          best.learningRate > learningRateGrid.first! && best.learningRate < learningRateGrid.last!,
          "\(best.sweep): best learning rate \(best.learningRate) on the grid's edge")
      }
      print(
        "best-tuned: \(a.sweep) \(a.steps) steps at lr \(a.learningRate); \(b.sweep) \(b.steps) steps at lr \(b.learningRate); ratio \(Double(b.steps) / Double(a.steps))"
      )
      return Double(b.steps) / Double(a.steps)
    }
  }

  /// The issue's claim, "f < 1e-6 in ≤ 200 steps and in ≥ 3× fewer steps than the best-tuned
  /// Adam", measured fairly: both tuned over the same grid, β1 at its default 0.9 for both.
  /// Not reached: the bounds asserted are the measured ratios, 2.9× to the first step below 1e-6
  /// (AdaHessian's count is jagged in the learning rate: its best, 65 at lr 0.076, is a lucky
  /// dip between neighbours at 127 and 169) and 1.09× to the step from which f stays below.
  @Test func againstTunedAdamAtDefaultMomentum() throws {
    let defaults = try Self.stepsToConverge(AdaHessian(), limit: 400)
    print("adahessian with its defaults (lr 0.15): \(defaults.map(String.init) ?? "-") steps")
    #expect(try #require(defaults) <= 200)
    // The quadratic is diagonal, so D = |z ⊙ Hz| = c exactly: AdaHessian's preconditioner is
    // exact and every coordinate follows the same scalar heavy-ball recursion.
    let first = try TunedComparison(beta1: [0.9], limit: 400)
    for sweep in first.sweeps { print(sweep.table) }
    #expect(try first.ratio() >= 2.5)
    let staying = try TunedComparison(beta1: [0.9], limit: 400, staying: 100)
    for sweep in staying.sweeps { print(sweep.table) }
    #expect(try staying.ratio() >= 1.05)
  }

  /// The same with β1 ∈ {0, 0.2, 0.5} tuned too, for both: 4.25× to the first step below 1e-6,
  /// 8.25× to staying below. AdaHessian's best is β1 0 at lr ≈ 1, where it is Newton's method
  /// on this quadratic.
  @Test func againstTunedAdamWithTunedMomentum() throws {
    let first = try TunedComparison(beta1: [0, 0.2, 0.5], limit: 400)
    for sweep in first.sweeps { print(sweep.table) }
    #expect(try first.ratio() >= 4)
    let staying = try TunedComparison(beta1: [0, 0.2, 0.5], limit: 400, staying: 100)
    for sweep in staying.sweeps { print(sweep.table) }
    #expect(try staying.ratio() >= 8)
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
