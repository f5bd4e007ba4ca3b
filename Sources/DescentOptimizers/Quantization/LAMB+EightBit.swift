import Descent

extension LAMB {
  /// One LAMB step over a tree in which the parameters listed in `quantized` keep 8-bit m
  /// (signed dynamic map) and v (unsigned dynamic map), block-wise as bitsandbytes does.
  ///
  /// LAMB's trust ratio needs the norm of the whole update before any element is written, so the
  /// 8-bit parameters are not stepped block by block in one pass as Adam's are: each one's m and
  /// v are dequantized into float32 buffers, stepped by the same ``Kernel`` as 32-bit state (so
  /// the update uses the unrounded new m and v, and a first step equals the 32-bit one bit for
  /// bit), and requantized with fresh block absmax. The float32 buffers exist for one parameter
  /// at a time: the extra memory is 8 bytes per element of the largest 8-bit parameter, while
  /// the state kept between steps is 2 bytes per element plus the block absmax.
  ///
  /// The other parameters go through the ordinary per-tensor step with `fullPrecision` (m and v
  /// trees over exactly their paths).
  func stepWithQuantizedState(
    _ kernel: Kernel, into target: inout ParameterTree, mode: FusedTarget,
    gradients: ParameterTree, fullPrecision: inout [ParameterTree],
    quantized: inout QuantizedStateTree
  ) {
    precondition(
      gradients.paths == target.paths,
      "lamb: gradients have paths \(gradients.paths), parameters \(target.paths)")
    let eightBit = Dictionary(uniqueKeysWithValues: quantized.entries.indices.map {
      (quantized.entries[$0].path, $0)
    })
    var nextFullPrecision = 0
    for i in 0..<target.count {
      let path = target.paths[i]
      var one = ParameterTree([(path, target[index: i])])
      target[index: i] = placeholderTensor
      let gradient = ParameterTree([(path, gradients[index: i])])
      let oneMode: FusedTarget
      switch mode {
      case .parameters: oneMode = .parameters
      case .updates(let parameters):
        oneMode = .updates(parameters: ParameterTree([(path, parameters[index: i])]))
      case .values(let parameters):
        oneMode = .values(parameters: parameters.map { ParameterTree([(path, $0[index: i])]) })
      }
      if let e = eightBit[path] {
        let old = quantized.entries[e].buffers
        precondition(old.count == 2, "lamb: 8-bit state needs m and v, got \(old.count)")
        var moments = old.map { ParameterTree([(path, $0.dequantized())]) }
        quantized.entries[e].buffers = []
        runTensorKernel(
          kernel, name: "lamb", into: &one, mode: oneMode, gradients: gradient, state: &moments)
        quantized.entries[e].buffers = zip(old, moments).map { previous, moment in
          QuantizedTensor(moment[index: 0], map: previous.mapKind, blockSize: previous.blockSize)
        }
      } else {
        let k = nextFullPrecision
        nextFullPrecision += 1
        precondition(
          fullPrecision.allSatisfy { $0.paths.count > k && $0.paths[k] == path },
          "lamb: 32-bit state does not match the parameters at \(path)")
        var moments = fullPrecision.map { ParameterTree([(path, $0[index: k])]) }
        for s in fullPrecision.indices { fullPrecision[s][index: k] = placeholderTensor }
        runTensorKernel(
          kernel, name: "lamb", into: &one, mode: oneMode, gradients: gradient, state: &moments)
        for s in fullPrecision.indices { fullPrecision[s][index: k] = moments[s][index: 0] }
      }
      target[index: i] = one[index: 0]
    }
  }
}
