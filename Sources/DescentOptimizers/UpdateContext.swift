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
  /// The loss's value, gradient and Hessian-vector products at `parameters`, when the training
  /// loop computed its gradient with ``valueGradAndCurvature(of:at:)`` (it does so for a
  /// ``HessianVectorProductUser`` on the steps that use them): curvature methods take their
  /// products from here instead of differentiating `lossFunction` again.
  public var curvature: CurvatureAtPoint?
  /// A seed for this step's random draws (probe vectors, sampled labels): a pure function of the
  /// run's seed and the step, so a resumed run draws the same numbers.
  public var randomSeed: UInt64

  public init(
    step: Int, parameters: ParameterTree, loss: Double? = nil,
    lossFunction: (@Sendable (ParameterTree) throws -> Tensor)? = nil,
    curvature: CurvatureAtPoint? = nil, randomSeed: UInt64 = 0
  ) {
    self.step = step
    self.parameters = parameters
    self.loss = loss
    self.lossFunction = lossFunction
    self.curvature = curvature
    self.randomSeed = randomSeed
  }
}

/// A transformation that uses Hessian-vector products of the loss at the current parameters on
/// some steps (AdaHessian, SophiaH). A training loop asks before each step and, when the answer
/// is yes, computes the gradient with ``valueGradAndCurvature(of:at:)`` and passes the result as
/// ``UpdateContext/curvature``, which saves a forward and a backward pass.
public protocol HessianVectorProductUser {
  /// Whether the step taken after `completedSteps` steps computes Hessian-vector products.
  func usesHessianVectorProducts(afterCompletedSteps completedSteps: Int) -> Bool
}

/// H·v at `parameters`: from the context's ``UpdateContext/curvature`` when the training loop
/// provided it, else by differentiating the loss closure twice (`valueGradAndHVP`). Both give the
/// same bits. `name` names the optimizer in the error thrown when neither is there.
func hessianVectorProduct(
  at parameters: ParameterTree, v: ParameterTree, context: UpdateContext, name: String
) throws -> ParameterTree {
  if let curvature = context.curvature { return curvature.hessianVectorProduct(v) }
  guard let lossFunction = context.lossFunction else {
    throw OptimizerError.invalidHyperparameter(
      "\(name) needs the loss function for its Hessian-vector products: pass lossFunction (or "
        + "curvature) to Optimizer.step (descent train and descent optimize do)")
  }
  return try valueGradAndHVP(of: lossFunction, at: parameters, v: v).hvp
}
