import Descent

/// A pass-through transformation that records the norm of the updates it sees: put it first in a
/// ``Chain`` to collect each step's gradient norm for a ``RefinedSchedule`` (ℓ2 for SGD-type
/// methods, ℓ1 for Adam-type). The norms live in the state, so they survive checkpoints.
///
///     Chain { RecordGradientNorms(for: .adam); ScaleByAdam(); ScaleByLearningRate(0.001) }
///     ... after the run: state.0.refinedSchedule(peakLearningRate: 0.001, kind: .adam)
public struct RecordGradientNorms: GradientTransformation {
  public typealias State = GradientNormRecorder

  public let norm: GradientNormRecorder.Norm

  public init(_ norm: GradientNormRecorder.Norm) { self.norm = norm }
  public init(for kind: RefinedSchedule.Kind) { norm = kind.norm }

  public func initialState(for parameters: ParameterTree) -> GradientNormRecorder {
    GradientNormRecorder(norm)
  }

  public func update(
    _ updates: inout ParameterTree, state: inout GradientNormRecorder, context: UpdateContext
  ) throws {
    state.record(updates)
  }
}
