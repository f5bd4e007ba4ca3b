import Descent

/// A fused optimizer step over a tree in which some parameters keep 8-bit state.
///
/// The parameters without 8-bit state go, as one sub-tree, through `fullPrecisionStep` (the
/// optimizer's ordinary ``fusedStep`` over `fullPrecisionState`, whose trees hold exactly those
/// paths). Each parameter with 8-bit state goes through `quantizedStep`, which receives the float32
/// parameter (read and written in place), the gradient and the parameter's quantized buffers.
/// In `.updates` mode the step runs on a copy of the parameter and the output is `new − old`.
func fusedStepWithQuantizedState(
  name: String, into target: inout ParameterTree, mode: FusedTarget, gradients: ParameterTree,
  fullPrecisionState: inout [ParameterTree], quantized: inout QuantizedStateTree?,
  fullPrecisionStep: (inout ParameterTree, FusedTarget, ParameterTree, inout [ParameterTree]) ->
    Void,
  quantizedStep: (
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ buffers: inout [QuantizedTensor]
  ) -> Void
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

  // 8-bit parameters, one at a time (each step is parallel over its blocks).
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
    func run(_ parameter: inout Tensor) {
      let count = parameter.count
      gradient.withUnsafeBufferPointer(as: Float.self) { g in
        parameter.withUnsafeMutableBufferPointer(as: Float.self) { p in
          if count > 0 { quantizedStep(p.baseAddress!, g.baseAddress!, count, &buffers) }
        }
      }
    }
    switch mode {
    case .parameters:
      run(&output)
    case .updates(let parameters):
      let old = parameters[index: i]
      var new = old
      run(&new)
      output = withoutGradients { new - old }
    case .values:
      preconditionFailure("\(name): 8-bit state is for optimizers, not transforms of the updates")
    }
    target[index: i] = output
    tree.entries[e].buffers = buffers
  }
  quantized = tree
}
