import Descent

/// The empirical neural tangent kernel Θ = J Jᵀ `[n, n]` of a model's `n` scalar outputs
/// f(θ) ∈ ℝⁿ (one per input), J = ∂f/∂θ `[n, P]` (Jacot, Gabriel and Hongler, "Neural Tangent
/// Kernel: Convergence and Generalization in Neural Networks", NeurIPS 2018):
/// Θᵢⱼ = ⟨∇_θ fᵢ, ∇_θ fⱼ⟩, the kernel of the network linearized at θ.
///
/// The rows of J are computed `chunkSize` at a time (one reverse pass each, ``ParameterLayout``
/// order) and each block Θ_AB = J_A J_Bᵀ is one GEMM, as PyTorch's `torch.func` recipe (jacrev,
/// then a contraction) and neural-tangents' `empirical_ntk_fn` (`implementation=1`) do it. At most
/// two chunks of J are alive — `2 · chunkSize · P` scalars —, and with n ≤ `chunkSize` every row
/// is computed once; beyond, the rows of later chunks are recomputed for each earlier chunk
/// (n + (n/c)(n/c − 1)/2 · c reverse passes), trading time for memory.
///
/// - Parameters:
///   - outputs: the model's outputs on the n inputs as a `[n]` vector, a function of the
///     parameter tree (built from the tree's tensors so that autodiff sees them).
///   - parameters: θ; all tensors of one floating-point dtype.
///   - chunkSize: rows of J computed together (≥ 1).
/// - Returns: Θ in the parameters' dtype, exactly symmetric.
public func empiricalNTK(
  of outputs: (ParameterTree) -> Tensor, at parameters: ParameterTree, chunkSize: Int = 32
) -> Tensor {
  precondition(chunkSize >= 1, "empiricalNTK: chunkSize must be ≥ 1, got \(chunkSize)")
  let layout = ParameterLayout(parameters)
  let value = outputs(parameters.map { $0.detached() })
  precondition(
    value.rank == 1, "empiricalNTK: outputs must be a [n] vector, got shape \(value.shape)")
  let n = value.shape[0]
  func rows(_ range: Range<Int>) -> Tensor {
    Tensor.stack(
      range.map { i in
        var basis = [Double](repeating: 0, count: n)
        basis[i] = 1
        let selector = Tensor(basis, shape: [n], dtype: value.dtype)
        return layout.flatten(grad(of: { (outputs($0) * selector).sum() }, at: parameters))
      }, axis: 0)
  }
  var theta = [Double](repeating: 0, count: n * n)
  var start = 0
  while start < n {
    let first = start..<min(start + chunkSize, n)
    let left = rows(first)
    var other = first.lowerBound
    while other < n {
      let second = other..<min(other + chunkSize, n)
      let block = left.matmulTransposed(other == start ? left : rows(second)).doubles
      for (a, i) in first.enumerated() {
        for (b, j) in second.enumerated() where j >= i {
          let entry =
            other == start
            ? 0.5 * (block[a * second.count + b] + block[b * second.count + a])
            : block[a * second.count + b]
          theta[i * n + j] = entry
          theta[j * n + i] = entry
        }
      }
      other = second.upperBound
    }
    start = first.upperBound
  }
  return Tensor(theta, shape: [n, n], dtype: value.dtype)
}
