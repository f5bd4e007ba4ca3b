import Descent

/// A multilayer perceptron: `Linear(widths[0], widths[1])`, activation, …, `Linear(widths[n−2],
/// widths[n−1])` (no activation after the last), laid out as PyTorch's
/// `nn.Sequential(Linear, act, Linear, …)`, so the paths are `0.weight`, `0.bias`, `2.weight`, ….
/// PyTorch's default initialization; each linear layer gets `key.split(into:)[i]`.
public struct MLP: Layer {
  public var layers: Sequential

  public init(
    widths: [Int], activation: Activation = .relu, bias: Bool = true, dtype: DType = .float32,
    key: RandomKey
  ) {
    precondition(widths.count >= 2, "MLP: needs at least input and output widths, got \(widths)")
    let keys = key.split(into: widths.count - 1)
    var layers: [any Layer] = []
    for i in 0..<(widths.count - 1) {
      if i > 0 { layers.append(activation) }
      layers.append(Linear(widths[i], widths[i + 1], bias: bias, dtype: dtype, key: keys[i]))
    }
    self.layers = Sequential(layers)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    layers(input, context: context)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    layers.visitParameters(prefix: prefix, visit)
  }
}
