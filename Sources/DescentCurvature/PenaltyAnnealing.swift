import Descent

/// The penalty schedule of IRM's ColoredMNIST script, used unchanged by Fishr and by Hessian
/// alignment (Hemati et al., ICCV 2023, arXiv:2308.11778): the penalty weight is 1 for the first
/// ``annealIterations`` steps (the model first learns the data, ERM-like), then
/// ``penaltyWeight``; whenever the weight exceeds 1 the whole objective is divided by it, "to
/// keep gradients in a reasonable range" (Arjovsky et al., "Invariant Risk Minimization", 2019,
/// arXiv:1907.02893):
///
///     w(t) = penaltyWeight if t ≥ annealIterations else 1
///     objective(t) = (loss + w(t)·penalty) / w(t)   if w(t) > 1
///                    loss + w(t)·penalty            otherwise
///
/// `loss` is everything but the penalty (the mean environment loss and the l2 term). Steps count
/// from 0, as the scripts' `for step in range(steps)`. Dividing by `w` scales the data term's
/// gradient down by `w`: with Adam, which is nearly scale-invariant, the effect is to make the
/// penalty dominate. The defaults are IRM's tuned ColoredMNIST values.
public struct PenaltyAnnealing: Sendable, Equatable, Codable {
  /// The number of steps with weight 1.
  public let annealIterations: Int
  /// The weight from step ``annealIterations`` on.
  public let penaltyWeight: Double

  /// Throws ``HeadCurvatureError`` for negative `annealIterations` or a `penaltyWeight` that is not
  /// finite and positive.
  public init(annealIterations: Int = 190, penaltyWeight: Double = 91257.18613115903) throws {
    guard annealIterations >= 0 else {
      throw HeadCurvatureError.invalidArgument(
        "PenaltyAnnealing: annealIterations must be at least 0, got \(annealIterations)")
    }
    guard penaltyWeight.isFinite, penaltyWeight > 0 else {
      throw HeadCurvatureError.invalidArgument(
        "PenaltyAnnealing: penaltyWeight must be finite and positive, got \(penaltyWeight)")
    }
    self.annealIterations = annealIterations
    self.penaltyWeight = penaltyWeight
  }

  /// `w(step)`. Throws ``HeadCurvatureError`` for a negative step.
  public func weight(atStep step: Int) throws -> Double {
    guard step >= 0 else {
      throw HeadCurvatureError.invalidArgument(
        "PenaltyAnnealing.weight: step must be at least 0 (steps count from 0), got \(step)")
    }
    return step >= annealIterations ? penaltyWeight : 1
  }

  /// The objective at `step` (differentiable in `loss` and `penalty`, scalars of one dtype).
  /// Throws ``HeadCurvatureError`` for a negative step or a `loss` or `penalty` with more than one
  /// value.
  public func objective(loss: Tensor, penalty: Tensor, step: Int) throws -> Tensor {
    guard loss.count == 1, penalty.count == 1 else {
      throw HeadCurvatureError.invalidArgument(
        "PenaltyAnnealing.objective: loss \(loss.shape) and penalty \(penalty.shape) must each "
          + "have one value")
    }
    let w = try weight(atStep: step)
    let total = loss.reshaped([]) + penalty.reshaped([]) * penalty.scalar(w)
    return w > 1 ? total * total.scalar(1 / w) : total
  }
}
