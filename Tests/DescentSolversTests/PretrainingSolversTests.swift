import Descent
import DescentSolvers
import Foundation
import Testing

/// Factor analysis, Gaussian-mixture EM, ridge (with leave-one-out α) and logistic regression
/// against scikit-learn goldens (scripts/golden/make_pretraining_golden.py, which records its
/// versions in the JSON).
@Suite struct PretrainingSolversTests {
  static var golden: [String: Any] {
    let url = Bundle.module.url(
      forResource: "pretraining", withExtension: "json", subdirectory: "Golden")!
    return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }

  static func matrix(_ value: Any?) -> Tensor {
    let rows = value as! [[Double]]
    return Tensor(rows.flatMap { $0 }, shape: [rows.count, rows[0].count], dtype: .float64)
  }

  static func expectClose(
    _ a: [Double], _ b: [Double], _ tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(
      a.count == b.count, "\(what): \(a.count) vs \(b.count) entries",
      sourceLocation: sourceLocation)
    let scale = max(1, b.map(abs).max() ?? 1)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(
      worst <= tolerance * scale, "\(what): max difference \(worst)", sourceLocation: sourceLocation
    )
  }

  @Test func factorAnalysisMatchesScikitLearn() throws {
    let g = Self.golden["factorAnalysis"] as! [String: Any]
    let data = Self.matrix(g["data"])
    let fa = try FactorAnalysis(fitting: data, factors: 2)
    #expect(fa.converged)
    #expect(fa.logLikelihoods.count == g["iterations"] as! Int)
    Self.expectClose(fa.logLikelihoods, g["logLikelihoods"] as! [Double], 1e-9, "log-likelihoods")
    Self.expectClose(fa.noiseVariances.doubles, g["noiseVariances"] as! [Double], 1e-9, "ψ")
    Self.expectClose(fa.mean.doubles, g["mean"] as! [Double], 1e-12, "μ")
    let gram = fa.components.transposed().matmul(fa.components)
    Self.expectClose(gram.doubles, Self.matrix(g["componentsGram"]).doubles, 1e-9, "WᵀW")
    let z = try fa.posteriorMeans(data.slice(axis: 0, start: 0, end: 5))
    Self.expectClose(
      z.matmulTransposed(z).doubles, Self.matrix(g["posteriorGram"]).doubles, 1e-9, "E[z|x] Gram")
  }

  @Test func gaussianMixtureMatchesScikitLearn() throws {
    let g = Self.golden["gaussianMixture"] as! [String: Any]
    let data = Self.matrix(g["data"])
    let start = GaussianMixture.Initialization.parameters(
      weights: g["initialWeights"] as! [Double], means: g["initialMeans"] as! [[Double]],
      covariances: g["initialCovariances"] as! [[Double]])
    let fixed = try GaussianMixture(
      fitting: data, components: 3, initialization: start, tolerance: 0, maxIterations: 15)
    #expect(fixed.iterations == 15 && !fixed.converged)
    Self.expectClose(fixed.weights, g["weights"] as! [Double], 1e-10, "π")
    Self.expectClose(
      fixed.means.flatMap { $0 }, (g["means"] as! [[Double]]).flatMap { $0 }, 1e-10, "μ")
    Self.expectClose(
      fixed.covariances.flatMap { $0 }, (g["covariances"] as! [[Double]]).flatMap { $0 }, 1e-10,
      "Σ")
    #expect(abs(fixed.lowerBound - (g["lowerBound"] as! Double)) < 1e-10)
    let posteriors = try fixed.posteriors(data.slice(axis: 0, start: 0, end: 6))
    Self.expectClose(
      posteriors.doubles, Self.matrix(g["posteriors"]).doubles, 1e-9, "responsibilities")
    let stopping = try GaussianMixture(fitting: data, components: 3, initialization: start)
    #expect(stopping.converged && stopping.iterations == g["iterationsAtTolerance"] as! Int)
  }

  @Test(arguments: ["wide", "tall"])
  func ridgeMatchesScikitLearn(shape: String) throws {
    let g = (Self.golden["ridge"] as! [String: Any])[shape] as! [String: Any]
    let x = Self.matrix(g["features"])
    let y = Tensor(g["targets"] as! [Double], dtype: .float64)
    let fixed = try RidgeRegression(features: x, targets: y, alpha: g["alpha"] as! Double)
    Self.expectClose(fixed.weights.doubles, g["weights"] as! [Double], 1e-10, "w")
    #expect(abs(fixed.intercept - (g["intercept"] as! Double)) < 1e-10)
    let tuned = try RidgeRegression(features: x, targets: y, alphas: g["alphas"] as! [Double])
    #expect(tuned.alpha == g["chosenAlpha"] as! Double)
    Self.expectClose(tuned.weights.doubles, g["chosenWeights"] as! [Double], 1e-9, "w(α*)")
    #expect(abs(tuned.intercept - (g["chosenIntercept"] as! Double)) < 1e-9)
  }

  @Test func logisticRegressionMatchesScikitLearn() throws {
    let g = Self.golden["logistic"] as! [String: Any]
    let x = Self.matrix(g["features"])
    let labels = g["labels"] as! [Int]
    for fit in g["fits"] as! [[String: Any]] {
      let model = try LogisticRegression(
        features: x, labels: labels, inverseRegularization: fit["C"] as! Double)
      // scikit-learn's L-BFGS stops at its own tolerance: agreement to 1e-6.
      Self.expectClose(
        model.weights.doubles, fit["weights"] as! [Double], 1e-6, "w (C \(fit["C"]!))")
      #expect(abs(model.intercept - (fit["intercept"] as! Double)) < 1e-6)
    }
  }

  /// Bad input gives one-line errors.
  @Test func refusesBadInput() {
    let x = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: .float64)
    #expect(throws: SolverError.self) { try FactorAnalysis(fitting: x, factors: 3) }
    #expect(throws: SolverError.self) { try FactorAnalysis(fitting: x, factors: 0) }
    #expect(throws: SolverError.self) {
      try FactorAnalysis(
        fitting: Tensor([1, .nan, 3, 4], shape: [2, 2], dtype: .float64), factors: 1)
    }
    #expect(throws: SolverError.self) {
      try GaussianMixture(
        fitting: x, components: 4, initialization: .kMeansPlusPlus(key: RandomKey(seed: 1)))
    }
    #expect(throws: SolverError.self) {
      try RidgeRegression(features: x, targets: Tensor([1, 2], dtype: .float64), alpha: 1)
    }
    #expect(throws: SolverError.self) {
      try RidgeRegression(features: x, targets: Tensor([1, 2, 3], dtype: .float64), alpha: -1)
    }
    #expect(throws: SolverError.self) {
      try LogisticRegression(features: x, labels: [1, 1, 1])
    }
    #expect(throws: SolverError.self) {
      try LogisticRegression(features: x, labels: [0, 2, 1])
    }
  }
}
