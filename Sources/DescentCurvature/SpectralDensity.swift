import Descent
import Foundation

/// The eigenvalue density of a symmetric operator by stochastic Lanczos quadrature (SLQ), as
/// PyHessian's `hessian.density` computes it (Ghorbani, Krishnan and Xiao, "An Investigation into
/// Neural Net Optimization via Hessian Eigenvalue Density", ICML 2019, arXiv:1901.10159; Yao et al.,
/// "PyHessian", 2020, arXiv:1912.07145).
///
/// For each run `r`, `m` Lanczos steps from a normalized Rademacher vector `v = z/√n` give the
/// Gauss quadrature of the spectral measure seen from `v`: nodes `θᵣᵢ` (the Ritz values) and weights
/// `τᵣᵢ = s₀ᵢ²` (squared first components of `T`'s eigenvectors, summing to 1), with
/// `vᵀf(A)v ≈ Σᵢ τᵣᵢ f(θᵣᵢ)` exact for polynomials `f` of degree ≤ `2m − 1`. Averaged over runs,
/// `(1/n) tr f(A) ≈ (1/R) Σᵣ Σᵢ τᵣᵢ f(θᵣᵢ)`, and the density is that discrete measure broadened by
/// Gaussians of width `σ`:
///
/// `φ(t) = (1/R) Σᵣ Σᵢ τᵣᵢ exp(−(t − θᵣᵢ)²/(2σ²)) / (σ√(2π))`.
///
/// It integrates to 1 (PyHessian renormalizes on its grid; here the grid spans the nodes ± 6σ so
/// that no renormalization is needed), and its mean `Σ τθ` averaged over runs equals Hutchinson's
/// trace estimate with the same probes divided by `n` (`τ`-weighted Ritz values give `e₁ᵀTe₁ =
/// α₀ = vᵀAv = zᵀAz/n`).
public struct SpectralDensity: Sendable, Codable, Equatable {
  /// The operator's dimension `n`.
  public let dimension: Int
  /// Per run: the Ritz values `θᵣᵢ`, ascending.
  public let nodes: [[Double]]
  /// Per run: the quadrature weights `τᵣᵢ`, summing to 1.
  public let weights: [[Double]]

  public init(dimension: Int, nodes: [[Double]], weights: [[Double]]) {
    precondition(
      nodes.count == weights.count,
      "SpectralDensity: \(nodes.count) node lists, \(weights.count) weight lists")
    self.dimension = dimension
    self.nodes = nodes
    self.weights = weights
  }

  /// `(1/n) tr f(A)` estimated as the run average of `Σᵢ τᵢ f(θᵢ)`.
  public func normalizedTrace(of f: (Double) -> Double) -> Double {
    var total = 0.0
    for (runNodes, runWeights) in zip(nodes, weights) {
      for (node, weight) in zip(runNodes, runWeights) { total += weight * f(node) }
    }
    return total / Double(max(nodes.count, 1))
  }

  /// The mean of the eigenvalue distribution, an estimate of `tr(A)/n`.
  public var mean: Double { normalizedTrace { $0 } }

  /// The smallest and largest Ritz value over all runs.
  public var range: ClosedRange<Double> {
    let all = nodes.flatMap { $0 }
    return (all.min() ?? 0)...(all.max() ?? 0)
  }

  /// PyHessian's default broadening: `σ² = 1e-5 · max(1, λmax − λmin)`.
  public var defaultSigma: Double {
    (1e-5 * max(1, range.upperBound - range.lowerBound)).squareRoot()
  }

  /// `points` evenly spaced values from the smallest node − 6σ to the largest + 6σ.
  public func grid(points: Int = 1000, sigma: Double? = nil) -> [Double] {
    precondition(points >= 2, "SpectralDensity.grid: needs at least 2 points, got \(points)")
    let sigma = sigma ?? defaultSigma
    let low = range.lowerBound - 6 * sigma
    let high = range.upperBound + 6 * sigma
    return (0..<points).map { low + (high - low) * Double($0) / Double(points - 1) }
  }

  /// `φ(t)` at each point of `grid`, Gaussians of standard deviation `sigma` (default
  /// ``defaultSigma``).
  public func density(on grid: [Double], sigma: Double? = nil) -> [Double] {
    let sigma = sigma ?? defaultSigma
    precondition(sigma > 0, "SpectralDensity.density: sigma must be positive, got \(sigma)")
    let normalization = 1 / (sigma * (2 * Double.pi).squareRoot()) / Double(max(nodes.count, 1))
    return grid.map { t in
      var value = 0.0
      for (runNodes, runWeights) in zip(nodes, weights) {
        for (node, weight) in zip(runNodes, runWeights) {
          let x = (t - node) / sigma
          value += weight * exp(-0.5 * x * x)
        }
      }
      return value * normalization
    }
  }
}

/// SLQ with `runs` Rademacher starts (keys folded from `key`) and `iterations` Lanczos steps each
/// (full reorthogonalization). PyHessian's defaults are 100 steps and 1 run.
///
/// Cost: `runs · iterations` operator applications; memory `iterations` vectors of `n`.
public func stochasticLanczosQuadrature(
  _ a: LinearOperator, iterations: Int = 100, runs: Int = 1, key: RandomKey
) throws -> SpectralDensity {
  precondition(runs >= 1, "stochasticLanczosQuadrature: runs must be at least 1, got \(runs)")
  var nodes: [[Double]] = []
  var weights: [[Double]] = []
  for run in 0..<runs {
    let start = Tensor.rademacher([a.dimension], dtype: a.dtype, key: key.folded(in: UInt64(run)))
    let decomposition = lanczos(a, iterations: min(iterations, a.dimension), start: start)
    let (values, vectors) = try decomposition.ritzPairs()
    nodes.append(values)
    weights.append(vectors.map { $0[0] * $0[0] })
  }
  return SpectralDensity(dimension: a.dimension, nodes: nodes, weights: weights)
}
