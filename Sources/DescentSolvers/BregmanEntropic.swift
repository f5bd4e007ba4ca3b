import Foundation

/// The entropic divergence on the scaled simplex {x ≥ 0, Σxᵢ = z}: ψ(x) = Σ xᵢ log xᵢ, so
/// B(x, y) = Σ xᵢ log(xᵢ/yᵢ) − Σxᵢ + Σyᵢ (the Kullback–Leibler divergence for probability
/// vectors), and the mirror step is the exponentiated-gradient (Hedge) update
/// xᵢ ∝ yᵢ·exp(−ηgᵢ), normalized to total z (Kivinen and Warmuth, "Exponentiated gradient versus
/// gradient descent for linear predictors", Inf. Comput. 1997). On the simplex of total 1, ψ is
/// 1-strongly convex in ‖·‖₁ (Pinsker), so gradients are measured in ‖·‖_∞.
///
/// The step is computed with the exponent shifted by its maximum (no overflow); a coordinate
/// that underflows to 0 stays 0, which the divergence treats as 0·log 0 = 0.
public struct EntropicDivergence: BregmanDivergence {
  public let simplex: Simplex

  public init(simplex: Simplex) { self.simplex = simplex }

  public var dimension: Int { simplex.dimension }

  /// The uniform point z/d·𝟙, the argmin of ψ on the simplex.
  public var start: [Double] {
    Array(repeating: simplex.total / Double(simplex.dimension), count: simplex.dimension)
  }

  public func divergence(_ x: [Double], _ y: [Double]) -> Double {
    var sum = 0.0
    for i in x.indices {
      if x[i] > 0 { sum += x[i] * log(x[i] / y[i]) }
      sum += y[i] - x[i]
    }
    return sum
  }

  public func mirrorStep(from y: [Double], gradient g: [Double], stepSize η: Double) -> [Double] {
    var exponents = [Double](repeating: -.infinity, count: y.count)
    for i in y.indices where y[i] > 0 { exponents[i] = log(y[i]) - η * g[i] }
    let top = exponents.max() ?? 0
    let weights = exponents.map { $0 == -.infinity ? 0 : exp($0 - top) }
    let sum = weights.reduce(0, +)
    return weights.map { simplex.total * $0 / sum }
  }

  public func admits(_ x: [Double]) -> Bool {
    x.count == dimension && x.allSatisfy { $0 > 0 && $0 <= simplex.total }
      && simplex.contains(x, tolerance: 1e-9)
  }
  public var admissibleDescription: String {
    "must have entries in (0, \(Check.format(simplex.total))] summing to \(Check.format(simplex.total))"
  }

  public func dualNorm(_ g: [Double]) -> Double { g.reduce(0) { max($0, abs($1)) } }

  /// √(2z·log d): the maximum over the simplex of B(x, uniform) is z·log d.
  public var diameter: Double? {
    (2 * simplex.total * log(Double(simplex.dimension))).squareRoot()
  }
}
