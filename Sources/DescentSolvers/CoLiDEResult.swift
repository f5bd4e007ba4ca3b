/// The estimate of a ``CoLiDE`` fit: W before thresholding (d×d row-major, rows = parents:
/// `weights[i * d + j]` is the weight of the edge i → j), σ (one entry for EV and fixed σ, d for
/// NV), and how each stage of the μ path went.
public struct CoLiDEResult: Sendable, Equatable {
  /// One stage of the μ path: the μ, s and learning rate its accepted attempt used (s and the
  /// rate after the fallback's s += 0.1 and halvings), its attempts, the Adam iterations of the
  /// accepted attempt, and whether it stopped on the objective tolerance.
  public struct Stage: Sendable, Equatable {
    public let mu: Double
    public let s: Double
    public let learningRate: Double
    public let attempts: Int
    public let iterations: Int
    public let metTolerance: Bool
    /// False only when the stage gave up after ``CoLiDE/maximumAttempts`` failures.
    public let succeeded: Bool
  }

  public let dimension: Int
  public let weights: [Double]
  public let sigma: [Double]
  /// Adam iterations over every attempt of every stage.
  public let iterations: Int
  public let stages: [Stage]

  /// Whether every stage finished (always, on finite data).
  public var converged: Bool { stages.count > 0 && stages.allSatisfy(\.succeeded) }

  /// W as rows.
  public var weightRows: [[Double]] {
    (0..<dimension).map { Array(weights[($0 * dimension)..<(($0 + 1) * dimension)]) }
  }
}
