import Descent

/// Applies `inner` only to the parameters whose path `mask` accepts; the other updates pass
/// through unchanged.
///
/// ```swift
/// Masked(AddDecayedWeights(0.01)) { path in !path.hasSuffix("bias") }   // no decay on biases
/// ```
///
/// Optax's `masked`. The inner state covers the selected parameters only (so Adam moments are not
/// kept for frozen ones). The mask is evaluated on the paths at every step; it must select the
/// same paths each time.
public struct Masked<Inner: GradientTransformation>: GradientTransformation {
  public typealias State = Inner.State
  public let inner: Inner
  public let mask: @Sendable (String) -> Bool

  public init(_ inner: Inner, mask: @escaping @Sendable (String) -> Bool) {
    self.inner = inner
    self.mask = mask
  }

  public func initialState(for parameters: ParameterTree) -> State {
    inner.initialState(for: selected(parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    var sub = ParameterTree()
    var positions: [Int] = []
    for (i, path) in updates.paths.enumerated() where mask(path) {
      sub.append(path, updates[index: i])
      updates[index: i] = placeholderTensor
      positions.append(i)
    }
    var innerContext = context
    innerContext.parameters = selected(context.parameters)
    try inner.update(&sub, state: &state, context: innerContext)
    for (k, i) in positions.enumerated() { updates[index: i] = sub[index: k] }
  }

  private func selected(_ tree: ParameterTree) -> ParameterTree {
    ParameterTree(tree.entries.filter { mask($0.path) })
  }
}
