import Descent
import DescentCurvature
import DescentTestSupport
import Testing

@Suite("Stochastic Lanczos quadrature and sharpness")
struct SpectralDensityTests {
  @Test("The SLQ density integrates to 1 and its mean is the trace over n")
  func densityIntegratesAndMean() throws {
    let spectrum: [Double] = (0..<80).map { (i: Int) -> Double in
      Double(i % 7) - 1.5 + 0.01 * Double(i)
    }
    let a = try matrixWithSpectrum(spectrum, seed: 61)
    let op = LinearOperator(matrix: a)
    let key = RandomKey(seed: 12)
    let density = try stochasticLanczosQuadrature(op, iterations: 30, runs: 8, key: key)
    #expect(density.nodes.count == 8)
    for runWeights in density.weights { #expect(abs(runWeights.reduce(0, +) - 1) < 1e-12) }

    let sigma = 0.05
    let grid = density.grid(points: 4000, sigma: sigma)
    let values = density.density(on: grid, sigma: sigma)
    let step = grid[1] - grid[0]
    let integral = trapezoid(values, step)
    #expect(abs(integral - 1) < 1e-6)
    let gridMean = trapezoid(zip(grid, values).map { $0 * $1 }, step)
    #expect(abs(gridMean - density.mean) < 1e-6)

    // The τ-weighted Ritz mean is zᵀAz/n with the same Rademacher starts: Hutchinson over n.
    let hutchinson = hutchinsonTrace(op, samples: 8) { run in
      Tensor.rademacher([80], dtype: .float64, key: key.folded(in: UInt64(run)))
    }
    #expect(abs(density.mean - hutchinson.estimate / 80) < 1e-10)
    let trace = spectrum.reduce(0, +)
    #expect(abs(density.mean - trace / 80) < 4 * hutchinson.standardError / 80)
  }

  @Test("With n Lanczos steps the quadrature nodes are the eigenvalues")
  func fullLanczosNodesAreEigenvalues() throws {
    let spectrum: [Double] = (0..<12).map { (i: Int) -> Double in Double(i) * 0.5 - 2 }
    let a = try matrixWithSpectrum(spectrum, seed: 62)
    let density = try stochasticLanczosQuadrature(
      LinearOperator(matrix: a), iterations: 12, runs: 1, key: RandomKey(seed: 1))
    #expect(density.nodes[0].count == 12)
    for (node, eigenvalue) in zip(density.nodes[0], spectrum) {
      #expect(abs(node - eigenvalue) < 1e-9)
    }
    // tr f(A)/n is exact for f(λ) = λ² here.
    let secondMoment = spectrum.map { $0 * $0 }.reduce(0, +) / 12
    let z = Tensor.rademacher([12], dtype: .float64, key: RandomKey(seed: 1).folded(in: 0))
    let exact = (a.matmul(z).square().sum().item) / 12
    #expect(abs(density.normalizedTrace { $0 * $0 } - exact) < 1e-9)
    #expect(secondMoment > 0)
  }

  @Test("Sharpness compares λ_max with 2/η and the trace with 2B/η")
  func sharpnessThresholds() throws {
    let spectrum: [Double] = [4.0, 1, 0.5, 0.5] + [Double](repeating: 0.0, count: 16)
    let a = try matrixWithSpectrum(spectrum, seed: 63)
    let thresholds = StabilityThresholds(learningRate: 0.4)
    #expect(thresholds.gradientDescentThreshold == 5)
    #expect(thresholds.sgdTraceThreshold == 5)
    #expect(StabilityThresholds(learningRate: 0.4, batchSize: 4).sgdTraceThreshold == 20)
    var tracker = SharpnessTracker(
      thresholds: thresholds, traceSamples: 400, key: RandomKey(seed: 2))
    let m = try tracker.measure(step: 10, hessian: LinearOperator(matrix: a))
    #expect(abs(m.lambdaMax - 4) < 1e-8)
    #expect(abs(m.gradientDescentRatio - 0.8) < 1e-8)
    #expect(m.isStableForGradientDescent)
    // Tr(H) = 6 > 5: stable for gradient descent, not a stable minimum for SGD with batch size 1.
    #expect(abs(m.trace.estimate - 6) < 4 * m.trace.standardError)
    #expect(!m.isStableForSGD)
    #expect(tracker.history.count == 1 && tracker.history[0].step == 10)
  }
}

func trapezoid(_ values: [Double], _ step: Double) -> Double {
  guard values.count > 1 else { return 0 }
  return step * (values.reduce(0, +) - 0.5 * (values.first! + values.last!))
}
