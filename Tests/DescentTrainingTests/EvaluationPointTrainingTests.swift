import DescentOptimizers
import Foundation
import Testing

@testable import DescentTraining

/// `descent train` evaluates a schedule-free run at its averaged iterate x
/// (`Optimizer.evaluationParameters`), not at the interpolation y it trains.
@Suite struct EvaluationPointTrainingTests {
  static func trained(_ optimizer: String) throws -> Trainer {
    var c = TrainingConfiguration()
    c.model = "mlp:64-24-10"
    c.standardize = false
    c.steps = 20
    c.optimizer = optimizer
    c.learningRate = 0.05
    let trainer = try Trainer(configuration: c)
    try trainer.run()
    return trainer
  }

  @Test func scheduleFreeRunsEvaluateAtTheAveragedIterate() throws {
    let trainer = try Self.trained("schedule-free-sgd")
    let x = trainer.evaluationModel.parameters
    #expect(x != trainer.currentModel.parameters)
    let atX = trainer.evaluate()
    #expect(
      atX.loss
        == Trainer.evaluate(
          model: trainer.evaluationModel, data: trainer.testData, inputShape: trainer.inputShape
        ).loss)
    let atY = Trainer.evaluate(
      model: trainer.currentModel, data: trainer.testData, inputShape: trainer.inputShape)
    #expect(atX.loss != atY.loss)
    #expect(trainer.evaluationHistory.last?.loss == atX.loss)
  }

  @Test func otherRunsEvaluateAtTheirParameters() throws {
    let trainer = try Self.trained("sgd")
    #expect(trainer.evaluationModel.parameters == trainer.currentModel.parameters)
  }
}
