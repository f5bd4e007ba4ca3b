import Descent

/// Raw pointers to one parameter tensor's buffers during a per-tensor optimizer step: rules that
/// reduce over a whole tensor (a norm, a row or column mean) before they update it, such as
/// LAMB's trust ratio or Adafactor's factored second moment.
///
/// Like ``FusedBuffers``, but the whole tensor at once, its shape, and state buffers of any
/// shape (a row factor, a scalar). The output may alias the parameter or the gradient buffer, so
/// a kernel reads element `i` of both before it stores element `i`.
struct TensorBuffers<Scalar: TensorFloat> {
  let parameter: UnsafePointer<Scalar>
  let gradient: UnsafePointer<Scalar>
  let output: UnsafeMutablePointer<Scalar>
  let storesDifference: Bool
  /// The state tensors of this parameter, in the order the optimizer passed them.
  let state: [UnsafeMutableBufferPointer<Scalar>]
  let shape: [Int]
  let count: Int
  /// The tensor's position in the parameter tree.
  let index: Int

  /// Stores the new value of parameter element `i`.
  @inline(__always) func store(_ newValue: Scalar, at i: Int) {
    output[i] = storesDifference ? newValue - parameter[i] : newValue
  }
}

/// A step over one whole tensor; scalars are passed as `Double` and converted by the kernel, so
/// float32 and float64 share one implementation.
protocol TensorKernel {
  func run<Scalar: TensorFloat>(_ buffers: TensorBuffers<Scalar>)
}

/// Runs `kernel` over every parameter tensor in tree order, one tensor at a time (each kernel
/// reduces over its tensor in a fixed order, so results do not depend on the thread count).
/// `target` and `mode` as ``runFusedKernel(_:name:into:mode:gradients:state:)``; each state
/// tree has the parameters' paths, and its tensors may have any shape of the parameter's dtype.
func runTensorKernel<K: TensorKernel>(
  _ kernel: K, name: String, into target: inout ParameterTree, mode: FusedTarget,
  gradients: ParameterTree, state: inout [ParameterTree]
) {
  precondition(
    gradients.paths == target.paths,
    "\(name): gradients have paths \(gradients.paths), parameters \(target.paths)")
  for tree in state {
    precondition(tree.paths == target.paths, "\(name): state does not match the parameters' paths")
  }
  for i in 0..<target.count {
    // Take the tensors out of their trees so their storage is uniquely referenced.
    var output = target[index: i]
    target[index: i] = placeholderTensor
    var buffers = state.map { $0[index: i] }
    for s in state.indices { state[s][index: i] = placeholderTensor }
    let gradient = gradients[index: i]
    let readParameter: Tensor?
    let storesDifference: Bool
    switch mode {
    case .parameters: (readParameter, storesDifference) = (nil, false)
    case .updates(let parameters): (readParameter, storesDifference) = (parameters[index: i], true)
    case .values(let parameters): (readParameter, storesDifference) = (parameters?[index: i], false)
    }
    precondition(
      gradient.shape == output.shape && gradient.dtype == output.dtype,
      "\(name): \(target.paths[i]) is \(output.dtype) \(output.shape), gradient is \(gradient.dtype) \(gradient.shape)"
    )
    switch output.dtype {
    case .float32:
      runOne(kernel, Float.self, i, &output, readParameter, storesDifference, gradient, &buffers)
    case .float64:
      runOne(kernel, Double.self, i, &output, readParameter, storesDifference, gradient, &buffers)
    default:
      preconditionFailure(
        "\(name): \(target.paths[i]) is \(output.dtype); only float tensors train")
    }
    target[index: i] = output
    for s in state.indices { state[s][index: i] = buffers[s] }
  }
}

private func runOne<K: TensorKernel, T: TensorFloat>(
  _ kernel: K, _: T.Type, _ index: Int, _ output: inout Tensor, _ parameter: Tensor?,
  _ storesDifference: Bool, _ gradient: Tensor, _ buffers: inout [Tensor]
) {
  let shape = output.shape
  let count = output.count
  let out = output.withUnsafeMutableBufferPointer(as: T.self) { $0 }
  let states = buffers.indices.map { s in
    precondition(
      buffers[s].dtype == output.dtype,
      "tensor step: state buffer \(s) is \(buffers[s].dtype), parameter \(output.dtype)")
    return buffers[s].withUnsafeMutableBufferPointer(as: T.self) { $0 }
  }
  let grad = gradient.withUnsafeBufferPointer(as: T.self) { $0 }
  let param = parameter.map { p in p.withUnsafeBufferPointer(as: T.self) { $0 } }
  withExtendedLifetime((output, buffers, gradient, parameter)) {
    guard count > 0, let outBase = out.baseAddress else { return }
    let pointers = TensorBuffers(
      parameter: param?.baseAddress ?? UnsafePointer(outBase), gradient: grad.baseAddress!,
      output: outBase, storesDifference: storesDifference, state: states, shape: shape,
      count: count, index: index)
    kernel.run(pointers)
  }
}

/// √(Σ x²) of `n` values, accumulated in `Double` in index order.
@inline(__always) func euclideanNorm<T: TensorFloat>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
  var total = 0.0
  for i in 0..<n {
    let v = Double(x[i])
    total += v * v
  }
  return total.squareRoot()
}
