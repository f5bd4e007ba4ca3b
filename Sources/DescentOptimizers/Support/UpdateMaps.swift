import Descent

/// An elementwise function of an update and its parameter, applied by ``mapUpdates``.
protocol UpdateMap {
  func callAsFunction<T: TensorFloat>(_ update: T, _ parameter: T) -> T
}

/// Runs `map` in place over every update (one pass, chunked over threads). `parameters` are read
/// when given (weight decay), else the map's parameter argument is the update itself.
func mapUpdates<M: UpdateMap>(
  _ updates: inout ParameterTree, parameters: ParameterTree?, name: String, _ map: M
) {
  var noState: [ParameterTree] = []
  let gradients = updates
  runFusedKernel(
    UpdateMapKernel(map: map), name: name, into: &updates, mode: .values(parameters: parameters),
    gradients: gradients, state: &noState)
}

struct UpdateMapKernel<M: UpdateMap>: FusedKernel {
  let map: M
  func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
    for i in range { b.store(map(b.gradient[i], b.parameter[i]), at: i) }
  }
}

/// The squared ℓ2 norm of all the tensors of `tree`, accumulated in Double in a fixed order.
func squaredGlobalNorm(_ tree: ParameterTree) -> Double {
  var total = 0.0
  for tensor in tree.tensors {
    switch tensor.dtype {
    case .float32:
      tensor.withUnsafeBufferPointer(as: Float.self) {
        for x in $0 { total += Double(x) * Double(x) }
      }
    case .float64:
      tensor.withUnsafeBufferPointer(as: Double.self) { for x in $0 { total += x * x } }
    default: preconditionFailure("global norm: \(tensor.dtype) tensors are not trainable")
    }
  }
  return total
}

/// The state of a transformation that keeps none.
public struct EmptyState: Codable, Sendable, Equatable {
  public init() {}
}
