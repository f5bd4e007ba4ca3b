import Descent

/// A fused optimizer step over a tree in which some parameters keep 8-bit state.
///
/// The parameters without 8-bit state go, as one sub-tree, through `fullPrecisionStep` (the
/// optimizer's ordinary ``fusedStep`` over `fullPrecisionState`, whose trees hold exactly those
/// paths). Each parameter with 8-bit state goes through `quantizedStep`, which receives the float32
/// parameter (read and written in place), the gradient and the parameter's quantized buffers and
/// returns the step bound to them as a closure over ranges of blocks; the ranges of all 8-bit
/// parameters (about 64 Ki values each) are then spread over the threads at once, so a model of
/// many tensors keeps every core busy (each block depends only on itself, so the result does not
/// depend on the assignment). In `.updates` mode the step runs on a copy of the parameter and the
/// output is `new − old`.
func fusedStepWithQuantizedState(
  name: String, into target: inout ParameterTree, mode: FusedTarget, gradients: ParameterTree,
  fullPrecisionState: inout [ParameterTree], quantized: inout QuantizedStateTree?,
  fullPrecisionStep: (inout ParameterTree, FusedTarget, ParameterTree, inout [ParameterTree]) ->
    Void,
  quantizedStep: (
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ buffers: inout [QuantizedTensor]
  ) -> (_ blocks: Range<Int>) -> Void
) {
  guard var tree = quantized else {
    fullPrecisionStep(&target, mode, gradients, &fullPrecisionState)
    return
  }
  quantized = nil
  precondition(
    gradients.paths == target.paths,
    "\(name): gradients have paths \(gradients.paths), parameters \(target.paths)")
  let quantizedPaths = Set(tree.paths)
  let paths = target.paths
  var position: [String: Int] = [:]
  for (i, path) in paths.enumerated() { position[path] = i }

  // Full-precision parameters: moved (not copied) into a sub-tree, stepped, moved back.
  var subTarget = ParameterTree()
  var subGradients = ParameterTree()
  var moved: [Int] = []
  for i in paths.indices where !quantizedPaths.contains(paths[i]) {
    subTarget.append(paths[i], target[index: i])
    target[index: i] = placeholderTensor
    subGradients.append(paths[i], gradients[index: i])
    moved.append(i)
  }
  let subMode: FusedTarget
  switch mode {
  case .parameters: subMode = .parameters
  case .updates(let parameters):
    subMode = .updates(parameters: parameters.excluding(quantizedPaths))
  case .values(let parameters): subMode = .values(parameters: parameters?.excluding(quantizedPaths))
  }
  fullPrecisionStep(&subTarget, subMode, subGradients, &fullPrecisionState)
  for (k, i) in moved.enumerated() { target[index: i] = subTarget[index: k] }

  // 8-bit parameters: bind each step to its buffers (kept alive in `prepared`), then run all
  // block ranges of all of them spread over the threads.
  var prepared: [PreparedQuantizedParameter] = []
  for e in tree.entries.indices {
    let path = tree.entries[e].path
    guard let i = position[path] else {
      preconditionFailure("\(name): 8-bit state for \(path), which is not a parameter")
    }
    var buffers = tree.entries[e].buffers
    tree.entries[e].buffers = []
    let gradient = gradients[index: i]
    var output = target[index: i]
    target[index: i] = placeholderTensor
    precondition(
      output.dtype == .float32 && gradient.dtype == .float32 && gradient.shape == output.shape
        && buffers.allSatisfy { $0.shape == output.shape },
      "\(name): \(path) is \(output.dtype) \(output.shape), gradient \(gradient.dtype) \(gradient.shape), 8-bit state \(buffers.map(\.shape))"
    )
    var old: Tensor? = nil
    switch mode {
    case .parameters: break
    case .updates(let parameters):
      old = parameters[index: i]
      output = parameters[index: i]  // stepped in place after being made unique below
    case .values:
      preconditionFailure("\(name): 8-bit state is for optimizers, not transforms of the updates")
    }
    let count = output.count
    var body: ((Range<Int>) -> Void)? = nil
    if count > 0 {
      let p = output.withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
      let g = gradient.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
      body = quantizedStep(p, g, count, &buffers)
    }
    prepared.append(
      PreparedQuantizedParameter(
        entry: e, index: i, output: output, old: old, gradient: gradient, buffers: buffers,
        blocks: buffers.first?.blockCount ?? 0,
        blocksPerItem: QuantizedTensor.blocksPerWorkItem(
          blockSize: buffers.first?.blockSize ?? 256), body: body))
  }
  var items: [(parameter: Int, blocks: Range<Int>)] = []
  for (k, parameter) in prepared.enumerated() where parameter.body != nil {
    var start = 0
    while start < parameter.blocks {
      let end = min(parameter.blocks, start + parameter.blocksPerItem)
      items.append((k, start..<end))
      start = end
    }
  }
  withExtendedLifetime(prepared) {
    if items.count < 2 {
      for item in items { prepared[item.parameter].body!(item.blocks) }
    } else {
      Parallelism.forEachChunk(count: items.count, grain: 1) { range in
        for item in items[range] { prepared[item.parameter].body!(item.blocks) }
      }
    }
  }
  for parameter in prepared {
    var output = parameter.output
    if let old = parameter.old { output = withoutGradients { output - old } }
    target[index: parameter.index] = output
    tree.entries[parameter.entry].buffers = parameter.buffers
  }
  quantized = tree
}

/// One 8-bit parameter of a step, taken out of its tree, with the step bound to its buffers.
private struct PreparedQuantizedParameter {
  let entry: Int
  let index: Int
  /// The parameter stepped in place (a unique copy of it in `.updates` mode).
  var output: Tensor
  /// The parameter before the step, in `.updates` mode.
  let old: Tensor?
  let gradient: Tensor
  var buffers: [QuantizedTensor]
  let blocks: Int
  let blocksPerItem: Int
  /// The step on a range of blocks; nil for an empty parameter.
  let body: ((Range<Int>) -> Void)?
}
