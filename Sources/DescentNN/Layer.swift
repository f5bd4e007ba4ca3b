import Descent

/// Whether a visited tensor is trained (a parameter) or only carried along (a buffer, such as
/// batch normalization's running statistics), as in PyTorch's `named_parameters` and
/// `named_buffers`.
public enum ParameterKind: Sendable, Equatable {
  case parameter
  case buffer
}

/// What a layer's forward pass needs to know beyond its input.
///
/// - `training`: training mode (dropout active, batch normalization on batch statistics and
///   updating its running statistics) or evaluation mode, PyTorch's `module.train()`/`eval()` —
///   passed per call instead of stored in the layer, so one model value serves both.
/// - `randomKey`: the randomness of dropout. Containers hand each child a key folded with the
///   child's index or name (``child(_:)-(Int)``), so a model run with one key is reproducible and
///   its dropout layers draw independent masks.
public struct ForwardContext: Sendable {
  public var training: Bool
  public var randomKey: RandomKey?

  public init(training: Bool = false, randomKey: RandomKey? = nil) {
    self.training = training
    self.randomKey = randomKey
  }

  /// Evaluation mode, no randomness.
  public static let evaluation = ForwardContext()

  /// Training mode, with `key` for dropout.
  public static func training(key: RandomKey? = nil) -> ForwardContext {
    ForwardContext(training: true, randomKey: key)
  }

  /// The context for child number `index` of a container: the same mode, the key folded with
  /// `index`.
  public func child(_ index: Int) -> ForwardContext {
    ForwardContext(training: training, randomKey: randomKey?.folded(in: UInt64(index)))
  }

  /// The context for the child named `name`: the key folded with a stable (FNV-1a) hash of it.
  public func child(_ name: String) -> ForwardContext {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return ForwardContext(training: training, randomKey: randomKey?.folded(in: hash))
  }
}

/// Called once per tensor of a layer, in order: its full path (`layer1.0.conv1.weight`), the tensor
/// (which the visitor may replace) and its kind.
public typealias ParameterVisitor = (_ path: String, _ tensor: inout Tensor, _ kind: ParameterKind)
  -> Void

/// A differentiable function with named tensors: a layer or a whole model.
///
/// A layer is a `Sendable` value. Its forward pass is ``callAsFunction(_:context:)``; its tensors are found
/// by an explicit visitor, ``visitParameters(prefix:_:)``, which every layer writes out by hand
/// (no reflection): parameters first, then buffers, then each child with its name and a dot
/// appended to `prefix`. That is PyTorch's `state_dict` order and naming, so the paths and shapes
/// of a Descent model equal those of the same PyTorch architecture (`Linear.weight` is
/// `[out, in]`, `Conv2d.weight` is `[out, in/groups, kh, kw]`, `Sequential` children are `0.`,
/// `1.`, …), and weights move between the two unchanged.
///
/// Functional training: the parameters are a ``ParameterTree``; ``with(parameters:)`` builds the
/// model at any tree, so gradients flow through it:
///
/// ```swift
/// let (loss, gradients) = valueAndGrad(of: { p in
///   crossEntropy(logits: model.with(parameters: p)(x, context: .training(key: key)), labels: y)
/// }, at: model.parameters)
/// ```
public protocol Layer: Sendable {
  /// The layer's output for `input`.
  func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor

  /// Calls `visit` for every tensor of the layer, in `state_dict` order, with `prefix` prepended to
  /// each path. Assignments the visitor makes to the tensor are stored back into the layer.
  mutating func visitParameters(prefix: String, _ visit: ParameterVisitor)
}

/// Why a tree could not be loaded into a layer (a checkpoint that does not fit the model).
public enum StateLoadingError: Error, Equatable, CustomStringConvertible {
  case missing(path: String)
  case unexpected(paths: [String])
  case shapeMismatch(path: String, expected: [Int], found: [Int])
  case dtypeMismatch(path: String, expected: DType, found: DType)

  public var description: String {
    switch self {
    case .missing(let path): "no tensor for \(path) in the loaded state"
    case .unexpected(let paths): "the loaded state has tensors the model does not: \(paths)"
    case .shapeMismatch(let path, let expected, let found):
      "\(path): the model has shape \(expected), the loaded state \(found)"
    case .dtypeMismatch(let path, let expected, let found):
      "\(path): the model has dtype \(expected), the loaded state \(found)"
    }
  }
}

extension Layer {
  /// The output in evaluation mode.
  public func callAsFunction(_ input: Tensor) -> Tensor { self(input, context: .evaluation) }

  /// The tensors of the given kinds, in visiting order.
  public func tree(of kinds: Set<ParameterKind>) -> ParameterTree {
    var copy = self
    var tree = ParameterTree()
    copy.visitParameters(prefix: "") { path, tensor, kind in
      if kinds.contains(kind) { tree.append(path, tensor) }
    }
    return tree
  }

  /// The trainable parameters (PyTorch's `named_parameters()`).
  public var parameters: ParameterTree { tree(of: [.parameter]) }
  /// The buffers (PyTorch's `named_buffers()`): running statistics and counters.
  public var buffers: ParameterTree { tree(of: [.buffer]) }
  /// Parameters and buffers in `state_dict` order: what a checkpoint holds.
  public var stateDict: ParameterTree { tree(of: [.parameter, .buffer]) }
  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.scalarCount }

  /// This layer with its parameters taken from `tree` (which must hold every parameter path with
  /// the same shape and dtype; other paths are ignored). Buffers are shared with this layer.
  /// Differentiable: use it inside `valueAndGrad(of:at:)` on a parameter tree.
  public func with(parameters tree: ParameterTree) -> Self {
    var copy = self
    copy.visitParameters(prefix: "") { path, tensor, kind in
      guard kind == .parameter else { return }
      guard let new = tree[path] else {
        preconditionFailure("with(parameters:): no tensor for \(path)")
      }
      precondition(
        new.shape == tensor.shape && new.dtype == tensor.dtype,
        "with(parameters:): \(path) is \(new.dtype) \(new.shape), the layer has \(tensor.dtype) "
          + "\(tensor.shape)")
      tensor = new
    }
    return copy
  }

  /// Replaces the parameters by those of `tree`, which must hold every parameter path with the
  /// same shape and dtype; with `strict`, no other path.
  public mutating func loadParameters(_ tree: ParameterTree, strict: Bool = true) throws {
    try load(tree, kinds: [.parameter], strict: strict)
  }

  /// Replaces parameters and buffers by those of `tree` (PyTorch's `load_state_dict`): every path
  /// of ``stateDict`` must be there with the same shape and dtype; with `strict`, no other path.
  /// Buffers are replaced, not written into: copies of this layer keep their own.
  public mutating func loadStateDict(_ tree: ParameterTree, strict: Bool = true) throws {
    try load(tree, kinds: [.parameter, .buffer], strict: strict)
  }

  private mutating func load(_ tree: ParameterTree, kinds: Set<ParameterKind>, strict: Bool) throws
  {
    var checked = self
    var problem: StateLoadingError?
    var seen = Set<String>()
    checked.visitParameters(prefix: "") { path, tensor, kind in
      guard kinds.contains(kind), problem == nil else { return }
      seen.insert(path)
      guard let new = tree[path] else {
        problem = .missing(path: path)
        return
      }
      if new.shape != tensor.shape {
        problem = .shapeMismatch(path: path, expected: tensor.shape, found: new.shape)
        return
      }
      if new.dtype != tensor.dtype {
        problem = .dtypeMismatch(path: path, expected: tensor.dtype, found: new.dtype)
        return
      }
      tensor = new.detached()
    }
    if let problem { throw problem }
    if strict {
      let extra = tree.paths.filter { !seen.contains($0) }
      if !extra.isEmpty { throw StateLoadingError.unexpected(paths: extra) }
    }
    self = checked
  }
}
