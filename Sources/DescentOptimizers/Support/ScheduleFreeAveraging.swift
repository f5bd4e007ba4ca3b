import Descent
import Foundation

/// The scalar part of Optax's `optax.contrib.schedule_free` wrapper, shared by
/// ``ScheduleFreeAdamW`` and ``ScheduleFreeSGD``: the warmed-up learning rate, the averaging
/// weight cₖ, and the elementwise y/x/z update.
///
/// At the wrapper's step count k (1 at the first step):
/// ```
/// γ ← lr(k)                    (the base optimizer's own step uses lr(k − 1), its count)
/// γmax ← max(γmax, γ)
/// w ← γmax^weightLearningRatePower,   W ← W + w,   c ← w / W   (0 when 0/0)
/// z' ← z + u                   (u: the base optimizer's update, at y)
/// x ← (1 − c) · (y − (1 − β1) · z) / β1 + c · z'
/// y' ← β1 · x + (1 − β1) · z'
/// ```
/// lr(k) is the learning rate at step index k, with `warmupSteps` > 0 a linear warmup from 0
/// (Optax's `warmup_constant_schedule`: (0 − lr)(1 − min(k, W)/W) + lr).
struct ScheduleFreeAveraging {
  let beta1: Double
  let warmupSteps: Int
  let weightLearningRatePower: Double

  /// The learning rate at step index `k` (0-based, the driver's `step − 1`), warmed up.
  ///
  /// The warmup is computed in float32, as Optax's schedule computes it from its int32 step
  /// count (`count / warmup_steps` promotes to float32, and so does the rest), so that float64
  /// runs follow the reference: after the warmup the rate is `Float(learningRate)`.
  func learningRate(_ schedule: Hyperparameter, atStep k: Int) -> Double {
    let peak = schedule.value(atStep: k)
    guard warmupSteps > 0 else { return peak }
    let count = Float(Swift.min(Swift.max(k, 0), warmupSteps))
    let fraction: Float = 1 - count / Float(warmupSteps)
    return Double(Float(0 - peak) * fraction + Float(peak))
  }

  /// Advances the running maximum learning rate and weight sum by the wrapper's rate `rate`;
  /// returns the averaging weight c.
  func averagingWeight(rate: Double, maxRate: inout Double, weightSum: inout Double) -> Double {
    maxRate = Swift.max(maxRate, rate)
    let weight = pow(maxRate, weightLearningRatePower)
    weightSum += weight
    if weight.isNaN || weightSum.isNaN { return .nan }
    let c = weight / weightSum
    return c.isNaN ? 0 : c
  }

  /// x = (y − (1 − β1) · z) / β1 for every tensor: the evaluation point.
  func evaluationParameters(_ parameters: ParameterTree, z: ParameterTree) -> ParameterTree {
    precondition(parameters.paths == z.paths, "schedule-free: z does not match the parameters")
    var result = parameters
    for i in 0..<parameters.count {
      let y = parameters[index: i]
      let zi = z[index: i]
      result[index: i] = withoutGradients { (y - zi * (1 - beta1)) / beta1 }
    }
    return result
  }
}

/// The elementwise y/x/z step of ``ScheduleFreeAveraging`` in a kernel's scalar type.
struct ScheduleFreeCombination<T: TensorFloat> {
  let b1, oneMinusB1, c, oneMinusC: T

  init(beta1: Double, c: Double) {
    (b1, oneMinusB1, self.c, oneMinusC) = (T(beta1), T(1 - beta1), T(c), T(1 - c))
  }

  /// y' from y, the old z and the new z, as Optax's `apply_updates` forms it: y + (y' − y).
  @inline(__always) func next(y: T, z: T, newZ: T) -> T {
    let x = oneMinusC * ((y - oneMinusB1 * z) / b1) + c * newZ
    return y + ((b1 * x + oneMinusB1 * newZ) - y)
  }
}
