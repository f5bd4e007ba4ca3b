import Descent

/// An optimization test problem: a differentiable function of a point `x ∈ ℝᵈ`, built from
/// Descent ops so that its gradient (and Hessian-vector products) come from autodiff, with its
/// known minima and a default start point.
///
/// Functions of any dimension (`sphere`, `rosenbrock`, `rastrigin`, `ackley`, `styblinski-tang`)
/// take `d` from the point they are given; their minima depend on `d` (``minima(dimension:)``).
public struct TestFunction: Sendable, CustomStringConvertible {
  /// A known local or global minimum.
  public struct Minimum: Sendable, Equatable, Codable {
    public let point: [Double]
    public let value: Double
    public let isGlobal: Bool
    /// Whether the gradient vanishes there; `false` at a kink of a piecewise function, where the
    /// one-sided derivatives change sign instead.
    public let isStationary: Bool

    public init(point: [Double], value: Double, isGlobal: Bool = true, isStationary: Bool = true) {
      self.point = point
      self.value = value
      self.isGlobal = isGlobal
      self.isStationary = isStationary
    }
  }

  /// The catalogue name, e.g. `"rosenbrock"`.
  public let name: String
  /// One sentence on what the function tests.
  public let description: String
  /// The definition, in plain text.
  public let formula: String
  /// Where the function comes from.
  public let reference: String
  public let minimumDimension: Int
  /// `nil` when any dimension from `minimumDimension` up is accepted.
  public let maximumDimension: Int?
  public let defaultStart: [Double]
  private let function: @Sendable (Tensor) -> Tensor
  private let minimaOfDimension: @Sendable (Int) -> [Minimum]

  public init(
    name: String, description: String, formula: String, reference: String,
    dimensions: ClosedRange<Int>? = nil, minimumDimension: Int? = nil, defaultStart: [Double],
    minima: @escaping @Sendable (Int) -> [Minimum], function: @escaping @Sendable (Tensor) -> Tensor
  ) {
    precondition(
      (dimensions == nil) != (minimumDimension == nil),
      "TestFunction \(name): give either a dimension range or a minimum dimension")
    self.name = name
    self.description = description
    self.formula = formula
    self.reference = reference
    self.minimumDimension = dimensions?.lowerBound ?? minimumDimension!
    self.maximumDimension = dimensions?.upperBound
    self.defaultStart = defaultStart
    self.function = function
    self.minimaOfDimension = minima
  }

  /// Whether points of dimension `d` are accepted.
  public func accepts(dimension d: Int) -> Bool {
    d >= minimumDimension && d <= (maximumDimension ?? .max)
  }

  /// The dimensions accepted, in words: `"2"`, `">= 2"`.
  public var dimensionDescription: String {
    if let maximumDimension {
      return maximumDimension == minimumDimension
        ? "\(minimumDimension)" : "\(minimumDimension)-\(maximumDimension)"
    }
    return ">= \(minimumDimension)"
  }

  /// Throws ``TestFunctionError/wrongDimension(function:dimension:accepted:)`` unless a point of
  /// dimension `d` is accepted.
  public func checkDimension(_ d: Int) throws {
    guard accepts(dimension: d) else {
      throw TestFunctionError.wrongDimension(
        function: name, dimension: d, accepted: dimensionDescription)
    }
  }

  /// The function's value at the vector `x` (rank 1, float32 or float64), a scalar tensor that is
  /// differentiable with respect to `x`.
  ///
  /// - Precondition: `x` is a vector of an accepted dimension (check with ``checkDimension(_:)``).
  public func value(_ x: Tensor) -> Tensor {
    precondition(
      x.rank == 1, "TestFunction \(name): the point must be a vector, got shape \(x.shape)")
    precondition(
      accepts(dimension: x.count),
      "TestFunction \(name): dimension \(x.count) is not \(dimensionDescription)")
    return function(x)
  }

  /// The value at `point`, in float64.
  public func value(at point: [Double]) -> Double {
    withoutGradients { value(Tensor(point, dtype: .float64)) }.item
  }

  /// The value and the autodiff gradient at `point`, in float64.
  public func valueAndGradient(at point: [Double]) -> (value: Double, gradient: [Double]) {
    let (v, g) = valueAndGrad(of: { value($0) }, at: Tensor(point, dtype: .float64))
    return (v.item, g.doubles)
  }

  /// The known minima for points of dimension `d`.
  public func minima(dimension d: Int) -> [Minimum] { minimaOfDimension(d) }

  /// The known minima at the dimension of ``defaultStart``.
  public var minima: [Minimum] { minima(dimension: defaultStart.count) }
}

/// Errors a user can cause by naming a test function or giving it a point.
public enum TestFunctionError: Error, Equatable, CustomStringConvertible {
  case unknownName(String, suggestions: [String], known: [String])
  case wrongDimension(function: String, dimension: Int, accepted: String)

  public var description: String {
    switch self {
    case .unknownName(let name, let suggestions, let known):
      let hint =
        suggestions.isEmpty
        ? "known functions: \(known.joined(separator: ", "))"
        : "did you mean \(suggestions.map { "'\($0)'" }.joined(separator: " or "))?"
      return "unknown test function '\(name)'; \(hint)"
    case .wrongDimension(let function, let dimension, let accepted):
      return "test function '\(function)' takes points of dimension \(accepted), got \(dimension)"
    }
  }
}
