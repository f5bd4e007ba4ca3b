import Descent

/// What a transformation may need besides the gradients, typed.
///
/// First-order methods read only `step` and `parameters`; curvature methods (AdaHessian, Sophia,
/// M-FAC) use the loss closure, the Hessian-vector-product oracle and the seeded random stream.
public struct UpdateContext: Sendable {
  /// The 1-based number of the step being taken.
  public var step: Int
  /// The parameters before this step.
  public var parameters: ParameterTree
  /// The loss at `parameters`, when the training loop knows it.
  public var loss: Double?
  /// Re-evaluates the loss at other parameters (line searches, curvature estimates).
  public var lossFunction: (@Sendable (ParameterTree) throws -> Tensor)?
  /// A seed for this step's random draws (probe vectors, sampled labels): a pure function of the
  /// run's seed and the step, so a resumed run draws the same numbers.
  public var randomSeed: UInt64

  public init(
    step: Int, parameters: ParameterTree, loss: Double? = nil,
    lossFunction: (@Sendable (ParameterTree) throws -> Tensor)? = nil, randomSeed: UInt64 = 0
  ) {
    self.step = step
    self.parameters = parameters
    self.loss = loss
    self.lossFunction = lossFunction
    self.randomSeed = randomSeed
  }
}
