/// One piece of work a worker does in a round: a linear combination Σ coefficientₖ·g_{partitionₖ}
/// of partition gradients of one job, sent to the master as one vector.
public struct CodedTask: Sendable, Equatable {
  /// What the task is within its job's code.
  public enum Role: Sendable, Equatable, Hashable {
    /// A gradient-coded message of coded group `group` (GC and SR-SGC have one group, 0).
    case coded(group: Int)
    /// Uncoded chunk `chunk` of the worker's own share (M-SGC's D₁ part).
    case uncoded(chunk: Int)
  }

  /// The job (0-based) whose gradient this task contributes to.
  public let job: Int
  public let role: Role
  /// The scheme's partition indices the task reads.
  public let partitions: [Int]
  /// One coefficient per partition.
  public let coefficients: [Double]

  public init(job: Int, role: Role, partitions: [Int], coefficients: [Double]) {
    precondition(
      partitions.count == coefficients.count,
      "CodedTask: \(partitions.count) partitions, \(coefficients.count) coefficients")
    self.job = job
    self.role = role
    self.partitions = partitions
    self.coefficients = coefficients
  }

  /// The task's message from partition gradients: `partial(p)` is partition p's gradient.
  public func message(_ partial: (Int) -> [Double]) -> [Double] {
    var out: [Double] = []
    for (p, c) in zip(partitions, coefficients) {
      let g = partial(p)
      if out.isEmpty { out = [Double](repeating: 0, count: g.count) }
      for k in out.indices { out[k] += c * g[k] }
    }
    return out
  }
}

/// One term of a job's decoding: `coefficient` times the message of task `slot` that `worker` sent
/// in `round`.
public struct DecodingTerm: Sendable, Equatable {
  public let round: Int
  public let worker: Int
  public let slot: Int
  public let coefficient: Double

  public init(round: Int, worker: Int, slot: Int, coefficient: Double) {
    self.round = round
    self.worker = worker
    self.slot = slot
    self.coefficient = coefficient
  }
}

/// What the master knows after some rounds: every worker's tasks per round and which workers'
/// messages it skipped (the applied stragglers; a waited-out round has none).
public struct SchedulingHistory: Sendable {
  /// tasks[round][worker] = that worker's tasks in the round, by slot.
  public internal(set) var tasks: [[[CodedTask]]] = []
  /// straggled[round][worker].
  public internal(set) var straggled: [[Bool]] = []

  public init() {}

  /// Completed rounds.
  public var rounds: Int { straggled.count }

  /// Whether round `round`'s messages from `worker` arrived.
  public func delivered(round: Int, worker: Int) -> Bool { !straggled[round][worker] }

  /// The (round, slot, task) triples `worker` delivered for `job` in rounds `from..<to`.
  public func deliveries(worker: Int, job: Int, rounds range: Range<Int>) -> [(
    round: Int, slot: Int, task: CodedTask
  )] {
    var out: [(Int, Int, CodedTask)] = []
    for r in range where r < rounds && !straggled[r][worker] {
      for (slot, task) in tasks[r][worker].enumerated() where task.job == job {
        out.append((r, slot, task))
      }
    }
    return out
  }
}

/// A sequential gradient-coding scheme: which task each worker runs in each round, which
/// straggler patterns the master may skip, and how each job is decoded
/// (arXiv:2211.13802: GC, SR-SGC, M-SGC).
public protocol SequentialCodingScheme: Sendable {
  /// A short name ("GC s=2").
  var name: String { get }
  /// n.
  var workers: Int { get }
  /// J, the jobs (job t starts in round t).
  var jobs: Int { get }
  /// T: job t is decoded at the end of round t + T.
  var decodingDelay: Int { get }
  /// Fraction of one job's data each worker processes per round.
  var normalizedLoad: Double { get }
  /// Relative sizes (summing to 1) of the partitions the scheme splits a job's data into.
  var partitionWeights: [Double] { get }
  /// Every worker's tasks in round `round` (history holds rounds 0..<round).
  func tasks(round: Int, history: SchedulingHistory) -> [[CodedTask]]
  /// Whether the master may skip `stragglers` in the next round given `history`.
  func admits(_ stragglers: [Bool], history: SchedulingHistory) -> Bool
  /// The decoding of job `job` from the history (all rounds through job + T); throws
  /// ``GradientCodingError/notDecodable(job:reason:)`` when messages are missing.
  func decoding(job: Int, history: SchedulingHistory) throws -> [DecodingTerm]
}

extension SequentialCodingScheme {
  /// J + T rounds.
  public var rounds: Int { jobs + decodingDelay }
}
