import Descent
import DescentOptimizers

/// The learning-rate schedule of `--schedule` and `--warmup`, over a run of `totalSteps`, peaking
/// at the optimizer's learning rate `base`:
/// - `constant`: `base`;
/// - `cosine`: cosine decay to 0 over the steps after warm-up;
/// - `linear`: linear decay to 0 over the steps after warm-up;
/// - `step`: ×0.1 after each third of the run;
/// - `onecycle`: PyTorch's `OneCycleLR` (its own warm-up: 30 % of the run; `--warmup` is ignored).
/// `--warmup N` adds a linear warm-up from 0 over the first N steps.
func learningRateSchedule(
  _ kind: TrainingConfiguration.ScheduleKind, base: Double, totalSteps: Int, warmup: Int
) -> any Schedule {
  let decaySteps = max(1, totalSteps - warmup)
  func warmed<S: Schedule>(_ s: S) -> any Schedule { warmup > 0 ? s.withWarmup(warmup) : s }
  switch kind {
  case .constant: return warmed(ConstantSchedule(base))
  case .cosine: return warmed(CosineDecay(initial: base, decaySteps: decaySteps))
  case .linear: return warmed(LinearDecay(initial: base, final: 0, steps: decaySteps))
  case .step: return warmed(StepDecay(initial: base, stepSize: max(1, decaySteps / 3), gamma: 0.1))
  case .onecycle: return OneCycle(maximum: base, totalSteps: max(2, totalSteps))
  }
}
