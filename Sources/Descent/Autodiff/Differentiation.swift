import Foundation

// Functional differentiation in the style of JAX, with PyTorch's `create_graph` semantics
// underneath: inside an enclosing differentiation the results stay differentiable, so the
// functions below nest to any order (`hvp` is `grad` of a `grad`).

/// Runs `f` on differentiation variables made from `inputs`, with recording on and the nesting
/// depth increased; returns the variables, the value, and whether the backward pass must keep its
/// graph (true when an enclosing differentiation will differentiate the result again).
private func trace<R>(_ inputs: [Tensor], _ f: ([Tensor]) throws -> R) rethrows -> (
  variables: [Tensor], value: R, nested: Bool
) {
  let nested = GradMode.depth > 0 && GradMode.isRecording
  let variables = inputs.map { $0.trackingGradients() }
  let value = try GradMode.$nestingDepth.withValue(GradMode.depth + 1) {
    try withGradients { try f(variables) }
  }
  return (variables, value, nested)
}

private func checkScalar(_ value: Tensor, _ function: String) {
  precondition(
    value.count == 1,
    "\(function): the function must return one value (a loss), got shape \(value.shape)")
}

/// The value of `f` at `x` and its gradient there. `f` must return a single value.
public func valueAndGrad(of f: (Tensor) throws -> Tensor, at x: Tensor) rethrows -> (
  value: Tensor, gradient: Tensor
) {
  let (value, gradients) = try valueAndGrad(of: { try f($0[0]) }, at: [x])
  return (value, gradients[0])
}

/// The value of `f` at `xs` and its gradient with respect to each of them.
public func valueAndGrad(of f: ([Tensor]) throws -> Tensor, at xs: [Tensor]) rethrows -> (
  value: Tensor, gradients: [Tensor]
) {
  let (variables, value, nested) = try trace(xs, f)
  checkScalar(value, "valueAndGrad")
  let gradients = gradients(of: value, withRespectTo: variables, createGraph: nested)
  return (nested ? value : value.detached(), gradients)
}

/// The value of `f` at the parameters `tree` and its gradient as a tree with the same paths.
public func valueAndGrad(of f: (ParameterTree) throws -> Tensor, at tree: ParameterTree) rethrows
  -> (value: Tensor, gradient: ParameterTree)
{
  let paths = tree.paths
  let (value, gradients) = try valueAndGrad(
    of: { try f(ParameterTree(Array(zip(paths, $0)))) }, at: tree.tensors)
  return (value, ParameterTree(Array(zip(paths, gradients))))
}

/// The gradient of `f` at `x`.
public func grad(of f: (Tensor) throws -> Tensor, at x: Tensor) rethrows -> Tensor {
  try valueAndGrad(of: f, at: x).gradient
}

/// The gradients of `f` with respect to each of `xs`.
public func grad(of f: ([Tensor]) throws -> Tensor, at xs: [Tensor]) rethrows -> [Tensor] {
  try valueAndGrad(of: f, at: xs).gradients
}

/// The gradient of `f` at the parameters `tree`.
public func grad(of f: (ParameterTree) throws -> Tensor, at tree: ParameterTree) rethrows
  -> ParameterTree
{
  try valueAndGrad(of: f, at: tree).gradient
}

/// The vector-Jacobian product `cotangentᵀ J` of `f` at `x`, with the value `f(x)`.
public func vjp(of f: (Tensor) throws -> Tensor, at x: Tensor, cotangent: Tensor) rethrows -> (
  value: Tensor, vjp: Tensor
) {
  let (variables, value, nested) = try trace([x]) { try f($0[0]) }
  precondition(
    cotangent.shape == value.shape,
    "vjp: cotangent shape \(cotangent.shape) differs from the output shape \(value.shape)")
  let result = gradients(of: value, withRespectTo: variables, seed: cotangent, createGraph: nested)
  return (nested ? value : value.detached(), result[0])
}

/// The Jacobian-vector product `J tangent` of `f` at `x`, with the value `f(x)`.
///
/// Computed by differentiating the linear map `u ↦ uᵀJ` (a vjp) with respect to `u` — two
/// reverse passes, no forward-mode machinery.
public func jvp(of f: (Tensor) throws -> Tensor, at x: Tensor, tangent: Tensor) rethrows -> (
  value: Tensor, jvp: Tensor
) {
  precondition(
    tangent.shape == x.shape, "jvp: tangent shape \(tangent.shape) differs from the input shape \(x.shape)")
  let (variables, value, nested) = try trace([x]) { try f($0[0]) }
  let u = Tensor.zeros(value.shape, dtype: value.dtype).trackingGradients()
  let result: Tensor = withGradients {
    let transposed = gradients(of: value, withRespectTo: variables, seed: u, createGraph: true)[0]
    return gradients(of: (transposed * tangent).sum(), withRespectTo: [u], createGraph: nested)[0]
  }
  return (nested ? value : value.detached(), result)
}

/// The Hessian-vector product `∇²f(x) v`, by differentiating `⟨∇f(x), v⟩` (reverse over reverse).
public func hvp(of f: (Tensor) throws -> Tensor, at x: Tensor, v: Tensor) rethrows -> Tensor {
  try valueGradAndHVP(of: { try f($0[0]) }, at: [x], v: [v]).hvp[0]
}

/// The value, gradient and Hessian-vector product of `f` at `xs` along `vs` (one direction per
/// input), sharing one forward and one first backward pass.
public func valueGradAndHVP(of f: ([Tensor]) throws -> Tensor, at xs: [Tensor], v vs: [Tensor]) rethrows
  -> (value: Tensor, gradients: [Tensor], hvp: [Tensor])
{
  precondition(vs.count == xs.count, "hvp: \(vs.count) directions for \(xs.count) inputs")
  for (x, v) in zip(xs, vs) {
    precondition(x.shape == v.shape, "hvp: direction shape \(v.shape) differs from input shape \(x.shape)")
  }
  let (variables, value, nested) = try trace(xs, f)
  checkScalar(value, "hvp")
  return withGradients {
    let first = gradients(of: value, withRespectTo: variables, createGraph: true)
    // ∇⟨∇f, v⟩: the first gradients seeded with v, in one pass (no inner-product ops).
    let second = gradients(
      of: first, seeds: vs.map { $0.detached() }, withRespectTo: variables, createGraph: nested)
    let keep: (Tensor) -> Tensor = { nested ? $0 : $0.detached() }
    return (keep(value), first.map(keep), second)
  }
}

/// The value and gradient of a loss at one point, with the graph of the gradient kept so that
/// Hessian-vector products there cost one backward pass each: no second forward pass and first
/// backward pass, as separate ``valueGradAndHVP(of:at:v:)`` calls would need. A training step whose
/// optimizer estimates curvature (AdaHessian, SophiaH) takes its gradient from here and hands this
/// to the optimizer (`UpdateContext.curvature`). The graph lives as long as this object.
public final class CurvatureAtPoint: @unchecked Sendable {
  /// The loss (detached).
  public let value: Tensor
  /// The gradient (detached), equal to ``valueAndGrad(of:at:)``'s.
  public let gradient: ParameterTree
  private let variables: [Tensor]
  private let tracked: [Tensor]
  private let lock = NSLock()

  fileprivate init(value: Tensor, gradient: [Tensor], variables: [Tensor], paths: [String]) {
    self.value = value.detached()
    self.gradient = ParameterTree(Array(zip(paths, gradient.map { $0.detached() })))
    self.variables = variables
    self.tracked = gradient
  }

  /// H·v at the point, for `v` with the gradient's paths and shapes (as
  /// ``valueGradAndHVP(of:at:v:)``'s `hvp`, bit for bit). May be called any number of times.
  public func hessianVectorProduct(_ v: ParameterTree) -> ParameterTree {
    precondition(
      v.paths == gradient.paths, "hessianVectorProduct: direction paths \(v.paths) differ from the parameters' \(gradient.paths)")
    for (g, d) in zip(gradient.tensors, v.tensors) {
      precondition(
        g.shape == d.shape, "hessianVectorProduct: direction shape \(d.shape) differs from \(g.shape)")
    }
    let product = lock.withLock {
      withoutGradients {
        gradients(
          of: tracked, seeds: v.tensors.map { $0.detached() }, withRespectTo: variables,
          retainGraph: true)
      }
    }
    return ParameterTree(Array(zip(gradient.paths, product)))
  }
}

/// `f`'s value and gradient at `tree`, keeping the gradient's graph for Hessian-vector products at
/// the same point (see ``CurvatureAtPoint``). Not for use inside another differentiation.
public func valueGradAndCurvature(
  of f: (ParameterTree) throws -> Tensor, at tree: ParameterTree
) rethrows -> CurvatureAtPoint {
  let paths = tree.paths
  let (variables, value, _) = try trace(tree.tensors) {
    try f(ParameterTree(Array(zip(paths, $0))))
  }
  checkScalar(value, "valueGradAndCurvature")
  let first = withGradients {
    gradients(of: value, withRespectTo: variables, createGraph: true)
  }
  return CurvatureAtPoint(value: value, gradient: first, variables: variables, paths: paths)
}

/// The Hessian-vector product over a parameter tree: `v` has the tree's paths.
public func valueGradAndHVP(
  of f: (ParameterTree) throws -> Tensor, at tree: ParameterTree, v: ParameterTree
) rethrows -> (value: Tensor, gradient: ParameterTree, hvp: ParameterTree) {
  precondition(v.paths == tree.paths, "hvp: direction tree has different paths from the parameters")
  let paths = tree.paths
  let result = try valueGradAndHVP(
    of: { try f(ParameterTree(Array(zip(paths, $0)))) }, at: tree.tensors, v: v.tensors)
  return (
    result.value, ParameterTree(Array(zip(paths, result.gradients))),
    ParameterTree(Array(zip(paths, result.hvp)))
  )
}
