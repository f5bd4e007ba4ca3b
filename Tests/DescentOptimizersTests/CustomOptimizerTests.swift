import Descent
import DescentOptimizers
import Foundation
import Testing

/// An optimizer written outside the package with the public API only (this file does not use
/// `@testable`): sign descent with momentum, θ ← θ − lr·sign(m), m ← β·m + (1 − β)·g.
struct SignMomentum: FusedOptimizer, CataloguedOptimizer {
  var learningRate: Hyperparameter
  var beta: Double
  var mode: Mode = .sign

  /// `sign`: the sign of m (the default); `raw`: m itself (momentum SGD), a named choice.
  enum Mode: String, CaseIterable, Sendable { case sign, raw }

  struct State: Codable, Sendable, Equatable {
    var step: Int
    var momentum: ParameterTree
  }

  init(learningRate: Hyperparameter = 0.01, beta: Double = 0.9) throws {
    self.learningRate = learningRate
    self.beta = beta
    try validate()
  }

  static let catalogueEntry = OptimizerDescription<SignMomentum>(
    name: "test-sign-momentum", summary: "sign of an EMA of gradients (a test of the public API)",
    paper: "Bernstein et al., signSGD, ICML 2018", reference: "the rule in this file",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("beta", \.beta, .unitInterval, "decay of the momentum"),
      .choice("mode", \.mode, "step by the sign of m, or by m itself"),
    ]
  ) { try SignMomentum() }

  func initialState(for parameters: ParameterTree) -> State {
    State(step: 0, momentum: zerosLike(parameters))
  }

  func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    var buffers = [state.momentum]
    state.momentum = ParameterTree()
    runFusedKernel(
      Kernel(
        learningRate: learningRate.value(atStep: context.step - 1), beta: beta,
        raw: self.mode == .raw),
      name: "test-sign-momentum", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
    state.momentum = buffers[0]
  }

  struct Kernel: FusedKernel {
    let learningRate, beta: Double
    let raw: Bool
    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      for i in range {
        let next = T(beta) * m[i] + T(1 - beta) * b.gradient[i]
        m[i] = next
        let sign: T = raw ? next : (next > 0 ? 1 : (next < 0 ? -1 : 0))
        b.store(b.parameter[i] - T(learningRate) * sign, at: i)
      }
    }
  }
}

@Suite struct CustomOptimizerTests {
  @Test func anOptimizerFromOutsideThePackageSteps() throws {
    var parameters = ParameterTree([("x", Tensor([1.0, -1.0, 0.5], dtype: .float64))])
    let gradients = ParameterTree([("x", Tensor([2.0, -3.0, 0.0], dtype: .float64))])
    let optimizer = Optimizer(try SignMomentum(learningRate: 0.1), for: parameters)
    try optimizer.step(&parameters, gradients: gradients)
    #expect(parameters["x"]!.doubles == [0.9, -0.9, 0.5])
    // update (inside a Chain) gives the same step as apply.
    var chained = ParameterTree([("x", Tensor([1.0, -1.0, 0.5], dtype: .float64))])
    let chain = Optimizer(Chain { ClipByValue(10); try! SignMomentum(learningRate: 0.1) }, for: chained)
    try chain.step(&chained, gradients: gradients)
    #expect(chained == parameters)
  }

  @Test func registeredOptimizersRunByName() throws {
    try? OptimizerCatalogue.register(SignMomentum.self)
    let info = try OptimizerCatalogue.info(named: "test-sign-momentum")
    #expect(info.hyperparameters.map(\.name) == ["learningRate", "beta", "mode"])
    #expect(info.hyperparameters[2].validValues == "sign|raw")
    #expect(info.hyperparameters[2].defaultValue == .choice("sign"))
    let raw = try #require(
      try OptimizerCatalogue.make("test-sign-momentum", settings: ["mode": "raw"]) as? SignMomentum)
    #expect(raw.mode == .raw)
    #expect {
      try OptimizerCatalogue.make("test-sign-momentum", settings: ["mode": "ternary"])
    } throws: {
      "\($0)" == "test-sign-momentum: mode=ternary is invalid: must be one of sign, raw"
    }
    let made = try #require(
      try OptimizerCatalogue.make("test-sign-momentum", settings: ["beta": "0.5"]) as? SignMomentum)
    #expect(made.beta == 0.5)
    #expect(throws: OptimizerError.self) { try OptimizerCatalogue.register(SignMomentum.self) }
    #expect(throws: OptimizerError.self) {
      try OptimizerCatalogue.make("test-sign-momentum", settings: ["beta": "1"])
    }
    #expect(!OptimizerCatalogue.names.contains("test-sign-momentum"))
  }

  /// `step(_:loss:)` takes the shared-graph path for AdaHessian on its own and inside a Chain,
  /// and gives the same bits as the manual five-line loop.
  @Test func oneCallStepPicksTheCurvaturePath() throws {
    let target = Tensor([1.0, -2.0, 0.5], dtype: .float64)
    let loss: @Sendable (ParameterTree) -> Tensor = { p in
      let e = p["w"]! - target
      return (e * e * e * e).sum() + (e * e).sum()
    }
    let start = ParameterTree([("w", Tensor([0.0, 0.0, 0.0], dtype: .float64))])
    var oneCall = start
    let a = Optimizer(Chain { ClipByValue(100); try! AdaHessian(learningRate: 0.1) }, for: start, seed: 3)
    #expect(a.usesHessianVectorProductsOnNextStep)
    var manual = start
    let b = Optimizer(Chain { ClipByValue(100); try! AdaHessian(learningRate: 0.1) }, for: start, seed: 3)
    for _ in 0..<3 {
      try a.step(&oneCall, loss: loss)
      let curvature = valueGradAndCurvature(of: loss, at: manual)
      try b.step(
        &manual, gradients: curvature.gradient, lossFunction: loss, curvature: curvature)
    }
    #expect(oneCall == manual)
    #expect(oneCall != start)
  }
}
