import Descent

/// Per-example gradients of an affine layer `zᵢ = W xᵢ + b` (`W` `[out, in]`, `b` `[out]`, as
/// DescentNN's `Linear` and PyTorch's `nn.Linear`) from one backward pass, not one per example:
/// with `δᵢ = ∂ℓᵢ/∂zᵢ` the gradient of example `i`'s loss with respect to the layer's output,
///
/// ```
/// ∇_W ℓᵢ = δᵢ xᵢᵀ,    ∇_b ℓᵢ = δᵢ
/// ```
///
/// (Goodfellow, "Efficient Per-Example Gradient Computations", arXiv:1510.01799, 2015). Get all
/// `δᵢ` at once as the gradient of `Σᵢ ℓᵢ` (sum, not mean) with respect to the outputs, since
/// `ℓᵢ` depends on `zᵢ` only. For a model that is a single affine map (linear or logistic
/// regression, softmax regression) these are the model's per-example gradients, exactly what
/// ``perExampleGradients(of:at:count:chunkSize:_:)`` returns at the cost of one example at a time.
///
/// - Parameters:
///   - inputs: `[b, in]`, the layer's inputs `xᵢ`.
///   - outputGradients: `[b, out]`, the `δᵢ`.
///   - bias: whether the layer has a bias (its gradients follow the weight's).
/// - Returns: `[b, out·in (+ out)]`, row `i` the flat gradient of example `i` in
///   ``ParameterLayout`` order of a tree `(weight, bias)`: `W` row-major, then `b`.
public func linearPerExampleGradients(inputs: Tensor, outputGradients: Tensor, bias: Bool = true)
  -> Tensor
{
  precondition(
    inputs.rank == 2 && outputGradients.rank == 2 && inputs.shape[0] == outputGradients.shape[0],
    "linearPerExampleGradients: inputs \(inputs.shape) and output gradients "
      + "\(outputGradients.shape) must be [b, in] and [b, out]")
  let (count, inSize, outSize) = (inputs.shape[0], inputs.shape[1], outputGradients.shape[1])
  let weight = (outputGradients.unsqueezed(axis: 2) * inputs.unsqueezed(axis: 1))
    .reshaped([count, outSize * inSize])
  return bias ? Tensor.concatenate([weight, outputGradients], axis: 1) : weight
}
