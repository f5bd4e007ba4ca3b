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
  /// The same function in Descent ops, for the optimizers that take the loss (Hessian-vector
  /// products by double backpropagation); `lossMatchesTheAnalyticGradient` checks it.
  let loss: @Sendable (Tensor) -> Tensor

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
    let curvature = Tensor(d, dtype: .float64)
    let centre = Tensor(center, dtype: .float64)
    return ConvexProblem(
      name: name, start: start, value: value, gradient: gradient, minimum: 0,
      loss: { w in
        let e = w - centre
        return (curvature * e * e).sum() * 0.5
      })
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
    let matrix = Tensor(a.flatMap { $0 }, shape: [2, 2], dtype: .float64)
    let centre = Tensor(center, dtype: .float64)
    return ConvexProblem(
      name: "rotated quadratic (condition 20)", start: [-1, 1],
      value: { x in
        let g = grad(x)
        return 0.5 * ((x[0] - center[0]) * g[0] + (x[1] - center[1]) * g[1])
      }, gradient: grad, minimum: 0,
      loss: { w in
        let e = w - centre
        return (e * matrix.matmul(e.reshaped([2, 1])).reshaped([2])).sum() * 0.5
      })
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
    let x = Tensor(rows.flatMap { $0 }, shape: [n, 3], dtype: .float64)
    let y = Tensor(labels, dtype: .float64)
    return ConvexProblem(
      name: "logistic regression", start: [2, -2, 1], value: value, gradient: gradient,
      minimum: value(w),
      loss: { w in
        let z = y * x.matmul(w.reshaped([3, 1])).reshaped([n])
        return (-z).softplus().mean() + (w * w).sum() * (0.5 * lambda)
      })
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

/// The shared optimizer × problem table: every built-in optimizer (``OptimizerCatalogue/
/// builtIn``) either has a row here, reaching a stated fraction of every convex problem's
/// initial suboptimality gap, or is excused below with the reason. A new optimizer is added here
/// first (its entry in `rows`).
///
/// Every step is the ordinary `optimizer.step(&parameters, gradients:, loss:, lossFunction:)`
/// call: the gradient is the problem's analytic one, the loss its analytic value (for polyak-sgd
/// and momo), and the loss closure is the same function in Descent ops, so the optimizers that
/// take Hessian-vector products (adahessian, sophiah) get them by double backpropagation, and the
/// first-order ones ignore it.
@Suite struct ConvergenceTableTests {
  /// One optimizer's row: its settings and step budget for the whole table, and the fraction of
  /// the initial gap f(x₀) − f* it must end below on every problem.
  struct Row {
    let learningRate: Double
    let settings: [String: String]
    let steps: Int
    var gapFraction = 1e-4
    /// Decay the learning rate to 0 over the steps by a cosine (`--schedule cosine`), for the
    /// trust-ratio methods whose steps have length ≈ learningRate·‖θ‖ whatever the gradient.
    var cosineDecay = false
  }

  static let rows: [String: Row] = [
    "sgd": Row(learningRate: 0.01, settings: ["momentum": "0.9"], steps: 2000),
    "adagrad": Row(learningRate: 0.5, settings: [:], steps: 2000),
    "adadelta": Row(learningRate: 0.5, settings: [:], steps: 6000),
    "rmsprop": Row(learningRate: 0.01, settings: [:], steps: 2000),
    "adam": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "adamw": Row(learningRate: 0.05, settings: ["weightDecay": "0"], steps: 2000),
    "diffgrad": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "adagradnorm": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "nadam": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "radam": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "adamax": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "adabelief": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "yogi": Row(learningRate: 0.05, settings: [:], steps: 2000),
    // Sign methods move every coordinate by about learningRate per step: a small rate ends close
    // (the oscillation is ~learningRate) and enough steps cover the distance (≤ 4 here).
    "lion": Row(learningRate: 1e-3, settings: ["weightDecay": "0"], steps: 6000),
    "adan": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "signum": Row(learningRate: 1e-3, settings: [:], steps: 6000),
    // Stable on a quadratic while learningRate · L < 2/3 (the rotated problem has L = 20).
    "optimistic-gd": Row(learningRate: 0.03, settings: [:], steps: 10000),
    "optimistic-adam": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "adopt": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "ademamix": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "rprop": Row(learningRate: 0.01, settings: [:], steps: 2000),
    // Plain SGD (no momentum) with η ≈ constant (decay 1e-4): lr below 2/20 (the rotated
    // quadratic's largest curvature), enough steps for the 0.1 curvature of the ill-conditioned one.
    "asgd": Row(learningRate: 0.08, settings: [:], steps: 5000),
    // Its relative step min(lr, 1/√t)·rms(θ) decays by itself; the logistic gap falls as 1/t.
    "adafactor": Row(learningRate: 0.1, settings: [:], steps: 8000),
    // LAMB and Fromage step by ≈ learningRate·‖θ‖ whatever the gradient's size (the trust ratio
    // rescales the whole direction), so with a constant rate they end oscillating at that
    // distance; their papers decay the rate, and so does this row (cosine to 0).
    "lamb": Row(learningRate: 0.02, settings: [:], steps: 4000, cosineDecay: true),
    "lars": Row(learningRate: 1, settings: [:], steps: 4000),
    "novograd": Row(learningRate: 1e-3, settings: [:], steps: 4000),
    "fromage": Row(learningRate: 0.02, settings: [:], steps: 4000, cosineDecay: true),
    "sm3": Row(learningRate: 0.5, settings: [:], steps: 2000),
    "madgrad": Row(learningRate: 0.05, settings: [:], steps: 2000),
    "schedule-free-adamw": Row(learningRate: 0.01, settings: [:], steps: 6000),
    "schedule-free-sgd": Row(learningRate: 0.05, settings: [:], steps: 3000),
    "prodigy": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "dadapt-adamw": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "dog": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "dowg": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "cocob": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "momo": Row(learningRate: 1.0, settings: [:], steps: 2000),
    "polyak-sgd": Row(learningRate: 1.0, settings: [:], steps: 2000),
    // Every problem here is one vector, so muon runs its AdamW fallback (weight decay off, as
    // adamw's row); the orthogonalized matrix step's evidence is its parity golden on the MLP.
    "muon": Row(learningRate: 0.05, settings: ["weightDecay": "0"], steps: 2000),
    // Its defaults (lr 0.15). Worst measured: 1.1e-14 (rotated quadratic); the Hutchinson
    // diagonal is exact on the three diagonal Hessians.
    "adahessian": Row(learningRate: 0.15, settings: [:], steps: 1000, gapFraction: 1e-12),
    // The default lr 6e-2 and clip 1e-2 cap a step at 6e-4 per coordinate (0.18–0.30 of the gap
    // left after 2000 steps); lr 1 with clip 0.1 lets the unclipped ratio m/h be a Newton step.
    // Worst measured: 3.6e-18.
    "sophiah": Row(learningRate: 1, settings: ["clip": "0.1"], steps: 1000, gapFraction: 1e-14),
    // The empirical Fisher of the last m gradients is not the Hessian and vanishes at the
    // minimum, so with the default damping 1e-5 F̂⁻¹g does not shrink with g and M-FAC stalls here
    // (0.9–1.2 of the gap left after 2000 steps at lr 1e-3, m 32). With damping 1 it ends in the
    // damping-dominated regime: with the reference's momentum v ← μv + (1 − μ)F̂⁻¹g, heavy-ball
    // descent with step (1 − μ)·lr/λ = 0.05 and momentum 0.9.
    "mfac": Row(
      learningRate: 0.5, settings: ["numGradients": "8", "damping": "1", "momentum": "0.9"],
      steps: 1000, gapFraction: 1e-14),
  ]

  /// Catalogued optimizers without a row, and why.
  static let excused: [String: String] = [
    "sophia":
      "SophiaG's Hessian estimate needs labels sampled from a model's softmax "
      + "(SophiaG.updateHessianEstimate(gradientOnSampledLabels:)); an analytic test function has "
      + "none, and without it h stays 0 and every step is lr·sign(m). Its evidence: SophiaTests.",
    "adam8bit":
      "adam with stateBits=8; these 2–4-element tensors are below minQuantizedSize, so the row "
      + "would repeat adam's. Its evidence: QuantizationTrainingTests and QuantizationQualityTests.",
    "adamw8bit":
      "adamw with stateBits=8 (as adam8bit). Its evidence: QuantizationTrainingTests and "
      + "QuantizationQualityTests.",
  ]

  /// The optimizers with a row, in catalogue order.
  static let names: [String] = OptimizerCatalogue.builtIn.map(\.name).filter { rows[$0] != nil }

  @Test func everyAvailableOptimizerHasARowOrAnExcuse() {
    let available = Set(OptimizerCatalogue.builtIn.map(\.name))
    #expect(Set(Self.rows.keys).union(Self.excused.keys) == available)
    #expect(Set(Self.rows.keys).isDisjoint(with: Self.excused.keys))
    #expect(Set(OptimizerCatalogue.names).isSubset(of: Self.rows.keys))
  }

  /// The Descent-ops loss behind each problem is the analytic function: same value and gradient.
  @Test(arguments: ConvexProblem.all)
  func lossMatchesTheAnalyticGradient(_ problem: ConvexProblem) {
    for point in [problem.start, problem.start.map { 0.3 * $0 + 0.1 }] {
      let (value, gradient) = valueAndGrad(
        of: { problem.loss($0) }, at: Tensor(point, dtype: .float64))
      let expected = problem.value(point)
      #expect(abs(value.item - expected) <= 1e-12 * max(1, abs(expected)))
      for (g, e) in zip(gradient.doubles, problem.gradient(point)) {
        #expect(abs(g - e) <= 1e-12 * max(1, abs(e)), "\(problem.name) at \(point)")
      }
    }
  }

  /// Converged means the suboptimality f(x) − f* fell below the row's fraction of its starting
  /// value (1e-4 unless the row says otherwise).
  @Test(arguments: Self.names, ConvexProblem.all)
  func convergesOnConvexProblem(_ name: String, _ problem: ConvexProblem) throws {
    let row = try #require(Self.rows[name])
    let transformation = try OptimizerCatalogue.info(named: name).make(
      learningRate: row.learningRate, settings: row.settings,
      learningRateSchedule: row.cosineDecay
        ? CosineDecay(initial: row.learningRate, decaySteps: row.steps) : nil)
    var parameters = ParameterTree([("w", Tensor(problem.start, dtype: .float64))])
    let optimizer = Optimizer(erasing: transformation, for: parameters)
    let loss = problem.loss
    for _ in 0..<row.steps {
      let g = problem.gradient(parameters["w"]!.doubles)
      try optimizer.step(
        &parameters, gradients: ParameterTree([("w", Tensor(g, dtype: .float64))]),
        loss: problem.value(parameters["w"]!.doubles), lossFunction: { loss($0["w"]!) })
    }
    let initialGap = problem.value(problem.start) - problem.minimum
    let finalGap = problem.value(parameters["w"]!.doubles) - problem.minimum
    #expect(
      finalGap.isFinite && finalGap <= row.gapFraction * initialGap,
      "\(name) on \(problem.name): gap \(finalGap) of \(initialGap)")
  }
}
