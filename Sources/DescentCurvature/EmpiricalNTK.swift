import Descent

/// The empirical neural tangent kernel Θ = J Jᵀ `[n, n]` of a model's `n` scalar outputs
/// f(θ) ∈ ℝⁿ (one per input), J = ∂f/∂θ `[n, P]` (Jacot, Gabriel and Hongler, "Neural Tangent
/// Kernel: Convergence and Generalization in Neural Networks", NeurIPS 2018):
/// Θᵢⱼ = ⟨∇_θ fᵢ, ∇_θ fⱼ⟩, the kernel of the network linearized at θ.
///
/// J is never materialized: column j is J(Jᵀeⱼ), one vector-Jacobian product giving the gradient
/// gⱼ = ∇_θ fⱼ and one Jacobian-vector product of the whole output along it (neural-tangents'
/// `empirical_ntk_fn` with `implementation=2`, "NTK-vector products"). Memory is O(P) — a few
/// parameter-sized vectors — whatever n; time is n vjp's and n jvp's of the batched model. The
/// result is symmetrized, (Θ + Θᵀ)/2, which removes the rounding asymmetry of the two products.
///
/// - Parameters:
///   - outputs: the model's outputs on the n inputs as a `[n]` vector, a function of the
///     parameter tree (built from the tree's tensors so that autodiff sees them).
///   - parameters: θ; all tensors of one floating-point dtype (``ParameterLayout``).
public func empiricalNTK(
  of outputs: (ParameterTree) -> Tensor, at parameters: ParameterTree
) -> Tensor {
  let layout = ParameterLayout(parameters)
  let flat = layout.flatten(parameters).detached()
  func model(_ vector: Tensor) -> Tensor { outputs(layout.unflatten(vector)) }
  let value = model(flat)
  precondition(
    value.rank == 1, "empiricalNTK: outputs must be a [n] vector, got shape \(value.shape)")
  let n = value.shape[0]
  var columns: [Tensor] = []
  for j in 0..<n {
    var basis = [Double](repeating: 0, count: n)
    basis[j] = 1
    let cotangent = Tensor(basis, shape: [n], dtype: value.dtype)
    let gradient = vjp(of: model, at: flat, cotangent: cotangent).vjp
    columns.append(jvp(of: model, at: flat, tangent: gradient).jvp.detached())
  }
  let theta = Tensor.stack(columns, axis: 1)
  return (theta + theta.transposed()) * theta.scalar(0.5)
}
