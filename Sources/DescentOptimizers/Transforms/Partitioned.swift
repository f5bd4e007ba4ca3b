import Descent

/// Two transformations over a partition of the parameters: `selected` runs on the parameters the
/// predicate picks, `others` on the rest — PyTorch's parameter groups, Optax's `multi_transform`.
///
/// ```swift
/// // AdamW without weight decay on biases and normalization scales (1-D parameters):
/// let adamW = Partitioned(
///   try AdamW(weightDecay: 0), others: try AdamW(weightDecay: 0.1),
///   where: ParameterGroup.noDecay([.bias, .norm]))
/// ```
///
/// Each side gets its own state and sees only its own parameters, so a rule that reduces over
/// the parameters (a global norm) reduces within its group, as in PyTorch. `apply` moves each
/// group's tensors into a tree of their own and back, so fused in-place steps stay in place.
public struct Partitioned<Selected: GradientTransformation, Others: GradientTransformation>:
  GradientTransformation
{
  public struct State: Codable, Sendable {
    public var selected: Selected.State
    public var others: Others.State
  }

  public let selected: Selected
  public let others: Others
  /// Whether the parameter at this path, of this shape, belongs to `selected`.
  public let predicate: @Sendable (_ path: String, _ shape: [Int]) -> Bool

  public init(
    _ selected: Selected, others: Others,
    where predicate: @escaping @Sendable (_ path: String, _ shape: [Int]) -> Bool
  ) {
    self.selected = selected
    self.others = others
    self.predicate = predicate
  }

  public func initialState(for parameters: ParameterTree) -> State {
    let (chosen, rest) = split(parameters)
    return State(
      selected: selected.initialState(for: chosen), others: others.initialState(for: rest))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let membership = members(of: context.parameters.isEmpty ? updates : context.parameters)
    var (chosen, rest) = take(&updates, membership)
    let (chosenParameters, restParameters) = split(context.parameters, membership)
    var selectedContext = context
    selectedContext.parameters = chosenParameters
    try selected.update(&chosen, state: &state.selected, context: selectedContext)
    var othersContext = context
    othersContext.parameters = restParameters
    try others.update(&rest, state: &state.others, context: othersContext)
    put(&updates, chosen, rest, membership)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    let membership = members(of: parameters)
    var (chosen, rest) = take(&parameters, membership)
    let (chosenGradients, restGradients) = split(gradients, membership)
    try selected.apply(
      to: &chosen, gradients: chosenGradients, state: &state.selected, context: context)
    try others.apply(to: &rest, gradients: restGradients, state: &state.others, context: context)
    put(&parameters, chosen, rest, membership)
  }

  private func members(of tree: ParameterTree) -> [Bool] {
    tree.entries.map { predicate($0.path, $0.tensor.shape) }
  }

  private func split(_ tree: ParameterTree, _ membership: [Bool]? = nil) -> (
    ParameterTree, ParameterTree
  ) {
    if tree.isEmpty { return (ParameterTree(), ParameterTree()) }
    let membership = membership ?? members(of: tree)
    var chosen = ParameterTree()
    var rest = ParameterTree()
    for (i, entry) in tree.entries.enumerated() {
      if membership[i] { chosen.append(entry.path, entry.tensor) } else {
        rest.append(entry.path, entry.tensor)
      }
    }
    return (chosen, rest)
  }

  /// Moves the tensors out of `tree` (placeholders stay behind) so each is uniquely referenced.
  private func take(_ tree: inout ParameterTree, _ membership: [Bool]) -> (
    ParameterTree, ParameterTree
  ) {
    var chosen = ParameterTree()
    var rest = ParameterTree()
    for i in 0..<tree.count {
      let path = tree.paths[i]
      let tensor = tree[index: i]
      tree[index: i] = placeholderTensor
      if membership[i] { chosen.append(path, tensor) } else { rest.append(path, tensor) }
    }
    return (chosen, rest)
  }

  private func put(
    _ tree: inout ParameterTree, _ chosen: ParameterTree, _ rest: ParameterTree,
    _ membership: [Bool]
  ) {
    var (c, r) = (0, 0)
    for i in 0..<tree.count {
      if membership[i] {
        tree[index: i] = chosen[index: c]
        c += 1
      } else {
        tree[index: i] = rest[index: r]
        r += 1
      }
    }
  }
}

/// Predicates that pick parameters by role, for ``Partitioned`` and `--no-decay-on`.
public enum ParameterGroup: String, Sendable, CaseIterable {
  /// Biases: paths whose last component is `bias`.
  case bias
  /// Normalization scales and other 1-D parameters that are not biases (LayerNorm and BatchNorm
  /// weights) — the usual "no decay for parameters with fewer than 2 dimensions" rule (nanoGPT,
  /// timm) restricted to what biases do not already cover.
  case norm

  /// Whether the parameter at `path` with `shape` has this role.
  public func contains(path: String, shape: [Int]) -> Bool {
    let isBias = path == "bias" || path.hasSuffix(".bias")
    switch self {
    case .bias: return isBias
    case .norm: return !isBias && shape.count <= 1
    }
  }

  /// The predicate "belongs to one of `groups`" (the parameters that get no weight decay).
  public static func noDecay(_ groups: [ParameterGroup]) -> @Sendable (String, [Int]) -> Bool {
    { path, shape in groups.contains { $0.contains(path: path, shape: shape) } }
  }
}
