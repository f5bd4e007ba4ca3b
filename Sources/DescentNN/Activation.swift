import Descent

/// Every activation function of the core as a parameter-free layer, with PyTorch's definitions
/// and defaults (`nn.ReLU`, `nn.LeakyReLU(0.01)`, `nn.ELU(1)`, `nn.SELU`, `nn.GELU` exact or
/// `approximate='tanh'`, `nn.Softplus(1, 20)`, `nn.SiLU`, `nn.Tanh`, `nn.Sigmoid`,
/// `nn.Softmax(dim)`, `nn.LogSoftmax(dim)`, `nn.Identity`).
public enum Activation: Layer, Sendable, Equatable {
  case identity
  case relu
  case leakyRelu(negativeSlope: Double = 0.01)
  case elu(alpha: Double = 1)
  case selu
  case gelu
  case geluTanh
  case softplus(beta: Double = 1, threshold: Double = 20)
  case silu
  case tanh
  case sigmoid
  case softmax(axis: Int = -1)
  case logSoftmax(axis: Int = -1)

  /// The function applied to `x`.
  public func callAsFunction(_ x: Tensor, context: ForwardContext) -> Tensor {
    switch self {
    case .identity: x
    case .relu: x.relu()
    case .leakyRelu(let slope): x.leakyRelu(negativeSlope: slope)
    case .elu(let alpha): x.elu(alpha: alpha)
    case .selu: x.selu()
    case .gelu: x.gelu()
    case .geluTanh: x.gelu(approximation: .tanh)
    case .softplus(let beta, let threshold): x.softplus(beta: beta, threshold: threshold)
    case .silu: x.silu()
    case .tanh: x.tanh()
    case .sigmoid: x.sigmoid()
    case .softmax(let axis): x.softmax(axis: axis)
    case .logSoftmax(let axis): x.logSoftmax(axis: axis)
    }
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {}
}
