import Descent

/// A ``ParameterTree`` as a safetensors file and back: paths become tensor names, in order.
extension SafetensorsFile {
  /// A file holding `tree`'s tensors under their paths, in the tree's order.
  public init(_ tree: ParameterTree, metadata: [String: String] = [:]) {
    self.init(tensors: tree.entries.map { NamedTensor($0.path, $0.tensor) }, metadata: metadata)
  }

  /// The tensors as a tree, in file order.
  public var parameterTree: ParameterTree {
    ParameterTree(tensors.map { ($0.name, $0.tensor) })
  }
}
