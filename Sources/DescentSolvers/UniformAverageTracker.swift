/// The running mean (1/k)Σ_{s≤k} xₛ of the observed iterates, updated as
/// x̄ₖ = x̄ₖ₋₁ + (xₖ − x̄ₖ₋₁)/k (no growing sum, so no loss of precision over long runs). The
/// classical output of SGD for Lipschitz convex functions (O(1/√T) without a log factor); see
/// ``IterateTracker`` and Liu and Zhou (arXiv:2312.08531).
public struct UniformAverageTracker: IterateTracker {
  public private(set) var count = 0
  public private(set) var estimate: [Double]?

  public init() {}

  public mutating func observe(_ x: [Double]) throws {
    try Check.finite(x, "iterate", in: "UniformAverageTracker")
    guard var mean = estimate else {
      estimate = x
      count = 1
      return
    }
    try Check.dimension(x, mean.count, "iterate", in: "UniformAverageTracker")
    count += 1
    let weight = 1 / Double(count)
    for i in 0..<mean.count { mean[i] += (x[i] - mean[i]) * weight }
    estimate = mean
  }
}
