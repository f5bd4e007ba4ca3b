import Descent
import DescentOptimizers
import Foundation
import Testing

/// M-FAC's inverse-Fisher-vector products against two independent computations of
/// (λI + GᵀG/m)⁻¹x: the naive Woodbury recursion on explicit d×d matrices and a dense Cholesky
/// solve. Tolerances are relative to ‖x̂‖ (the products reach ~λ⁻¹‖x‖ = 1e5‖x‖ off the span of the
/// gradients, and the dense solve's own error is about cond·ε ≈ 1e-10).
@Suite struct MFACTests {
  static let d = 1000
  static let m = 32
  static let damping = 1e-5

  static func gradients(_ count: Int, seed: UInt64) -> [[Double]] {
    var rng = SplitMix64(state: seed)
    return (0..<count).map { _ in rng.values(d) }
  }

  /// Solves (λI + GᵀG/m) y = x by Cholesky on the dense d×d matrix.
  static func denseSolve(_ g: [[Double]], capacity m: Int, _ x: [Double]) -> [Double] {
    let n = x.count
    var a = [Double](repeating: 0, count: n * n)
    a.withUnsafeMutableBufferPointer { a in
      for i in 0..<n { a[i * n + i] = damping }
      for row in g {
        row.withUnsafeBufferPointer { r in
          for i in 0..<n {
            let ri = r[i] / Double(m)
            for j in 0...i { a[i * n + j] += ri * r[j] }
          }
        }
      }
      // In-place Cholesky, lower triangle: A = L Lᵀ.
      for j in 0..<n {
        var s = a[j * n + j]
        for k in 0..<j { s -= a[j * n + k] * a[j * n + k] }
        let l = s.squareRoot()
        a[j * n + j] = l
        for i in (j + 1)..<n {
          var t = a[i * n + j]
          for k in 0..<j { t -= a[i * n + k] * a[j * n + k] }
          a[i * n + j] = t / l
        }
      }
    }
    var y = x
    for i in 0..<n {  // L z = x
      var s = y[i]
      for k in 0..<i { s -= a[i * n + k] * y[k] }
      y[i] = s / a[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {  // Lᵀ y = z
      var s = y[i]
      for k in (i + 1)..<n { s -= a[k * n + i] * y[k] }
      y[i] = s / a[i * n + i]
    }
    return y
  }

  /// F̂⁻¹ as an explicit d×d matrix by the rank-one Sherman–Morrison recursion.
  static func naiveWoodburyInverse(_ g: [[Double]], capacity m: Int) -> [Double] {
    let n = d
    var inverse = [Double](repeating: 0, count: n * n)
    for i in 0..<n { inverse[i * n + i] = 1 / damping }
    for row in g {
      var v = [Double](repeating: 0, count: n)  // F⁻¹ g (symmetric)
      inverse.withUnsafeBufferPointer { f in
        for i in 0..<n {
          var s = 0.0
          for k in 0..<n { s += f[i * n + k] * row[k] }
          v[i] = s
        }
      }
      var denominator = Double(m)
      for k in 0..<n { denominator += row[k] * v[k] }
      inverse.withUnsafeMutableBufferPointer { f in
        for i in 0..<n {
          let vi = v[i] / denominator
          for j in 0..<n { f[i * n + j] -= vi * v[j] }
        }
      }
    }
    return inverse
  }

  static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var difference = 0.0
    var norm = 0.0
    for k in a.indices {
      difference += (a[k] - b[k]) * (a[k] - b[k])
      norm += b[k] * b[k]
    }
    return (difference / norm).squareRoot()
  }

  @Test func dynamicStaticWoodburyAndDenseSolveAgree() {
    let g = Self.gradients(Self.m, seed: 11)
    var rng = SplitMix64(state: 12)
    // x half in the span of the gradients, half orthogonal-ish noise.
    var x = rng.values(Self.d)
    for k in x.indices { x[k] += 0.3 * g[3][k] - 0.2 * g[17][k] }

    var dynamic = MFACInverseFisher(dimension: Self.d, capacity: Self.m, damping: Self.damping)
    for row in g { dynamic.add(row) }
    let fromDynamic = dynamic.multiply(x)

    let staticInverse = MFACStaticInverseFisher(gradients: g, damping: Self.damping)
    let fromStatic = staticInverse.multiply(x)

    let dense = Self.denseSolve(g, capacity: Self.m, x)
    let explicit = Self.naiveWoodburyInverse(g, capacity: Self.m)
    let n = Self.d
    let fromWoodbury = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + explicit[i * n + $1] * x[$1] }
    }

    #expect(Self.relativeError(fromDynamic, dense) < 1e-8)
    #expect(Self.relativeError(fromStatic, dense) < 1e-8)
    #expect(Self.relativeError(fromWoodbury, dense) < 1e-8)
    #expect(Self.relativeError(fromDynamic, fromStatic) < 1e-8)

    // Not the trivial λ⁻¹x: the gradients matter.
    #expect(Self.relativeError(x.map { $0 / Self.damping }, dense) > 1e-3)

    // The static diagonal against the explicit inverse's diagonal.
    let diagonal = staticInverse.inverseDiagonal
    let explicitDiagonal = (0..<n).map { explicit[$0 * n + $0] }
    #expect(Self.relativeError(diagonal, explicitDiagonal) < 1e-8)
    let weights = rng.values(n)
    let scores = staticInverse.pruningScores(weights: weights)
    #expect(abs(scores[5] - weights[5] * weights[5] / (2 * explicitDiagonal[5])) < 1e-8 * scores[5])
  }

  /// After more than m additions the ring buffer holds the last m gradients, in any slot order:
  /// the product equals the dense solve with those m gradients.
  @Test func ringBufferKeepsTheLastGradients() {
    let m = 8
    let g = Self.gradients(m + 5, seed: 21).map { Array($0.prefix(60)) }
    var dynamic = MFACInverseFisher(dimension: 60, capacity: m, damping: Self.damping)
    for row in g { dynamic.add(row) }
    #expect(dynamic.filled == m && dynamic.nextSlot == 5)
    var rng = SplitMix64(state: 22)
    let x = rng.values(60)
    let dense = Self.denseSolve(Array(g.suffix(m)), capacity: m, x)
    #expect(Self.relativeError(dynamic.multiply(x), dense) < 1e-8)
    // A partially filled buffer: empty slots are zero gradients, the 1/m stays the capacity.
    var partial = MFACInverseFisher(dimension: 60, capacity: m, damping: Self.damping)
    for row in g.prefix(3) { partial.add(row) }
    let densePartial = Self.denseSolve(Array(g.prefix(3)), capacity: m, x)
    #expect(Self.relativeError(partial.multiply(x), densePartial) < 1e-8)
  }

  /// One optimizer step: θ ← θ − lr·v with v = (1 − μ)·F̂⁻¹(g + wd·θ) (the reference's averaged
  /// momentum from v₀ = 0), the gradient entering the buffer first; and the heavy-ball option.
  @Test func optimizerStepIsThePreconditionedGradient() throws {
    var rng = SplitMix64(state: 31)
    let theta = rng.values(10)
    let gradient = rng.values(10)
    func tree(_ x: [Double]) -> ParameterTree {
      ParameterTree([
        ("a", Tensor(Array(x.prefix(4)), shape: [2, 2], dtype: .float64)),
        ("b", Tensor(Array(x.suffix(6)), shape: [6], dtype: .float64)),
      ])
    }
    let effective = (0..<10).map { gradient[$0] + 0.1 * theta[$0] }
    var reference = MFACInverseFisher(dimension: 10, capacity: 4, damping: 1e-2)
    reference.add(effective)
    let u = reference.multiply(effective)
    // Sherman–Morrison for one gradient: F̂⁻¹g = g / (λ + ‖g‖²/m).
    let norm2 = effective.reduce(0) { $0 + $1 * $1 }
    #expect(Self.relativeError(u, effective.map { $0 / (1e-2 + norm2 / 4) }) < 1e-12)

    for (style, gain) in [(MFAC.MomentumStyle.average, 0.5), (.heavyBall, 1.0)] {
      var parameters = tree(theta)
      let mfac = try MFAC(
        learningRate: 0.1, numGradients: 4, damping: 1e-2, momentum: 0.5, weightDecay: 0.1,
        momentumStyle: style)
      let optimizer = Optimizer(mfac, for: parameters)
      try optimizer.step(&parameters, gradients: tree(gradient))
      let expected = (0..<10).map { theta[$0] - 0.1 * gain * u[$0] }
      #expect(Self.relativeError(flattened(parameters), expected) < 1e-12, "\(style)")

      let state = try #require(optimizer.state(as: MFAC.State.self))
      #expect(state.momentumBuffer.count == 10 && state.inverse.filled == 1)
      // The state checkpoints and restores.
      let restored = Optimizer(mfac, for: parameters)
      try restored.loadStateDictionary(optimizer.stateDictionary())
      #expect(restored.state(as: MFAC.State.self) == state)
    }
  }

  @Test func invalidHyperparametersThrow() {
    #expect(throws: OptimizerError.self) { try MFAC(numGradients: 0) }
    #expect(throws: OptimizerError.self) { try MFAC(damping: 0) }
    #expect(throws: OptimizerError.self) { try MFAC(momentum: -1) }
    #expect(throws: OptimizerError.self) { try MFAC(momentum: 1) }
  }

  /// F̂⁻¹ is symmetric positive definite, so a small M-FAC step is a descent direction even on an
  /// ill-conditioned quadratic (a check of the sign).
  @Test func smallStepsDescend() throws {
    let curvatures = [1.0, 10, 100, 1000]
    var parameters = ParameterTree([("w", Tensor([1, -1, 1, -1], dtype: .float64))])
    let optimizer = try Optimizer(
      MFAC(learningRate: 1e-4, numGradients: 8, damping: 1e-3), for: parameters)
    func loss(_ w: [Double]) -> Double {
      (0..<4).reduce(0) { $0 + 0.5 * curvatures[$1] * w[$1] * w[$1] }
    }
    var previous = loss(flattened(parameters))
    for _ in 0..<5 {
      let w = flattened(parameters)
      let g = ParameterTree([
        ("w", Tensor((0..<4).map { curvatures[$0] * w[$0] }, dtype: .float64))
      ])
      try optimizer.step(&parameters, gradients: g)
      let current = loss(flattened(parameters))
      #expect(current < previous)
      previous = current
    }
  }
}

/// Parity with the reference IST-DASLab/M-FAC `optim.py` (commit 835320e): Golden/mfac.json holds
/// float64 trajectories of its `MFAC` optimizer and products of its `HInvFastUpMulti` and
/// `HInvSlow` (scripts/golden/make_mfac_golden.py). Errors are relative per coordinate,
/// |a − e| / max(|e|, 1e-3) for parameters and |a − e| / max(‖e‖∞, 1e-300) for products.
extension MFACTests {
  struct Golden: Decodable {
    struct Run: Decodable {
      let name, problem: String
      let learningRate, momentum, weightDecay, damping: Double
      let numGradients, steps: Int
      /// How far the reference's own trajectory moves under one-ulp gradient noise.
      let sensitivity: Double
      let paths: [String]
      let shapes: [[Int]]
      let initial: [[Double]]
      let losses: [Double]
      let trajectory: [[[Double]]]
    }
    struct Inverse: Decodable {
      struct Checkpoint: Decodable {
        let added: Int
        let fast, slow: [[Double]]
      }
      let dimension, capacity: Int
      let damping: Double
      let gradients, vectors: [[Double]]
      let checkpoints: [Checkpoint]
    }
    let runs: [Run]
    let inverse: Inverse
  }

  static func golden() throws -> Golden {
    let url = try #require(
      Bundle.module.url(forResource: "mfac", withExtension: "json", subdirectory: "Golden"))
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }

  static func sines(_ n: Int, _ scale: Double, _ phase: Double) -> [Double] {
    (0..<n).map { scale * sin(1.7 * Double($0) + phase) }
  }

  /// The golden script's losses, in Descent ops.
  static func goldenLoss(_ problem: String) -> @Sendable (ParameterTree) -> Tensor {
    switch problem {
    case "quadratic":
      let aw = Tensor(
        (0..<12).map { 0.5 + 3 * (1 + sin(2.3 * Double($0))) }, shape: [3, 4], dtype: .float64)
      var m = sines(16, 1.0, 0.7)
      for i in 0..<4 { m[i * 4 + i] += 2 }
      let matrix = Tensor(m, shape: [4, 4], dtype: .float64)
      let y = Tensor(sines(4, 1.0, 2.5), shape: [4, 1], dtype: .float64)
      let sCurvatures = Tensor([0.2, 5.0], dtype: .float64)
      return { p in
        let w = p["W"]!
        let b = p["b"]!
        let s = p["s"]!
        let r = matrix.matmul(b.reshaped([4, 1])) - y
        let total = w.sum() + b.sum() + s.sum()
        return (aw * w * w).sum() * 0.5 + (r * r).sum() * 0.5 + (sCurvatures * s * s).sum() * 0.5
          + total * total * 0.05
      }
    default:
      let x = Tensor(sines(24, 1.0, 0.3), shape: [8, 3], dtype: .float64)
      let y = Tensor(sines(16, 0.8, 1.1), shape: [8, 2], dtype: .float64)
      return { p in
        let h = (x.matmul(p["W1"]!.T) + p["b1"]!).tanh()
        let r = h.matmul(p["W2"]!.T) + p["b2"]! - y
        return (r * r).mean()
      }
    }
  }

  @Test func matchesTheReferenceStepForStep() throws {
    let golden = try Self.golden()
    #expect(golden.runs.count == 6)
    for run in golden.runs {
      #expect(2 * run.numGradients < run.steps, "\(run.name): the ring buffer must wrap")
      #expect(run.sensitivity <= 1e-10, "\(run.name): too sensitive to test 1e-9 parity")
      var parameters = ParameterTree(
        (0..<run.paths.count).map { i in
          (run.paths[i], Tensor(run.initial[i], shape: run.shapes[i], dtype: .float64))
        })
      let optimizer = try Optimizer(
        MFAC(
          learningRate: Hyperparameter(run.learningRate), numGradients: run.numGradients,
          damping: run.damping, momentum: run.momentum, weightDecay: run.weightDecay),
        for: parameters)
      let loss = Self.goldenLoss(run.problem)
      var worstLoss = 0.0
      var worst = 0.0
      for step in 0..<run.steps {
        let (value, gradients) = valueAndGrad(of: loss, at: parameters)
        let f = value.scalars(as: Double.self)[0]
        worstLoss = max(worstLoss, abs(f - run.losses[step]) / abs(run.losses[step]))
        try optimizer.step(&parameters, gradients: gradients)
        for i in 0..<run.paths.count {
          let actual = parameters[index: i].scalars(as: Double.self)
          for (a, e) in zip(actual, run.trajectory[step][i]) {
            worst = max(worst, abs(a - e) / max(abs(e), 1e-3))
          }
        }
      }
      print(
        "mfac parity \(run.name): worst parameter error \(worst) (reference's own sensitivity "
          + "\(run.sensitivity)), loss error \(worstLoss)")
      #expect(worst <= 1e-9, "\(run.name): worst relative parameter error \(worst)")
      #expect(worstLoss <= 1e-9, "\(run.name): worst relative loss error \(worstLoss)")
    }
  }

  /// A broken momentum or decay rule must fail the parity test: the heavy-ball variant does.
  @Test func heavyBallMomentumIsNotTheReference() throws {
    let golden = try Self.golden()
    let run = try #require(golden.runs.first { $0.momentum > 0 })
    var parameters = ParameterTree(
      (0..<run.paths.count).map { i in
        (run.paths[i], Tensor(run.initial[i], shape: run.shapes[i], dtype: .float64))
      })
    let optimizer = try Optimizer(
      MFAC(
        learningRate: Hyperparameter(run.learningRate), numGradients: run.numGradients,
        damping: run.damping, momentum: run.momentum, weightDecay: run.weightDecay,
        momentumStyle: .heavyBall),
      for: parameters)
    let (_, gradients) = valueAndGrad(of: Self.goldenLoss(run.problem), at: parameters)
    try optimizer.step(&parameters, gradients: gradients)
    let start = run.initial.flatMap { $0 }
    let step = zip(flattened(parameters), start).map { $0 - $1 }
    let referenceStep = zip(run.trajectory[0].flatMap { $0 }, start).map { $0 - $1 }
    #expect(Self.relativeError(step, referenceStep) > 0.5)
  }

  /// Descent's dynamic inverse against the reference's dynamic (`HInvFastUpMulti.mul`) and naive
  /// (`HInvSlow`) products, d = 50, m = 8, damping 1e-5, after 3 gradients (five empty slots) and
  /// after 11 (the ring buffer has wrapped).
  @Test func inverseProductsMatchTheReference() throws {
    let golden = try Self.golden().inverse
    #expect(golden.dimension == 50 && golden.capacity == 8 && golden.checkpoints.count == 2)
    var inverse = MFACInverseFisher(
      dimension: golden.dimension, capacity: golden.capacity, damping: golden.damping)
    var added = 0
    for checkpoint in golden.checkpoints {
      while added < checkpoint.added {
        inverse.add(golden.gradients[added])
        added += 1
      }
      for (k, x) in golden.vectors.enumerated() {
        let product = inverse.multiply(x)
        for (name, expected) in [("fast", checkpoint.fast[k]), ("slow", checkpoint.slow[k])] {
          let scale = max(expected.map(abs).max() ?? 0, 1e-300)
          let error = zip(product, expected).map { abs($0 - $1) / scale }.max() ?? 0
          print("mfac inverse after \(added), x\(k) vs \(name): \(error)")
          #expect(error <= 1e-9, "after \(added) gradients, x\(k), \(name): \(error)")
        }
        // Not the trivial λ⁻¹x.
        #expect(Self.relativeError(x.map { $0 / golden.damping }, checkpoint.slow[k]) > 1e-3)
      }
    }
  }
}
