/// A Rényi-DP accountant for DP-SGD with the sampled Gaussian mechanism, as Opacus 1.6's
/// `RDPAccountant` (`opacus/accountants/rdp.py`): it keeps the phases taken so far, composes
/// them by adding their RDP curves order by order (Mironov, "Rényi Differential Privacy",
/// CSF 2017, Proposition 1; heterogeneous phases compose the same way), and converts the sum to
/// (ε, δ) with ``RDPConversion`` at the orders ``orders`` (Opacus' defaults unless given).
///
/// ```swift
/// var accountant = RDPAccountant()
/// try accountant.record(PrivacyPhase(noiseMultiplier: 1.1, sampleRate: 0.01, steps: 1000))
/// let spent = try accountant.guarantee(delta: 1e-5)  // spent.epsilon, spent.order
/// ```
///
/// ε agrees with Opacus 1.6 to 10⁻⁹ relative and the order exactly on the golden grid
/// (Tests/DescentPrivacyTests, scripts/golden/make_privacy_golden.py); docs/privacy.md.
public struct RDPAccountant: Sendable, Equatable {
  /// The orders α tracked.
  public let orders: [Double]
  /// The phases recorded so far, in order; consecutive steps with the same σ and q share one.
  public private(set) var phases: [PrivacyPhase] = []

  /// An accountant at `orders` (each finite and > 1; Opacus' 151 default orders if omitted).
  public init(orders: [Double] = RDPOrders.opacusDefault) throws(PrivacyError) {
    try RDPOrders.validate(orders)
    self.orders = orders
  }

  /// An accountant that has already recorded `phases`.
  public init(phases: [PrivacyPhase], orders: [Double] = RDPOrders.opacusDefault)
    throws(PrivacyError)
  {
    try self.init(orders: orders)
    for phase in phases { record(phase) }
  }

  /// Adds a phase; merged into the last one when σ and q are the same (Opacus' `step`) and the
  /// step count fits in an `Int` (else kept as a phase of its own: the sum is the same).
  public mutating func record(_ phase: PrivacyPhase) {
    if let last = phases.last, last.noiseMultiplier == phase.noiseMultiplier,
      last.sampleRate == phase.sampleRate,
      case (let total, let overflow) = last.steps.addingReportingOverflow(phase.steps), !overflow,
      let merged = try? PrivacyPhase(
        noiseMultiplier: last.noiseMultiplier, sampleRate: last.sampleRate, steps: total)
    {
      phases[phases.count - 1] = merged
    } else {
      phases.append(phase)
    }
  }

  /// One step with noise multiplier σ and sample rate q (both validated).
  public mutating func step(noiseMultiplier: Double, sampleRate: Double) throws(PrivacyError) {
    record(try PrivacyPhase(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: 1))
  }

  /// The composed RDP at each of ``orders``: the phases' curves added in recording order.
  public func rdp() -> [Double] {
    var total = Array(repeating: 0.0, count: orders.count)
    for phase in phases {
      for (k, value) in phase.rdp(orders: orders).enumerated() { total[k] += value }
    }
    return total
  }

  /// (ε, δ) spent so far for `delta` in (0, 1); ε = 0 (order nil) before any step, as Opacus.
  public func guarantee(delta: Double) throws(PrivacyError) -> PrivacyGuarantee {
    try validateDelta(delta)
    guard !phases.isEmpty else { return PrivacyGuarantee(epsilon: 0, order: nil) }
    return RDPConversion.guarantee(orders: orders, rdp: rdp(), delta: delta)
  }

  /// ε spent so far for `delta`.
  public func epsilon(delta: Double) throws(PrivacyError) -> Double {
    try guarantee(delta: delta).epsilon
  }
}
