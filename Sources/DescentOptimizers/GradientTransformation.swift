import Descent

/// One step of an optimizer's update, in the style of Optax: a pure transformation of the
/// gradients with a typed state.
///
/// Transformations compose with ``Chain``: clipping, then a moment estimate, then weight decay,
/// then the learning rate. `update` turns the incoming updates (initially the gradients) into the
/// outgoing ones. `apply` performs a whole step on the parameters; its default runs `update` and
/// adds the result, and elementwise optimizers override it with a single fused in-place pass over
/// each parameter, gradient and state buffer.
///
/// Sign convention (Optax): updates are *added* to the parameters, so a descent step ends with a
/// negative scale (``ScaleByLearningRate``); the PyTorch-style optimizers (``SGD``, ``Adam``, …)
/// emit the whole step, learning rate and sign included.
///
/// In `apply`, the `parameters` argument is the source of truth and `context.parameters` may be
/// empty: the driver (``Optimizer``) leaves it empty so that the parameter buffers stay uniquely
/// referenced and are updated in place without a copy.
public protocol GradientTransformation: Sendable {
  /// Per-parameter and global state (moments, step count). `Codable`, so it checkpoints.
  associatedtype State: Codable & Sendable

  /// The state before the first step, for parameters shaped like `parameters`.
  func initialState(for parameters: ParameterTree) -> State

  /// Transforms `updates` in place. `context.parameters` are the current parameters.
  func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext) throws

  /// One optimizer step: `parameters ← parameters + update(gradients)`.
  func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws
}

extension GradientTransformation {
  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    var updates = gradients
    do {
      var context = context
      context.parameters = parameters
      try update(&updates, state: &state, context: context)
    }
    parameters.addInPlace(updates)
  }
}

extension ParameterTree {
  /// `self[i] += other[i]` for every entry, in place (one pass, no temporaries when unshared).
  public mutating func addInPlace(_ other: ParameterTree) {
    precondition(other.paths == paths, "addInPlace: trees have different paths")
    for i in 0..<count {
      var target = self[index: i]
      let source = other[index: i]
      precondition(
        target.shape == source.shape && target.dtype == source.dtype,
        "addInPlace: \(paths[i]) is \(target.dtype) \(target.shape), update is \(source.dtype) \(source.shape)"
      )
      self[index: i] = Tensor.zeros([])  // release our reference so the buffer can be unique
      target.addInPlace(source)
      self[index: i] = target
    }
  }
}

extension Tensor {
  /// `self += other` elementwise in place (same shape and dtype).
  public mutating func addInPlace(_ other: Tensor) {
    precondition(
      shape == other.shape && dtype == other.dtype,
      "addInPlace: \(dtype) \(shape) += \(other.dtype) \(other.shape)")
    switch dtype {
    case .float32:
      other.withUnsafeBufferPointer(as: Float.self) { src in
        withUnsafeMutableBufferPointer(as: Float.self) { dst in
          for i in 0..<dst.count { dst[i] += src[i] }
        }
      }
    case .float64:
      other.withUnsafeBufferPointer(as: Double.self) { src in
        withUnsafeMutableBufferPointer(as: Double.self) { dst in
          for i in 0..<dst.count { dst[i] += src[i] }
        }
      }
    default: preconditionFailure("addInPlace: \(dtype) parameters are not trainable")
    }
  }
}
