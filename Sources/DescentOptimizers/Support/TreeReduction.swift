import Descent

/// Sums over the elements of several same-shaped parameter trees (dot products, squared norms,
/// L1 norms), for the optimizers whose elementwise pass needs scalars computed over the whole
/// tree first (Prodigy, D-Adaptation, DoG, DoWG, Mechanic, MoMo, Polyak SGD).
///
/// `partialSums` adds up to four sums over one range of one tensor's elements, in Double; the
/// input pointers are the trees' tensors in the order given to ``reduceTrees(_:_:)``.
protocol TreeReduction {
  func partialSums<T: TensorFloat>(_ inputs: [UnsafePointer<T>], _ range: Range<Int>)
    -> SIMD4<Double>
}

/// Elements per block of a reduction (fixed, so that the sums do not depend on the thread count).
private let reductionBlock = 1 << 14

/// The sums of `reduction` over every tensor of `trees` (all shaped alike): each tensor in fixed
/// blocks of ``reductionBlock`` elements, summed in parallel and combined in block order, then the
/// tensors in tree order — the same bits whatever the thread count.
func reduceTrees<R: TreeReduction>(_ reduction: R, _ trees: [ParameterTree]) -> SIMD4<Double> {
  precondition(!trees.isEmpty, "reduceTrees: no trees")
  var total = SIMD4<Double>()
  for i in 0..<trees[0].count {
    let tensors = trees.map { $0[index: i] }
    switch tensors[0].dtype {
    case .float32: total += reduceTensors(reduction, Float.self, tensors)
    case .float64: total += reduceTensors(reduction, Double.self, tensors)
    default: preconditionFailure("reduceTrees: \(tensors[0].dtype) tensors are not trainable")
    }
  }
  return total
}

private func reduceTensors<R: TreeReduction, T: TensorFloat>(
  _ reduction: R, _: T.Type, _ tensors: [Tensor]
) -> SIMD4<Double> {
  let count = tensors[0].count
  for t in tensors {
    precondition(
      t.count == count && t.dtype == tensors[0].dtype, "reduceTrees: tensors differ in shape")
  }
  let blocks = (count + reductionBlock - 1) / reductionBlock
  if blocks == 0 { return SIMD4() }
  func withPointers<Result>(
    _ k: Int, _ collected: [UnsafePointer<T>], _ body: ([UnsafePointer<T>]) -> Result
  ) -> Result {
    if k == tensors.count { return body(collected) }
    return tensors[k].withUnsafeBufferPointer(as: T.self) { buffer in
      withPointers(k + 1, collected + [buffer.baseAddress!], body)
    }
  }
  return withPointers(0, []) { pointers in
    if blocks == 1 { return reduction.partialSums(pointers, 0..<count) }
    let partial = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: blocks)
    defer { partial.deallocate() }
    Parallelism.forEachChunk(count: blocks, grain: 4) { chunk in
      for k in chunk {
        let start = k * reductionBlock
        partial[k] = reduction.partialSums(
          pointers, start..<Swift.min(count, start + reductionBlock))
      }
    }
    var total = SIMD4<Double>()
    for k in 0..<blocks { total += partial[k] }
    return total
  }
}

extension FusedTarget {
  /// The parameters before the step: `target` itself for `.parameters`, else the tree the mode
  /// names. `name` names the optimizer when a transform of the updates gives none.
  func parameters(_ target: ParameterTree, name: String) -> ParameterTree {
    switch self {
    case .parameters: return target
    case .updates(let parameters): return parameters
    case .values(let parameters):
      guard let parameters else { preconditionFailure("\(name) needs the parameters") }
      return parameters
    }
  }
}
