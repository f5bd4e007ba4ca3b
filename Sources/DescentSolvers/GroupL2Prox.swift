/// The group-lasso penalty h(x) = λ Σ_g w_g ‖x_g‖₂ over disjoint groups of coordinates (Yuan and
/// Lin, "Model selection and estimation in regression with grouped variables", JRSS-B 2006),
/// whose prox is block soft thresholding:
///
///     prox_{ηh}(y)_g = max(0, 1 − ηλw_g / ‖y_g‖₂)·y_g,
///
/// coordinates in no group unchanged. Weights default to 1 (pass √|g| for the usual scaling).
/// One of the composite parts h of Liu and Zhou (arXiv:2312.08531). O(d).
public struct GroupL2Prox: Prox {
  public let groups: [[Int]]
  public let weights: [Double]
  /// λ ≥ 0.
  public let strength: Double
  public let dimension: Int?

  /// Groups of indices into vectors of `dimension` entries. Throws for a dimension < 1, an empty
  /// group, an index outside 0..<dimension, an index in two groups, weights of the wrong count,
  /// or a negative or non-finite weight or strength.
  public init(
    dimension: Int, groups: [[Int]], strength: Double, weights: [Double]? = nil
  ) throws {
    guard dimension >= 1 else {
      throw SolverError.invalidArgument(
        "GroupL2Prox: dimension = \(dimension) is invalid: must be an integer ≥ 1")
    }
    try Check.nonNegative(strength, "strength", in: "GroupL2Prox")
    var seen = [Int?](repeating: nil, count: dimension)
    for (g, group) in groups.enumerated() {
      guard !group.isEmpty else {
        throw SolverError.invalidArgument(
          "GroupL2Prox: group \(g) is empty: every group needs ≥ 1 index")
      }
      for index in group {
        guard index >= 0, index < dimension else {
          throw SolverError.invalidArgument(
            "GroupL2Prox: group \(g) has index \(index): indices must be in 0..<\(dimension)")
        }
        if let other = seen[index] {
          throw SolverError.invalidArgument(
            "GroupL2Prox: index \(index) is in groups \(other) and \(g): groups must be disjoint")
        }
        seen[index] = g
      }
    }
    let weights = weights ?? Array(repeating: 1, count: groups.count)
    guard weights.count == groups.count else {
      throw SolverError.dimensionMismatch(
        "GroupL2Prox: weights has \(weights.count) entries, expected one per group (\(groups.count))"
      )
    }
    for (g, w) in weights.enumerated() {
      try Check.nonNegative(w, "weights[\(g)]", in: "GroupL2Prox")
    }
    self.dimension = dimension
    self.groups = groups
    self.weights = weights
    self.strength = strength
  }

  public func value(_ x: [Double]) -> Double {
    var sum = 0.0
    for (g, group) in groups.enumerated() {
      sum += weights[g] * group.reduce(0) { $0 + x[$1] * x[$1] }.squareRoot()
    }
    return strength * sum
  }

  public func prox(_ y: [Double], stepSize η: Double) -> [Double] {
    precondition(η > 0, "GroupL2Prox.prox: step size \(η) must be > 0")
    precondition(y.count == dimension, "GroupL2Prox.prox: \(y.count) ≠ \(dimension!)")
    var x = y
    for (g, group) in groups.enumerated() {
      let norm = group.reduce(0) { $0 + y[$1] * y[$1] }.squareRoot()
      let threshold = η * strength * weights[g]
      let scale = norm > threshold ? 1 - threshold / norm : 0
      for index in group { x[index] = scale * y[index] }
    }
    return x
  }
}
