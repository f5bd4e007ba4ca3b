import Descent
import DescentData
import Testing

/// ``InContextRegression``: the prompt layout, and the closed-form risk and optimum against Monte
/// Carlo over many prompts.
@Suite struct InContextRegressionTests {
  @Test func promptLayout() throws {
    let task = try InContextRegression(dimension: 2, contextLength: 4, noiseVariance: 0)
    let (prompts, targets) = task.prompts(count: 3, dtype: .float64, key: RandomKey(seed: 1))
    #expect(prompts.shape == [3, 3, 5] && targets.shape == [3])
    // Noise-free responses are linear in the covariates with one w per prompt: recover w from
    // the first two context tokens and check the others and the target.
    for b in 0..<3 {
      let x = { (t: Int, i: Int) in prompts[element: b, i, t] }
      let y = { (t: Int) in prompts[element: b, 2, t] }
      let det = x(0, 0) * x(1, 1) - x(0, 1) * x(1, 0)
      let w0 = (y(0) * x(1, 1) - y(1) * x(0, 1)) / det
      let w1 = (x(0, 0) * y(1) - x(1, 0) * y(0)) / det
      for t in 2..<4 { #expect(abs(w0 * x(t, 0) + w1 * x(t, 1) - y(t)) < 1e-9) }
      #expect(prompts[element: b, 2, 4] == 0)
      #expect(abs(w0 * x(4, 0) + w1 * x(4, 1) - targets[element: b]) < 1e-9)
    }
  }

  /// The closed-form risk agrees with the empirical risk of 200,000 prompts within 4 standard
  /// errors, for the scalar optimum, for Γ*, and for a non-diagonal Γ; Γ* beats perturbations.
  @Test(arguments: [nil, [1.0 / 3, 2.0 / 3, 1, 4.0 / 3]])
  func closedFormRiskMatchesMonteCarlo(variances: [Double]?) throws {
    let task = try InContextRegression(
      dimension: 4, contextLength: 12, noiseVariance: 0.5, covariateVariances: variances)
    let d = 4
    let star = task.optimalPreconditioner
    var mixed = star.doubles
    mixed[1] = 0.2
    mixed[d * 2 + 3] = -0.1
    let candidates = [star, Tensor(mixed, shape: [d, d], dtype: .float64)]
    var sums = [Double](repeating: 0, count: 2), squares = [Double](repeating: 0, count: 2)
    let count = 200_000, chunk = 20_000
    for c in 0..<(count / chunk) {
      let test = task.prompts(count: chunk, dtype: .float64, key: RandomKey(seed: 40 + UInt64(c)))
      for (i, gamma) in candidates.enumerated() {
        let e = task.oneStepPredictions(test.prompts, preconditioner: gamma) - test.targets
        let e2 = (e * e).doubles
        sums[i] += e2.reduce(0, +)
        squares[i] += e2.reduce(0) { $0 + $1 * $1 }
      }
    }
    for (i, gamma) in candidates.enumerated() {
      let mean = sums[i] / Double(count)
      let se = ((squares[i] / Double(count) - mean * mean) / Double(count)).squareRoot()
      let closed = task.oneStepRisk(preconditioner: gamma)
      #expect(abs(mean - closed) < 4 * se, "Γ \(i): Monte Carlo \(mean) ± \(se), closed \(closed)")
    }
    let best = task.oneStepRisk(preconditioner: star)
    for k in 0..<(d * d) {
      for delta in [-0.01, 0.01] {
        var perturbed = star.doubles
        perturbed[k] += delta
        #expect(task.oneStepRisk(preconditioner: Tensor(perturbed, shape: [d, d], dtype: .float64)) > best)
      }
    }
    if variances == nil {
      // Σ = I: Γ* = η* I with η* = n/(n + d + 1 + σ²).
      for i in 0..<d {
        #expect(abs(star[element: i, i] - task.optimalStepSize) < 1e-15)
      }
      #expect(abs(task.optimalStepSize - 12 / 17.5) < 1e-15)
    }
  }

  @Test func refusesInvalidTasks() {
    #expect(throws: InContextRegression.InvalidParameter.self) {
      try InContextRegression(dimension: 0, contextLength: 3, noiseVariance: 0)
    }
    #expect(throws: InContextRegression.InvalidParameter.self) {
      try InContextRegression(dimension: 2, contextLength: 0, noiseVariance: 0)
    }
    #expect(throws: InContextRegression.InvalidParameter.self) {
      try InContextRegression(dimension: 2, contextLength: 3, noiseVariance: -1)
    }
    #expect(throws: InContextRegression.InvalidParameter.self) {
      try InContextRegression(
        dimension: 2, contextLength: 3, noiseVariance: 0, covariateVariances: [1])
    }
    #expect(throws: InContextRegression.InvalidParameter.self) {
      try InContextRegression(
        dimension: 2, contextLength: 3, noiseVariance: 0, covariateVariances: [1, 0])
    }
  }
}
