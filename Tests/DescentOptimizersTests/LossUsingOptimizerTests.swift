import Descent
import DescentOptimizers
import Testing

/// MoMo and Polyak SGD read the loss: without it a step is refused with a one-line error, and the
/// loss really changes the step.
@Suite struct LossUsingOptimizerTests {
  static let start = ParameterTree([("x", Tensor([1.0, -2.0], dtype: .float64))])
  static let gradients = ParameterTree([("x", Tensor([0.5, 1.5], dtype: .float64))])

  @Test(arguments: ["momo", "polyak-sgd"])
  func refusesAStepWithoutTheLoss(_ name: String) throws {
    var p = Self.start
    let optimizer = Optimizer(erasing: try OptimizerCatalogue.make(name), for: p)
    #expect {
      try optimizer.step(&p, gradients: Self.gradients)
    } throws: { error in
      "\(error)".contains("\(name) needs the loss") && "\(error)".contains("pass loss:")
    }
    #expect(p["x"]!.doubles == Self.start["x"]!.doubles)
  }

  @Test(arguments: ["momo", "polyak-sgd"])
  func aLargerLossGapTakesALargerStep(_ name: String) throws {
    func moved(loss: Double) throws -> Double {
      var p = Self.start
      let optimizer = Optimizer(
        erasing: try OptimizerCatalogue.make(name, learningRate: 10), for: p)
      try optimizer.step(&p, gradients: Self.gradients, loss: loss)
      return abs(p["x"]!.doubles[0] - 1)
    }
    let (small, large) = (try moved(loss: 0.2), try moved(loss: 0.4))
    #expect(small > 0)
    #expect(large > small)
  }
}
