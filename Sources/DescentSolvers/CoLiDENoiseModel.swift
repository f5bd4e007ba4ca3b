import Foundation

/// The noise model of a CoLiDE fit: which score is minimized over W and how σ follows W
/// (Saboksayr, Mateos and Tepper, "CoLiDE: Concomitant Linear DAG Estimation", ICLR 2024,
/// arXiv:2310.02895, eqs. 6–9; SAMiatto/colide `model.py`, `_score` and `minimize`). With
/// Σ̂ = XᵀX/n of the centred data and R = (I − W)ᵀ Σ̂ (I − W):
///
/// - ``equalVariance`` (CoLiDE-EV): S(W, σ) = tr R / (2σ) + dσ/2; σ̂(W) = √(tr R / d);
///   ∂S/∂W = −Σ̂(I − W)/σ. Start σ₀ = minⱼ ‖xⱼ‖/√n (the smallest column scale).
/// - ``nonEqualVariance`` (CoLiDE-NV): S(W, σ) = [Σⱼ Rⱼⱼ/σⱼ + Σⱼ σⱼ]/2; σ̂ⱼ(W) = √Rⱼⱼ;
///   ∂S/∂W = −Σ̂(I − W) diag(1/σ). Start σ₀ⱼ = ‖xⱼ‖/√n.
/// - ``fixed(sigma:)``: the baseline without concomitant scale, S(W) = tr R / (2σ) with σ held
///   at the given value; σ = 1 is DAGMA's least-squares score ‖X − XW‖²_F / (2n)
///   (arXiv:2209.08037), on the same optimization path as CoLiDE.
public enum CoLiDENoiseModel: Sendable, Equatable, CustomStringConvertible {
  case equalVariance
  case nonEqualVariance
  case fixed(sigma: Double)

  public var description: String {
    switch self {
    case .equalVariance: "colide-ev"
    case .nonEqualVariance: "colide-nv"
    case .fixed(let sigma): "fixed-sigma(\(sigma))"
    }
  }

  /// σ₀ from the centred data's column scales ‖xⱼ‖/√n.
  func initialSigma(columnScales: [Double]) -> [Double] {
    switch self {
    case .equalVariance: [columnScales.min()!]
    case .nonEqualVariance: columnScales
    case .fixed(let sigma): [sigma]
    }
  }

  /// σ̂(W) in closed form from diag R (the fixed model keeps its σ).
  func sigma(residualVariances r: [Double]) -> [Double] {
    switch self {
    case .equalVariance: [(r.reduce(0, +) / Double(r.count)).squareRoot()]
    case .nonEqualVariance: r.map { $0.squareRoot() }
    case .fixed(let sigma): [sigma]
    }
  }

  /// S(W, σ) from diag R.
  func score(residualVariances r: [Double], sigma: [Double]) -> Double {
    let d = Double(r.count)
    switch self {
    case .equalVariance:
      return 0.5 * r.reduce(0, +) / sigma[0] + 0.5 * sigma[0] * d
    case .nonEqualVariance:
      var sum = 0.0
      for j in r.indices { sum += r[j] / sigma[j] }
      return (sum + sigma.reduce(0, +)) / 2
    case .fixed:
      return 0.5 * r.reduce(0, +) / sigma[0]
    }
  }
}
