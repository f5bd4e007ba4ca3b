import Descent

/// Per-example gradients `∇_θ ℓᵢ(θ)` of a batch, `chunkSize` examples at a time so that at most a
/// `[chunkSize, d]` matrix is alive: `body(range, gradients)` receives each chunk's gradients as
/// the rows of a `[range.count, d]` matrix in ``ParameterLayout`` order, and may reduce them
/// (norms, a Fisher trace `(1/n) Σᵢ ‖∇ℓᵢ‖²`, M-FAC's gradient buffer) before the next chunk.
///
/// `loss(parameters, i)` is example `i`'s loss. Without a vectorizing map each example costs one
/// forward and one backward pass (PyTorch's `torch.func.vmap(grad)` batches them instead); the
/// chunking bounds memory, not time.
public func perExampleGradients(
  of loss: (ParameterTree, Int) -> Tensor, at parameters: ParameterTree, count: Int,
  chunkSize: Int = 64, _ body: (Range<Int>, Tensor) throws -> Void
) rethrows {
  precondition(count >= 0, "perExampleGradients: negative count \(count)")
  precondition(
    chunkSize >= 1, "perExampleGradients: chunkSize must be at least 1, got \(chunkSize)")
  let layout = ParameterLayout(parameters)
  var start = 0
  while start < count {
    let range = start..<min(start + chunkSize, count)
    let rows = range.map { i in layout.flatten(grad(of: { loss($0, i) }, at: parameters)) }
    try body(range, Tensor.stack(rows, axis: 0))
    start = range.upperBound
  }
}

/// `(1/n) Σᵢ ‖∇_θ gᵢ(θ)‖²` for per-example scalars `gᵢ = function(θ, i)`.
///
/// - With `gᵢ` the model's (scalar) output `f(xᵢ; θ)`, at an interpolating minimum of the squared
///   loss `(1/n) Σ ½(fᵢ − yᵢ)²` this is exactly `Tr(H)`, since there `H = (1/n) Σ ∇fᵢ∇fᵢᵀ`
///   (Wu and Su 2023): a deterministic alternative to Hutchinson for the trace that
///   ``StabilityThresholds/sgdTraceThreshold`` bounds.
/// - With `gᵢ` the example's loss it is the trace of the empirical Fisher `(1/n) Σ ∇ℓᵢ∇ℓᵢᵀ`.
public func meanSquaredGradientNorm(
  of function: (ParameterTree, Int) -> Tensor, at parameters: ParameterTree, count: Int,
  chunkSize: Int = 64
) -> Double {
  precondition(count >= 1, "meanSquaredGradientNorm: needs at least one example")
  var total = 0.0
  perExampleGradients(of: function, at: parameters, count: count, chunkSize: chunkSize) { _, g in
    total += g.square().sum().item
  }
  return total / Double(count)
}
