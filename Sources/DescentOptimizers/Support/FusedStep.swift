import Descent

/// Raw pointers to one parameter tensor's buffers during a fused optimizer step.
///
/// A kernel reads `parameter[i]` and `gradient[i]`, updates its state buffers in place, and ends
/// with ``store(_:at:)``, which writes either the new parameter (an optimizer's `apply`), the update
/// `new − old` (an optimizer's `update`), or the value itself (a transform of the updates). The
/// output may alias the parameter or the gradient buffer, so a kernel reads element `i` of both
/// before storing it.
public struct FusedBuffers<Scalar: TensorFloat> {
  public let parameter: UnsafePointer<Scalar>
  public let gradient: UnsafePointer<Scalar>
  public let output: UnsafeMutablePointer<Scalar>
  /// Whether `store` writes `newValue − parameter[i]` (an optimizer's `update`).
  public let storesDifference: Bool
  /// The per-parameter state buffers, in the order the optimizer passed them.
  public let state: [UnsafeMutablePointer<Scalar>]

  /// Whether the parameter is read from the output buffer (an in-place `apply`). Fast paths then
  /// read and write `output` only, so the compiler sees one buffer rather than two that overlap
  /// (an overlap defeats its run-time alias checks and keeps the loop scalar).
  public var parameterIsOutput: Bool {
    UnsafeRawPointer(parameter) == UnsafeRawPointer(output) && !storesDifference
  }

  /// Stores the new value of parameter element `i`.
  @inline(__always) public func store(_ newValue: Scalar, at i: Int) {
    output[i] = storesDifference ? newValue - parameter[i] : newValue
  }
}

/// An elementwise optimizer step over one chunk of one tensor. Scalars are passed as `Double` and
/// converted to `Scalar` by the kernel, so float32 and float64 share one implementation.
public protocol FusedKernel {
  func run<Scalar: TensorFloat>(_ buffers: FusedBuffers<Scalar>, _ range: Range<Int>)
}

/// Where a fused step writes.
public enum FusedTarget {
  /// Into the parameters themselves (`apply`).
  case parameters
  /// Into the updates tree as `new − old`; the parameters are read from the given tree
  /// (an optimizer's `update`).
  case updates(parameters: ParameterTree)
  /// Into the updates tree as the kernel's value; parameters (when given) are read from the tree
  /// (a transform of the updates).
  case values(parameters: ParameterTree?)
}

/// An optimizer whose whole step is one fused pass per parameter tensor (``fusedStep``): its
/// `update` (write the update into the incoming updates) and `apply` (write the new parameters in
/// place) both come from that one pass, so each elementwise optimizer states its algorithm once.
public protocol FusedOptimizer: GradientTransformation {
  /// One step: reads `gradients` (and the parameters `mode` names), updates `state`, writes
  /// into `target` as `mode` says.
  ///
  /// A scheduled hyperparameter is read at `context.step − 1`, the driver's step index, which
  /// keeps counting over skipped steps (``Optimizer/skipStep()``) while `state`'s own step count
  /// (bias corrections) does not.
  func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext)
}

extension FusedOptimizer {
  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let gradients = updates
    fusedStep(
      &updates, .updates(parameters: context.parameters), gradients, &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    fusedStep(&parameters, .parameters, gradients, &state, context: context)
  }
}

/// A tensor that stands in for an entry while that entry is being mutated, so the entry's storage
/// stays uniquely referenced and is written in place.
let placeholderTensor = Tensor.zeros([], dtype: .float32)

/// Runs `kernel` over every parameter tensor: one pass over parameter, gradient and `state`
/// buffers, in place, chunked over threads for large tensors. `target` holds the parameters
/// (`.parameters`) or the updates (which may hold the gradients on entry).
///
/// The building block of every elementwise optimizer, public so that an optimizer written
/// outside the package gets the same in-place, threaded, float32/float64 pass (docs/optimizers.md,
/// "Write your own optimizer"): its `fusedStep` moves its state trees into an array, calls this,
/// and moves them back. Chunks are disjoint, so results do not depend on the thread count.
public func runFusedKernel<K: FusedKernel>(
  _ kernel: K, name: String, into target: inout ParameterTree, mode: FusedTarget,
  gradients: ParameterTree, state: inout [ParameterTree]
) {
  precondition(
    gradients.paths == target.paths,
    "\(name): gradients have paths \(gradients.paths), parameters \(target.paths)")
  for tree in state {
    precondition(tree.paths == target.paths, "\(name): state does not match the parameters' paths")
  }
  // Pass 1: take every tensor out of its tree (so its storage is uniquely referenced and written
  // in place) and bind the kernel to its buffers.
  var prepared: [PreparedTensor] = []
  prepared.reserveCapacity(target.count)
  for i in 0..<target.count {
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
    let body: (Range<Int>) -> Void
    switch output.dtype {
    case .float32:
      body = bind(kernel, Float.self, &output, readParameter, storesDifference, gradient, &buffers)
    case .float64:
      body = bind(kernel, Double.self, &output, readParameter, storesDifference, gradient, &buffers)
    default:
      preconditionFailure(
        "\(name): \(target.paths[i]) is \(output.dtype); only float tensors train")
    }
    prepared.append(
      PreparedTensor(
        output: output, buffers: buffers, gradient: gradient, parameter: readParameter, body: body))
  }
  // Pass 2: every tensor's elements in chunks of at most 64K, all chunks of all tensors spread
  // over the threads at once (a model of many small tensors keeps both cores busy; elementwise,
  // so the result does not depend on how the chunks are assigned).
  let chunk = 1 << 16
  var items: [(tensor: Int, range: Range<Int>)] = []
  var total = 0
  for (t, tensor) in prepared.enumerated() {
    let count = tensor.output.count
    total += count
    var start = 0
    while start < count {
      items.append((t, start..<min(count, start + chunk)))
      start += chunk
    }
  }
  withExtendedLifetime(prepared) {
    if total < 2 * chunk {
      for item in items { prepared[item.tensor].body(item.range) }
    } else {
      Parallelism.forEachChunk(count: items.count, grain: 1) { range in
        for item in items[range] { prepared[item.tensor].body(item.range) }
      }
    }
  }
  // Pass 3: put the updated tensors back.
  for (i, tensor) in prepared.enumerated() {
    target[index: i] = tensor.output
    for s in state.indices { state[s][index: i] = tensor.buffers[s] }
  }
}

/// One tensor of a fused step, taken out of its tree, with the kernel bound to its buffers.
private struct PreparedTensor {
  var output: Tensor
  var buffers: [Tensor]
  let gradient: Tensor
  let parameter: Tensor?
  let body: (Range<Int>) -> Void
}

/// Binds `kernel` to the buffers of one tensor: the returned closure runs it on a range of
/// elements. The tensors must stay alive (the caller keeps them) while the closure is used.
private func bind<K: FusedKernel, T: TensorFloat>(
  _ kernel: K, _: T.Type, _ output: inout Tensor, _ parameter: Tensor?, _ storesDifference: Bool,
  _ gradient: Tensor, _ buffers: inout [Tensor]
) -> (Range<Int>) -> Void {
  let count = output.count
  if count == 0 { return { _ in } }
  let out = output.withUnsafeMutableBufferPointer(as: T.self) { $0.baseAddress! }
  let states = buffers.indices.map { s in
    precondition(
      buffers[s].count == count && buffers[s].dtype == output.dtype,
      "fused step: state buffer \(s) is \(buffers[s].dtype) \(buffers[s].shape), parameter \(output.dtype) \(output.shape)"
    )
    return buffers[s].withUnsafeMutableBufferPointer(as: T.self) { $0.baseAddress! }
  }
  let grad = gradient.withUnsafeBufferPointer(as: T.self) { $0.baseAddress! }
  let param = parameter.map { p in p.withUnsafeBufferPointer(as: T.self) { $0.baseAddress! } }
  let pointers = FusedBuffers(
    parameter: param ?? UnsafePointer(out), gradient: grad, output: out,
    storesDifference: storesDifference, state: states)
  return { range in kernel.run(pointers, range) }
}

/// A zero-filled tree shaped like `parameters` (a moment buffer's initial state).
public func zerosLike(_ parameters: ParameterTree) -> ParameterTree {
  parameters.map { Tensor.zeros(like: $0) }
}

/// A tree shaped like `parameters` filled with `value`.
func filledLike(_ parameters: ParameterTree, _ value: Double) -> ParameterTree {
  parameters.map { Tensor.full($0.shape, value: value, dtype: $0.dtype) }
}

/// One chunk of an in-place float32 step, as the `Float` pointers that the C kernels of
/// CDescentKernels (OptimizerKernels.h) take. Those kernels perform the Swift loops' operations in
/// the same order, so they give the same bits, but are compiled for AVX-512 and AVX2 as well as
/// baseline x86-64 (Swift code runs with SSE2's four lanes and no FMA; see docs/optimizers.md).
struct InPlaceFloat32Chunk<Scalar: TensorFloat> {
  let buffers: FusedBuffers<Scalar>
  let start: Int
  /// Elements in the chunk (the C kernels' `n`).
  let count: Int

  /// The parameter, read and written (the output buffer).
  var parameter: UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(buffers.output).assumingMemoryBound(to: Float.self) + start
  }
  var gradient: UnsafePointer<Float> {
    UnsafeRawPointer(buffers.gradient).assumingMemoryBound(to: Float.self) + start
  }
  /// State buffer `s`, in the order the optimizer passed them.
  func state(_ s: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(buffers.state[s]).assumingMemoryBound(to: Float.self) + start
  }
}

extension FusedBuffers {
  /// The chunk `range` as `Float` pointers when this is a float32 step that writes the parameters
  /// in place (an optimizer's `apply`); nil otherwise (float64, `update`, transforms).
  func inPlaceFloat32(_ range: Range<Int>) -> InPlaceFloat32Chunk<Scalar>? {
    guard Scalar.self == Float.self, parameterIsOutput else { return nil }
    return InPlaceFloat32Chunk(buffers: self, start: range.lowerBound, count: range.count)
  }
}

/// Whether `Float(weightDecay)` is zero exactly when `weightDecay` is, so that a C kernel's
/// `decay` flag (set when `weightDecay != 0`) and its float `wd` agree with the Swift loops.
func float32DecayIsExact(_ weightDecay: Double) -> Bool {
  weightDecay == 0 || Float(weightDecay) != 0
}
