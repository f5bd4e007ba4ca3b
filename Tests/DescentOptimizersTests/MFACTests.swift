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

  /// One optimizer step: θ ← θ − lr·F̂⁻¹(g + wd·θ), the gradient entering the buffer first; and
  /// momentum accumulates preconditioned directions.
  @Test func optimizerStepIsThePreconditionedGradient() throws {
    var rng = SplitMix64(state: 31)
    let theta = rng.values(10)
    let gradient = rng.values(10)
    var parameters = ParameterTree([
      ("a", Tensor(Array(theta.prefix(4)), shape: [2, 2], dtype: .float64)),
      ("b", Tensor(Array(theta.suffix(6)), shape: [6], dtype: .float64)),
    ])
    let gradients = ParameterTree([
      ("a", Tensor(Array(gradient.prefix(4)), shape: [2, 2], dtype: .float64)),
      ("b", Tensor(Array(gradient.suffix(6)), shape: [6], dtype: .float64)),
    ])
    let optimizer = try Optimizer(
      MFAC(learningRate: 0.1, numGradients: 4, damping: 1e-2, momentum: 0.5, weightDecay: 0.1),
      for: parameters)
    try optimizer.step(&parameters, gradients: gradients)
    let effective = (0..<10).map { gradient[$0] + 0.1 * theta[$0] }
    var reference = MFACInverseFisher(dimension: 10, capacity: 4, damping: 1e-2)
    reference.add(effective)
    let u = reference.multiply(effective)
    let expected = (0..<10).map { theta[$0] - 0.1 * u[$0] }
    #expect(Self.relativeError(flattened(parameters), expected) < 1e-12)
    // Sherman–Morrison for one gradient: F̂⁻¹g = g / (λ + ‖g‖²/m).
    let norm2 = effective.reduce(0) { $0 + $1 * $1 }
    #expect(Self.relativeError(u, effective.map { $0 / (1e-2 + norm2 / 4) }) < 1e-12)

    let state = try #require(optimizer.state(as: MFAC.State.self))
    #expect(state.momentumBuffer.count == 10 && state.inverse.filled == 1)
    // The state checkpoints and restores.
    let restored = try Optimizer(
      MFAC(learningRate: 0.1, numGradients: 4, damping: 1e-2, momentum: 0.5, weightDecay: 0.1),
      for: parameters)
    try restored.loadStateDictionary(optimizer.stateDictionary())
    #expect(restored.state(as: MFAC.State.self) == state)
  }

  @Test func invalidHyperparametersThrow() {
    #expect(throws: OptimizerError.self) { try MFAC(numGradients: 0) }
    #expect(throws: OptimizerError.self) { try MFAC(damping: 0) }
    #expect(throws: OptimizerError.self) { try MFAC(momentum: -1) }
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
