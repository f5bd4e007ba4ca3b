/// Reverse-mode differentiation over the dynamic graph.
///
/// Returns the gradient of `output` (weighted by `seed`, default ones, i.e. the gradient of the sum
/// of `output`) with respect to each of `variables`, which must be tracked tensors (see
/// ``Tensor/trackingGradients()``). A variable `output` does not depend on gets zeros.
///
/// - `createGraph: false` (default): the backward pass records nothing, and each node's rule and
///   saved values are freed as soon as they have been used: the graph cannot be used again.
/// - `createGraph: true`: the backward ops are themselves recorded, so the returned gradients are
///   tracked and can be differentiated again (PyTorch's `create_graph=True`), and the graph is kept.
public func gradients(
  of output: Tensor, withRespectTo variables: [Tensor], seed: Tensor? = nil,
  createGraph: Bool = false
) -> [Tensor] {
  gradients(of: [output], seeds: [seed], withRespectTo: variables, createGraph: createGraph)
}

/// The gradient of `Σᵢ ⟨outputsᵢ, seedsᵢ⟩` with respect to each of `variables`, in one backward
/// pass over the union of the outputs' graphs (a `nil` seed means ones). Seeding several outputs
/// at once spares building the weighted sum as ops: `valueGradAndHVP` seeds the gradients
/// themselves with the direction `v`. `retainGraph: true` keeps the graph for another pass without
/// recording this one (PyTorch's `retain_graph=True`; implied by `createGraph`).
public func gradients(
  of outputs: [Tensor], seeds: [Tensor?], withRespectTo variables: [Tensor], createGraph: Bool = false,
  retainGraph: Bool = false
) -> [Tensor] {
  precondition(
    outputs.count == seeds.count, "gradients(of:seeds:): \(seeds.count) seeds for \(outputs.count) outputs")
  let targets = variables.map { variable -> GradNode in
    guard let node = variable.gradNode else {
      preconditionFailure("gradients(of:): a variable is not tracked; call trackingGradients() on it first")
    }
    return node
  }
  var roots: [(node: GradNode, seed: Tensor)] = []
  for (output, seed) in zip(outputs, seeds) {
    precondition(output.dtype.isFloatingPoint, "gradients(of:): output is \(output.dtype), not floating point")
    let seed = seed ?? Tensor.ones(output.shape, dtype: output.dtype)
    precondition(
      seed.shape == output.shape, "gradients(of:): seed shape \(seed.shape) differs from output \(output.shape)")
    if let node = output.gradNode { roots.append((node, seed)) }
  }
  if roots.isEmpty { return variables.map { .zeros($0.shape, dtype: $0.dtype) } }
  let run = {
    backpropagate(roots: roots, targets: targets, keepGraph: createGraph || retainGraph)
  }
  let found = createGraph ? withGradients(run) : withoutGradients(run)
  return zip(variables, found).map { variable, gradient in
    gradient ?? .zeros(variable.shape, dtype: variable.dtype)
  }
}

/// The engine: nodes from which a target can be reached, in reverse topological order, each
/// receiving the sum of its consumers' gradients (and its seed, for a root) before its rule runs.
private func backpropagate(
  roots: [(node: GradNode, seed: Tensor)], targets: [GradNode], keepGraph: Bool
) -> [Tensor?] {
  let targetIDs = Set(targets.map(ObjectIdentifier.init))
  // Iterative depth-first search: post-order gives a topological order (inputs before consumers);
  // `leadsToTarget` prunes the parts of the graph that no gradient asked for depends on.
  var leadsToTarget: [ObjectIdentifier: Bool] = [:]
  var order: [GradNode] = []
  for (root, _) in roots where leadsToTarget[ObjectIdentifier(root)] == nil {
    leadsToTarget[ObjectIdentifier(root)] = false
    var stack: [(node: GradNode, nextInput: Int)] = [(root, 0)]
    while !stack.isEmpty {
      let (node, next) = stack[stack.count - 1]
      if next < node.inputs.count {
        stack[stack.count - 1].nextInput += 1
        if let input = node.inputs[next], leadsToTarget[ObjectIdentifier(input)] == nil {
          leadsToTarget[ObjectIdentifier(input)] = false
          stack.append((input, 0))
        }
        continue
      }
      stack.removeLast()
      let id = ObjectIdentifier(node)
      var reaches = targetIDs.contains(id)
      if !reaches {
        for input in node.inputs {
          if let input, leadsToTarget[ObjectIdentifier(input)] == true {
            reaches = true
            break
          }
        }
      }
      leadsToTarget[id] = reaches
      if reaches { order.append(node) }
    }
  }

  var pending: [ObjectIdentifier: Tensor] = [:]
  for (root, seed) in roots {
    let id = ObjectIdentifier(root)
    pending[id] = pending[id].map { $0 + seed } ?? seed
  }
  var results: [ObjectIdentifier: Tensor] = [:]
  for node in order.reversed() {
    let id = ObjectIdentifier(node)
    guard let gradient = pending.removeValue(forKey: id) else { continue }
    if targetIDs.contains(id) { results[id] = gradient }
    guard let backward = node.backward else { continue }
    let needsInputs = node.inputs.contains { input in
      input.map { leadsToTarget[ObjectIdentifier($0)] == true } ?? false
    }
    if needsInputs {
      let output =
        node.savedOutput != nil
        ? node.outputTensor() : Tensor.zeros([], dtype: node.dtype)
      let inputGradients = backward(gradient, output)
      precondition(
        inputGradients.count == node.inputs.count,
        "autodiff rule of \(node.name) returned \(inputGradients.count) gradients for \(node.inputs.count) inputs")
      for (input, inputGradient) in zip(node.inputs, inputGradients) {
        guard let input, let inputGradient, leadsToTarget[ObjectIdentifier(input)] == true else { continue }
        precondition(
          inputGradient.shape == input.shape,
          "autodiff rule of \(node.name) gave a gradient of shape \(inputGradient.shape) for an input of shape \(input.shape)")
        let inputID = ObjectIdentifier(input)
        if let existing = pending[inputID] {
          pending[inputID] = existing + inputGradient
        } else {
          pending[inputID] = inputGradient
        }
      }
    }
    if !keepGraph && !targetIDs.contains(id) { node.release() }
  }
  return targets.map { results[ObjectIdentifier($0)] }
}
