import DescentTraining

/// Collects a run's training loss at every step and its held-out evaluations, for an
/// experiment's figures (pass it to ``ExperimentContext/train(_:dataset:observers:)``).
public final class LossCurveObserver: TrainingObserver {
  /// (step, training loss of the step's batch), step 1 first.
  public private(set) var steps: [(step: Int, loss: Double)] = []
  /// (step, held-out loss), in the order evaluated (the final evaluation last).
  public private(set) var evaluations: [(step: Int, loss: Double)] = []

  public init() {}

  public func stepFinished(_ record: StepRecord) {
    steps.append((record.step, record.loss))
  }

  public func evaluated(step: Int, loss: Double, accuracy: Double) {
    evaluations.append((step, loss))
  }
}
