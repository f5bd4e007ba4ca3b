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

/// Runs `inner` (built with the constant learning rate `base`) and multiplies its update at step
/// `t` by `schedule(t) / base`. Every catalogued optimizer applies its learning rate as the last
/// factor of its update (weight decay included, as PyTorch does), so this equals running it with
/// the scheduled learning rate (up to rounding: `(lr·u)·f` rather than `(lr·f)·u`). The state is
/// the inner optimizer's. It goes through the optimizer's `update` (a separate update tree), not
/// its fused in-place `apply`, so a constant schedule is not wrapped at all.
struct Scheduled<Inner: GradientTransformation>: GradientTransformation {
  typealias State = Inner.State
  let inner: Inner
  let schedule: any Schedule
  let base: Double

  func initialState(for parameters: ParameterTree) -> State { inner.initialState(for: parameters) }

  func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext) throws {
    try inner.update(&updates, state: &state, context: context)
    let factor = base == 0 ? 1 : schedule.value(atStep: context.step - 1) / base
    if factor != 1 { updates = updates.map { $0 * factor } }
  }
}

func scheduled(_ inner: any GradientTransformation, schedule: any Schedule, base: Double)
  -> any GradientTransformation
{
  func wrap<T: GradientTransformation>(_ t: T) -> any GradientTransformation {
    Scheduled(inner: t, schedule: schedule, base: base)
  }
  return wrap(inner)
}
