import Foundation

/// An (ε, δ) guarantee read off a Rényi-DP curve, and the order that gave it.
public struct PrivacyGuarantee: Sendable, Equatable {
  /// ε of (ε, δ)-DP (+∞ when no order gives a finite bound).
  public var epsilon: Double
  /// The order α at which the bound is smallest (nil when every order's bound is NaN).
  public var order: Double?

  public init(epsilon: Double, order: Double?) {
    self.epsilon = epsilon
    self.order = order
  }
}

/// The conversion of an RDP curve ε_RDP(α) to (ε, δ)-DP that Opacus 1.6 uses
/// (`opacus/accountants/analysis/rdp.py`, `get_privacy_spent`): Balle, Barthe, Gaboardi, Hsu,
/// Sato, "Hypothesis Testing Interpretations and Renyi Differential Privacy" (AISTATS 2020,
/// arXiv 1905.09982), Theorem 21: for every order α,
///
///     ε = ε_RDP(α) − (log δ + log α)/(α − 1) + log((α − 1)/α),
///
/// and the guarantee is the smallest over the orders (tighter than Mironov's 2017
/// ε_RDP(α) + log(1/δ)/(α − 1) by log(α)/(α − 1) − log(1 − 1/α)). NaN bounds are skipped and
/// ties keep the first order (numpy's `nanargmin`); if every bound is NaN the result is
/// (+∞, nil), as Opacus returns (inf, nan). Opacus warns when the best order is the first or
/// the last of the list (a wider list could give a smaller ε); ``isAtEdge(of:)`` tells that.
public enum RDPConversion {
  /// The guarantee of the RDP values `rdp[k]` at `orders[k]` (same count; orders > 1) for
  /// `delta` in (0, 1).
  public static func guarantee(orders: [Double], rdp: [Double], delta: Double) -> PrivacyGuarantee {
    precondition(orders.count == rdp.count && !orders.isEmpty, "one RDP value per order")
    var best: (epsilon: Double, index: Int)?
    let logDelta = log(delta)
    for (k, alpha) in orders.enumerated() {
      let epsilon = rdp[k] - (logDelta + log(alpha)) / (alpha - 1) + log((alpha - 1) / alpha)
      if epsilon.isNaN { continue }
      if best == nil || epsilon < best!.epsilon { best = (epsilon, k) }
    }
    guard let best else { return PrivacyGuarantee(epsilon: .infinity, order: nil) }
    return PrivacyGuarantee(epsilon: best.epsilon, order: orders[best.index])
  }
}

extension PrivacyGuarantee {
  /// Whether the order is the first or the last of `orders` (Opacus' warning: the optimum may
  /// lie outside the list).
  public func isAtEdge(of orders: [Double]) -> Bool {
    guard let order else { return false }
    return order == orders.first || order == orders.last
  }
}
