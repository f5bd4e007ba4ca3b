/// An ordered collection of named tensors: a model's parameters, their gradients, or an optimizer's
/// per-parameter state.
///
/// Paths are dot-separated like PyTorch's `state_dict` keys (`layers.0.weight`), and the order is
/// the order in which a model visits its parameters, so two trees of the same model line up
/// element by element.
public struct ParameterTree: Sendable, Equatable {
  /// The named tensors, in visiting order.
  public private(set) var entries: [(path: String, tensor: Tensor)]
  private var indexByPath: [String: Int]

  public init() {
    entries = []
    indexByPath = [:]
  }

  /// A tree of these entries. Paths must be unique.
  public init(_ entries: [(path: String, tensor: Tensor)]) {
    self.init()
    for (path, tensor) in entries { append(path, tensor) }
  }

  /// Adds a tensor at the end. `path` must not be in the tree yet.
  public mutating func append(_ path: String, _ tensor: Tensor) {
    precondition(indexByPath[path] == nil, "ParameterTree: duplicate path \(path)")
    indexByPath[path] = entries.count
    entries.append((path, tensor))
  }

  public var count: Int { entries.count }
  public var isEmpty: Bool { entries.isEmpty }
  public var paths: [String] { entries.map(\.path) }
  public var tensors: [Tensor] { entries.map(\.tensor) }
  /// Total number of scalar elements.
  public var scalarCount: Int { entries.reduce(0) { $0 + $1.tensor.count } }

  /// The tensor at `path`, or `nil`.
  public subscript(path: String) -> Tensor? {
    get { indexByPath[path].map { entries[$0].tensor } }
    set {
      if let index = indexByPath[path] {
        if let newValue { entries[index].tensor = newValue } else { remove(at: index) }
      } else if let newValue {
        append(path, newValue)
      }
    }
  }

  /// The tensor at position `index` in visiting order.
  public subscript(index index: Int) -> Tensor {
    get { entries[index].tensor }
    set { entries[index].tensor = newValue }
  }

  private mutating func remove(at index: Int) {
    entries.remove(at: index)
    indexByPath = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.path, $0) })
  }

  /// A tree with the same paths and `transform` applied to each tensor.
  public func map(_ transform: (Tensor) throws -> Tensor) rethrows -> ParameterTree {
    var result = self
    for i in result.entries.indices { result.entries[i].tensor = try transform(entries[i].tensor) }
    return result
  }

  /// A tree with the same paths, each tensor `transform(self[i], other[i])`. Paths must line up.
  public func zipMap(_ other: ParameterTree, _ transform: (Tensor, Tensor) throws -> Tensor) rethrows
    -> ParameterTree
  {
    precondition(other.paths == paths, "ParameterTree.zipMap: trees have different paths")
    var result = self
    for i in result.entries.indices {
      result.entries[i].tensor = try transform(entries[i].tensor, other.entries[i].tensor)
    }
    return result
  }

  public static func == (lhs: ParameterTree, rhs: ParameterTree) -> Bool {
    lhs.paths == rhs.paths
      && zip(lhs.tensors, rhs.tensors).allSatisfy {
        $0.shape == $1.shape && $0.dtype == $1.dtype && $0.bytes == $1.bytes
      }
  }
}
