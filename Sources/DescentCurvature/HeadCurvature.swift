import Descent

/// A bad argument to the head-curvature tools (``headGradient(of:withRespectTo:)``,
/// ``HessianAlignment``, ``PenaltyAnnealing``): the message names the value, where it was given
/// and what is valid.
public enum HeadCurvatureError: Error, Equatable, CustomStringConvertible {
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message): message
    }
  }
}

/// A loss's gradient with respect to a few parameters (a classifier head), kept differentiable:
/// the first ingredient of gradient- and curvature-matching penalties (IRM-style, Fishr, Hessian
/// alignment).
///
/// Both vectors are flat, in the order of the head tensors, each flattened row-major (the
/// ``ParameterLayout`` order), and carry the graph of the loss, so a penalty built from them can
/// be differentiated with respect to every parameter the loss depends on (third-order terms of the
/// loss included).
public struct HeadGradient {
  /// `g = ∇_head L`, `[d]`.
  public let gradient: Tensor
  /// `‖g‖`, a scalar.
  public let norm: Tensor
}

/// The head gradient and its Hessian product `H g`, both differentiable.
public struct HeadHessianGradientProduct {
  /// `g = ∇_head L`, `[d]`.
  public let gradient: Tensor
  /// `H g = ‖g‖ · ∇_head ‖g‖`, `[d]`, with `H = ∇²_head L`.
  public let hessianGradient: Tensor
}

/// Checks that `head` is a non-empty list of tracked tensors of one floating-point dtype and that
/// `loss` is a scalar; `function` names the caller in the message.
func validateHead(_ head: [Tensor], loss: Tensor, _ function: String) throws {
  guard !head.isEmpty else {
    throw HeadCurvatureError.invalidArgument(
      "\(function): the head has no tensors; pass the parameters of the classifier head")
  }
  for (index, tensor) in head.enumerated() {
    guard tensor.dtype.isFloatingPoint else {
      throw HeadCurvatureError.invalidArgument(
        "\(function): head tensor \(index) is \(tensor.dtype); the head must be float32 or float64")
    }
    guard tensor.dtype == head[0].dtype else {
      throw HeadCurvatureError.invalidArgument(
        "\(function): head tensor \(index) is \(tensor.dtype) but tensor 0 is \(head[0].dtype); "
          + "cast the head to one dtype")
    }
    guard tensor.isTracked else {
      throw HeadCurvatureError.invalidArgument(
        "\(function): head tensor \(index) (shape \(tensor.shape)) is not tracked; take the head "
          + "from the parameters of valueAndGrad's closure or call trackingGradients() on it")
    }
  }
  guard loss.count == 1 else {
    throw HeadCurvatureError.invalidArgument(
      "\(function): the loss has shape \(loss.shape), expected one value; reduce it (mean) first")
  }
}

/// The tensors flattened and concatenated (differentiable).
func flattenedConcatenation(_ tensors: [Tensor]) -> Tensor {
  Tensor.concatenate(tensors.map { $0.reshaped([$0.count]) }, axis: 0)
}

/// `g = ∇_head L` with the graph kept (PyTorch's `autograd.grad(loss, head, create_graph=True)`),
/// flattened, and its norm.
///
/// `head` must be tracked tensors that `loss` was computed from: typically some of the parameters
/// inside the closure of ``valueAndGrad(of:at:)``, so that the final loss, built from `g`, is
/// differentiated with respect to all parameters. Throws ``HeadCurvatureError`` for an empty head,
/// an untracked or integer head tensor, mixed dtypes, or a loss with more than one value.
public func headGradient(of loss: Tensor, withRespectTo head: [Tensor]) throws -> HeadGradient {
  try validateHead(head, loss: loss, "headGradient")
  let flat = flattenedConcatenation(gradients(of: loss, withRespectTo: head, createGraph: true))
  return HeadGradient(gradient: flat, norm: flat.norm())
}

/// The Hessian–gradient product `H g` of `loss` over `head` (`H = ∇²_head L`, `g = ∇_head L`)
/// without forming `H`, by double backprop:
///
///     g   = ∇_head L                    (create_graph)
///     H g = ‖g‖ · ∇_head ‖g‖            (create_graph)
///
/// since `∇‖g‖ = (∇g)ᵀ g / ‖g‖ = H g / ‖g‖` (`H` symmetric). This is the product of the HGP
/// penalty of Hemati, Zhang, Estiri and Chen, "Understanding Hessian Alignment for Domain
/// Generalization", ICCV 2023 (arXiv:2308.11778), as their `cmnist_HGP.py` computes it. At a
/// zero gradient the norm's derivative is taken as 0 (PyTorch's convention), so `H g = 0` there,
/// which is exact. Cost: one gradient and one more backward pass through the gradient's graph,
/// both recorded: about one HVP.
///
/// Both results are differentiable with respect to everything `loss` depends on. Throws
/// ``HeadCurvatureError`` as ``headGradient(of:withRespectTo:)``.
public func hessianGradientProduct(of loss: Tensor, withRespectTo head: [Tensor]) throws
  -> HeadHessianGradientProduct
{
  let first = try headGradient(of: loss, withRespectTo: head)
  return HeadHessianGradientProduct(
    gradient: first.gradient,
    hessianGradient: try hessianGradientProduct(gradient: first.gradient, withRespectTo: head))
}

/// `H g = ‖g‖ · ∇_head ‖g‖` for a flat head gradient `g` that still carries its graph (from
/// ``headGradient(of:withRespectTo:)``, or a combination of such gradients: the mean of several
/// environments' gradients is the gradient of their mean loss, and this is then that loss's
/// `H̄ ḡ`). Throws ``HeadCurvatureError`` for a `gradient` whose length is not the head's, or a
/// head as in ``headGradient(of:withRespectTo:)``.
public func hessianGradientProduct(gradient: Tensor, withRespectTo head: [Tensor]) throws -> Tensor
{
  try validateGradient(gradient, head: head, "hessianGradientProduct")
  let norm = gradient.norm()
  return norm * flattenedConcatenation(gradients(of: norm, withRespectTo: head, createGraph: true))
}

/// Checks `head` as ``validateHead(_:loss:_:)`` and that `gradient` is a flat vector of its size.
func validateGradient(_ gradient: Tensor, head: [Tensor], _ function: String) throws {
  let dimension = head.reduce(0) { $0 + $1.count }
  guard gradient.shape == [dimension] else {
    throw HeadCurvatureError.invalidArgument(
      "\(function): gradient has shape \(gradient.shape) but the head has \(dimension) scalars; "
        + "pass headGradient(of:withRespectTo:).gradient of the same head")
  }
  try validateHead(head, loss: gradient.sum(), function)
}

/// Hutchinson's estimate of the head Hessian's diagonal, `D = (1/R) Σ_r z_r ⊙ (H z_r)` with
/// `H z = ∇_head ⟨g, z⟩` (`g` the head gradient, kept differentiable), so that a penalty on `D`
/// can itself be differentiated: the estimator of the Hutchinson variant of Hessian alignment
/// (Hemati et al., ICCV 2023, arXiv:2308.11778, `cmnist_Hutchinson.py`; Bekas, Kokiopoulou and
/// Saad 2007 for the estimator).
///
/// `gradient` is the flat head gradient from ``headGradient(of:withRespectTo:)`` of the same
/// `head`. Probe `r` is ``ProbeDistribution/probe(dimension:dtype:key:index:)`` of `key` and `r`
/// (the probes of the detached ``hutchinsonDiagonal(_:samples:distribution:key:)``), so a run
/// replays exactly, and callers that pass one key for several losses get common probes. `R`
/// recorded HVPs; the graph of all of them is alive until the caller's backward pass. Throws
/// ``HeadCurvatureError`` for `samples < 1`, a `gradient` whose length is not the head's, or a
/// head as in ``headGradient(of:withRespectTo:)``.
public func hutchinsonHeadDiagonal(
  gradient: Tensor, withRespectTo head: [Tensor], samples: Int,
  distribution: ProbeDistribution = .rademacher, key: RandomKey
) throws -> Tensor {
  guard samples >= 1 else {
    throw HeadCurvatureError.invalidArgument(
      "hutchinsonHeadDiagonal: samples must be at least 1, got \(samples); pass the number of "
        + "probes R (the paper's script uses 150)")
  }
  try validateGradient(gradient, head: head, "hutchinsonHeadDiagonal")
  let dimension = gradient.count
  var sum: Tensor? = nil
  for r in 0..<samples {
    let z = distribution.probe(dimension: dimension, dtype: gradient.dtype, key: key, index: r)
    let product = flattenedConcatenation(
      gradients(of: (gradient * z).sum(), withRespectTo: head, createGraph: true))
    let term = z * product
    sum = sum.map { $0 + term } ?? term
  }
  return sum! * gradient.scalar(1 / Double(samples))
}
