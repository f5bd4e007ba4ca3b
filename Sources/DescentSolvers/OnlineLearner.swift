/// An online learner in online convex optimization (OCO): in each round t it plays a point
/// xₜ ∈ X, possibly using a hint Mₜ (a guess of the coming gradient, as in optimistic methods),
/// then observes the gradient gₜ = ∇fₜ(xₜ) of the round's loss and updates.
///
/// A round is `predict(hint:)` then `update(gradient:)`. Calling `predict` again before `update`
/// recomputes xₜ from the same state with the new hint; `update` without a `predict` of the
/// round throws. Vectors are `[Double]` of length ``dimension``.
public protocol OnlineLearner: Sendable {
  /// The dimension d of the decision set.
  var dimension: Int { get }
  /// The number of finished rounds (updates) so far.
  var round: Int { get }
  /// The point xₜ of the coming round. `hint` is Mₜ; nil uses the learner's default hint, the
  /// last observed gradient gₜ₋₁ (zero in the first round), as in Rakhlin and Sridharan (2013)
  /// and Chen et al. (2023). Throws for a hint of the wrong size or with non-finite entries.
  mutating func predict(hint: [Double]?) throws -> [Double]
  /// Observes gₜ = ∇fₜ(xₜ) at the point the last `predict` returned and finishes the round.
  /// Throws for a gradient of the wrong size, with non-finite entries, or without a prediction.
  mutating func update(gradient: [Double]) throws
}

extension OnlineLearner {
  /// The point of the coming round with the default hint (the last gradient).
  public mutating func predict() throws -> [Double] { try predict(hint: nil) }
}
