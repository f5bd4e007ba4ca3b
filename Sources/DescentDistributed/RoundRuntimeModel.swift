/// The round timing of the authors' simulators (arXiv:2211.13802, `perform_round`): the master
/// waits μ beyond the fastest worker, wait = minᵢ delayᵢ·(1 + μ), and the workers slower than
/// that are the round's stragglers. If the scheme cannot skip them (the pattern would break its
/// straggler model), the master waits for every worker and the round lasts maxᵢ delayᵢ.
public struct RoundRuntimeModel: Sendable, Equatable {
  /// μ ≥ 0, the tolerance beyond the fastest worker.
  public let tolerance: Double

  public init(tolerance: Double) throws {
    guard tolerance >= 0, tolerance.isFinite else {
      throw GradientCodingError.invalidValue(
        name: "tolerance μ", value: tolerance, allowed: "a finite μ ≥ 0")
    }
    self.tolerance = tolerance
  }

  /// minᵢ delayᵢ·(1 + μ).
  public func waitTime(_ delays: [Double]) -> Double {
    (delays.min() ?? 0) * (1 + tolerance)
  }

  /// The workers whose delay exceeds ``waitTime(_:)``.
  public func stragglers(_ delays: [Double]) -> [Bool] {
    let wait = waitTime(delays)
    return delays.map { $0 > wait }
  }

  /// The round's duration: the wait time when the stragglers are skipped, else the slowest delay.
  public func duration(_ delays: [Double], skipStragglers: Bool) -> Double {
    skipStragglers ? waitTime(delays) : (delays.max() ?? 0)
  }
}
