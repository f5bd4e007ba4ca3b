import Descent

/// Layers applied in order, PyTorch's `nn.Sequential`: child `i`'s paths start with `i.`
/// (`0.weight`, `2.bias`, …), parameter-free children included in the numbering. Child `i` gets
/// the context's key folded with `i`.
public struct Sequential: Layer {
  public var layers: [any Layer]

  public init(_ layers: [any Layer]) { self.layers = layers }
  public init(_ layers: any Layer...) { self.layers = layers }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    var x = input
    for (i, layer) in layers.enumerated() { x = layer(x, context: context.child(i)) }
    return x
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    for i in layers.indices { layers[i].visitParameters(prefix: prefix + "\(i).", visit) }
  }
}

/// A residual connection `y = x + body(x)` (He et al. 2016) around any layer whose output has the
/// input's shape. Adds no path level: the body's paths are the block's.
public struct Residual<Body: Layer>: Layer {
  public var body: Body

  public init(_ body: Body) { self.body = body }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input + body(input, context: context)
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    body.visitParameters(prefix: prefix, visit)
  }
}
