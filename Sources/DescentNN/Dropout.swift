import Descent

/// Dropout (Srivastava et al. 2014), PyTorch's `nn.Dropout`: in training mode each element is
/// zeroed with probability `p` and the rest scaled by `1/(1 − p)`; in evaluation mode the
/// identity. The mask is `Tensor.bernoulli(probability: 1 − p, key:)` with the context's key, so a
/// given key gives the same mask on every run and thread count (PyTorch's masks differ: another
/// generator). Training mode needs ``ForwardContext/randomKey``. No parameters.
public struct Dropout: Layer {
  public var probability: Double

  public init(probability: Double = 0.5) {
    precondition(
      probability >= 0 && probability <= 1,
      "Dropout: probability must be in [0, 1], got \(probability)")
    self.probability = probability
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    guard context.training, probability > 0 else { return input }
    if probability == 1 { return input * 0 }
    guard let key = context.randomKey else {
      preconditionFailure("Dropout: training mode needs a random key in the ForwardContext")
    }
    let keep = Tensor.bernoulli(
      input.shape, probability: 1 - probability, dtype: input.dtype, key: key)
    return input * (keep * (1 / (1 - probability)))
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {}
}
