/// One node of the dynamic autodiff graph: the op that produced a tensor, its inputs' nodes and
/// its vector-Jacobian rule.
///
/// The rule is written in differentiable `Tensor` ops, so when the backward pass itself records
/// (``gradients(of:withRespectTo:seed:createGraph:)`` with `createGraph: true`) the gradient can be
/// differentiated again: this is how Hessian-vector products are computed (reverse over reverse).
public final class GradNode: @unchecked Sendable {
  /// A vector-Jacobian rule: given the gradient of the output (and the output itself, tracked by
  /// this node), the gradient of each input, or `nil` where an input needs none.
  public typealias Backward = (_ gradient: Tensor, _ output: Tensor) -> [Tensor?]

  /// The op's name, for error messages and debugging.
  public let name: String
  /// Nodes of the inputs, `nil` for inputs that are not being differentiated.
  public private(set) var inputs: [GradNode?]
  /// Shape and dtype of the tensor this node produced.
  public let shape: [Int]
  public let dtype: DType
  var backward: Backward?
  /// The produced values, kept when the rule needs them (exp, sigmoid, sqrt, ...).
  var savedOutput: TensorStorage?

  init(name: String, inputs: [GradNode?], shape: [Int], dtype: DType, backward: Backward?) {
    self.name = name
    self.inputs = inputs
    self.shape = shape
    self.dtype = dtype
    self.backward = backward
  }

  /// A leaf: a variable whose gradient is asked for. `parent` links it to an outer differentiation
  /// when differentiations are nested, so that an inner gradient stays differentiable.
  static func leaf(for tensor: Tensor) -> GradNode {
    if let parent = tensor.gradNode {
      return GradNode(
        name: "variable", inputs: [parent], shape: tensor.shape, dtype: tensor.dtype,
        backward: { g, _ in [g] })
    }
    return GradNode(name: "variable", inputs: [], shape: tensor.shape, dtype: tensor.dtype, backward: nil)
  }

  /// Frees the rule and what it captured, once a backward pass that does not keep the graph has used it.
  func release() {
    backward = nil
    savedOutput = nil
    inputs = []
  }

  /// The output tensor of this node, tracked by it (only when `savedOutput` was kept).
  func outputTensor() -> Tensor {
    guard let savedOutput else {
      preconditionFailure("GradNode \(name): output was not saved, or the graph was already freed")
    }
    return Tensor(storage: savedOutput, shape: shape, dtype: dtype, gradNode: self)
  }
}

extension Tensor {
  /// A copy of this tensor that is a differentiation variable: gradients with respect to it can be
  /// asked for with ``gradients(of:withRespectTo:seed:createGraph:)``. If this tensor is itself
  /// tracked by an outer differentiation, the variable stays connected to it.
  public func trackingGradients() -> Tensor {
    precondition(dtype.isFloatingPoint, "trackingGradients: \(dtype) tensors are not differentiable")
    return Tensor(storage: storage, shape: shape, dtype: dtype, gradNode: GradNode.leaf(for: self))
  }
}

/// Records the result of a differentiable op: when gradients are being recorded and some input is
/// tracked, attaches a node with the given rule; otherwise returns `output` untouched.
///
/// - Parameters:
///   - savesOutput: keep the output's values for the rule, which then receives it as `output`.
@inlinable
func record(
  _ name: StaticString, _ output: Tensor, inputs: [Tensor], savesOutput: Bool = false,
  _ backward: @escaping GradNode.Backward
) -> Tensor {
  var anyTracked = false
  for input in inputs where input.gradNode != nil {
    anyTracked = true
    break
  }
  guard anyTracked, GradMode.isRecording else { return output }
  return attachNode(name, output, inputs: inputs, savesOutput: savesOutput, backward)
}

@usableFromInline
func attachNode(
  _ name: StaticString, _ output: Tensor, inputs: [Tensor], savesOutput: Bool,
  _ backward: @escaping GradNode.Backward
) -> Tensor {
  let node = GradNode(
    name: "\(name)", inputs: inputs.map(\.gradNode), shape: output.shape, dtype: output.dtype,
    backward: backward)
  if savesOutput { node.savedOutput = output.storage }
  var result = output
  result.gradNode = node
  return result
}
