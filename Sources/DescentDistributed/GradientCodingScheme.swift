/// Gradient coding (GC, Tandon et al. 2017, arXiv:1612.03301) run job by job: in round t every
/// worker sends its ``CyclicRepetitionCode`` message of job t, and job t is decoded at the end of
/// round t (T = 0) from any n − s messages. Load (s + 1)/n.
///
/// The master may skip up to s stragglers per round. (The authors' simulator,
/// `gradient_coding.py`, skips only fewer than s; the code decodes from any n − s messages, so
/// here GC gets its full tolerance.)
public struct GradientCodingScheme: SequentialCodingScheme {
  public let code: CyclicRepetitionCode
  public let jobs: Int

  /// GC with n workers tolerating s stragglers per round, over `jobs` jobs.
  public init(workers: Int, stragglers: Int, jobs: Int, seed: UInt64 = 0) throws {
    guard jobs >= 1 else {
      throw GradientCodingError.invalidParameter(name: "jobs", value: jobs, allowed: "J ≥ 1")
    }
    code = try CyclicRepetitionCode(workers: workers, stragglers: stragglers, seed: seed)
    self.jobs = jobs
  }

  /// (s + 1)/n.
  public static func normalizedLoad(workers: Int, stragglers: Int) -> Double {
    Double(stragglers + 1) / Double(workers)
  }

  public var name: String { "GC s=\(code.stragglers)" }
  public var workers: Int { code.workers }
  public var decodingDelay: Int { 0 }
  public var normalizedLoad: Double {
    Self.normalizedLoad(workers: workers, stragglers: code.stragglers)
  }
  public var partitionWeights: [Double] { [Double](repeating: 1 / Double(workers), count: workers) }

  public func tasks(round: Int, history: SchedulingHistory) -> [[CodedTask]] {
    guard round < jobs else { return [[CodedTask]](repeating: [], count: workers) }
    return (0..<workers).map { w in
      [
        CodedTask(
          job: round, role: .coded(group: 0), partitions: code.support(worker: w),
          coefficients: code.coefficients(worker: w))
      ]
    }
  }

  public func admits(_ stragglers: [Bool], history: SchedulingHistory) -> Bool {
    stragglers.filter { $0 }.count <= code.stragglers
  }

  public func decoding(job: Int, history: SchedulingHistory) throws -> [DecodingTerm] {
    let survivors = (0..<workers).filter { history.delivered(round: job, worker: $0) }
    guard survivors.count >= workers - code.stragglers else {
      throw GradientCodingError.notDecodable(
        job: job, reason: "\(survivors.count) messages, GC needs \(workers - code.stragglers)")
    }
    let a = try code.decodingVector(survivors: survivors)
    return zip(survivors, a).filter { $0.1 != 0 }.map {
      DecodingTerm(round: job, worker: $0.0, slot: 0, coefficient: $0.1)
    }
  }
}
