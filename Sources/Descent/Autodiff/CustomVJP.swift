/// A differentiable function with a vector-Jacobian rule of the caller's — JAX's
/// `jax.custom_vjp`, PyTorch's `torch.autograd.Function`. For estimators whose backward is not the
/// derivative of the forward (straight-through and rectified straight-through binarization,
/// gradient clipping or reversal layers) and for hand-derived rules that are cheaper than the
/// recorded ones.
///
/// `forward` computes the output from the inputs; its own ops are not recorded. When gradients are
/// being recorded and some input is tracked, the output gets one node whose rule is `backward`:
/// given the output's gradient ḡ, the inputs and the output, it returns one gradient per input —
/// each of that input's shape and dtype — or `nil` for an input that gets none.
///
/// Higher order: `backward` is written in `Tensor` ops and receives the tracked inputs, so when a
/// backward pass itself records (`createGraph: true`, Hessian-vector products) the rule's ops are
/// recorded too, and differentiating again differentiates the rule as written — the derivative of
/// the custom gradient, not of `forward` (as in JAX and PyTorch).
///
/// ```swift
/// // sign(x) forward, the straight-through estimator 1[|x| ≤ 1] backward.
/// let y = customVJP("ste sign", inputs: [x], forward: { $0[0].sign() }) { g, inputs, _ in
///   [g * (inputs[0].abs() .<= 1).cast(to: g.dtype)]
/// }
/// ```
///
/// A rule that returns the wrong number of gradients, or a gradient of the wrong shape or dtype,
/// stops the backward pass with a message naming `name`.
public func customVJP(
  _ name: String, inputs: [Tensor], forward: ([Tensor]) -> Tensor,
  backward:
    @escaping @Sendable (_ gradient: Tensor, _ inputs: [Tensor], _ output: Tensor) ->
    [Tensor?]
) -> Tensor {
  let output = withoutGradients { forward(inputs.map { $0.detached() }) }
  guard GradMode.isRecording, inputs.contains(where: { $0.gradNode != nil }) else {
    return output
  }
  let shapes = inputs.map { ($0.shape, $0.dtype) }
  let node = GradNode(
    name: name, inputs: inputs.map(\.gradNode), shape: output.shape, dtype: output.dtype,
    backward: { gradient, output in
      let gradients = backward(gradient, inputs, output)
      precondition(
        gradients.count == shapes.count,
        "customVJP \(name): the rule returned \(gradients.count) gradients for \(shapes.count) "
          + "inputs")
      for (index, g) in gradients.enumerated() {
        guard let g else { continue }
        precondition(
          g.shape == shapes[index].0 && g.dtype == shapes[index].1,
          "customVJP \(name): the gradient of input \(index) is \(g.dtype) \(g.shape), the input "
            + "is \(shapes[index].1) \(shapes[index].0)")
      }
      return gradients
    })
  node.savedOutput = output.storage
  var result = output
  result.gradNode = node
  return result
}
