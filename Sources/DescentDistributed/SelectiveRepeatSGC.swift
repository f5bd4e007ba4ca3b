/// Selective-repeat sequential gradient coding (SR-SGC, Krishnan, Ebrahimi and Khisti,
/// arXiv:2211.13802; the authors' `selective_repeat_sgc.py`) for the (B, W, λ)-bursty model.
///
///     s = ⌈Bλ/(W − 1 + B)⌉,  load (s + 1)/n,  T = B,  requires B | (W − 1)
///
/// Round t: every worker sends its cyclic-repetition (s-straggler) message of job t — except
/// that if v > s job-(t − B) messages are missing after round t − B, v − s of the workers that
/// owe them resend their job-(t − B) message instead (round t − B's stragglers first, by index,
/// then the workers that were busy resending in round t − B).
///
/// Deviation from the authors' `selective_repeat_sgc.py`: it counts only round t − B's
/// stragglers as missing, so a worker that spent round t − B resending an older job's message is
/// never asked for its job-(t − B) message. That breaks decoding under conforming patterns, e.g.
/// n = 6, B = 1, W = 3, λ = 3 (s = 1): stragglers {0, 1} in round 0 and {2} in round 1 conform,
/// worker 0 resends job 0 in round 1, and job 1 then has only 4 of the 5 messages it needs. Job t is decoded at the end of round t + B from the ≥ n − s
/// distinct workers whose job-t messages arrived in rounds t and t + B. Rounds J, …, J + B − 1
/// carry only the resends.
public struct SelectiveRepeatSGC: SequentialCodingScheme {
  public let model: BurstyStragglerModel
  public let code: CyclicRepetitionCode
  public let jobs: Int

  /// SR-SGC with n workers for the (B, W, λ) model. Throws unless B | (W − 1), 0 ≤ λ ≤ n and
  /// the resulting s < n.
  public init(workers: Int, burst: Int, window: Int, stragglers: Int, jobs: Int, seed: UInt64 = 0)
    throws
  {
    model = try BurstyStragglerModel(burst: burst, window: window, stragglers: stragglers)
    guard (window - 1) % burst == 0 else {
      throw GradientCodingError.invalidParameter(
        name: "window W", value: window, allowed: "W with B = \(burst) dividing W − 1")
    }
    guard stragglers <= workers else {
      throw GradientCodingError.invalidParameter(
        name: "stragglers λ", value: stragglers, allowed: "0 ≤ λ ≤ n = \(workers)")
    }
    guard jobs >= 1 else {
      throw GradientCodingError.invalidParameter(name: "jobs", value: jobs, allowed: "J ≥ 1")
    }
    let s = Self.codeStragglers(burst: burst, window: window, stragglers: stragglers)
    code = try CyclicRepetitionCode(workers: workers, stragglers: s, seed: seed)
    self.jobs = jobs
  }

  /// s = ⌈Bλ/(W − 1 + B)⌉.
  public static func codeStragglers(burst: Int, window: Int, stragglers: Int) -> Int {
    let denominator = window - 1 + burst
    return (burst * stragglers + denominator - 1) / denominator
  }

  /// (s + 1)/n with s = ⌈Bλ/(W − 1 + B)⌉.
  public static func normalizedLoad(workers: Int, burst: Int, window: Int, stragglers: Int)
    -> Double
  {
    Double(codeStragglers(burst: burst, window: window, stragglers: stragglers) + 1)
      / Double(workers)
  }

  public var name: String {
    "SR-SGC B=\(model.burst) W=\(model.window) λ=\(model.stragglers) (s=\(code.stragglers))"
  }
  public var workers: Int { code.workers }
  public var decodingDelay: Int { model.burst }
  public var normalizedLoad: Double { code.normalizedLoad }
  public var partitionWeights: [Double] { [Double](repeating: 1 / Double(workers), count: workers) }

  func message(job: Int, worker: Int) -> CodedTask {
    CodedTask(
      job: job, role: .coded(group: 0), partitions: code.support(worker: worker),
      coefficients: code.coefficients(worker: worker))
  }

  public func tasks(round: Int, history: SchedulingHistory) -> [[CodedTask]] {
    var out: [[CodedTask]] = (0..<workers).map {
      round < jobs ? [message(job: round, worker: $0)] : []
    }
    let earlier = round - model.burst
    if earlier >= 0, earlier < jobs {
      // Workers whose job-(t − B) message is missing: the stragglers of round t − B first (the
      // model keeps them from straggling again now), then those that were busy resending.
      let stragglers = (0..<workers).filter { history.straggled[earlier][$0] }
      let busy = (0..<workers).filter { w in
        !history.straggled[earlier][w] && !history.tasks[earlier][w].contains { $0.job == earlier }
      }
      let missing = stragglers + busy
      if missing.count > code.stragglers {
        for w in missing.prefix(missing.count - code.stragglers) {
          out[w] = [message(job: earlier, worker: w)]
        }
      }
    }
    return out
  }

  public func admits(_ stragglers: [Bool], history: SchedulingHistory) -> Bool {
    model.admits(stragglers, after: history.straggled)
  }

  public func decoding(job: Int, history: SchedulingHistory) throws -> [DecodingTerm] {
    var survivors: [Int] = []
    var terms: [(round: Int, worker: Int, slot: Int)] = []
    for w in 0..<workers {
      if let first = history.deliveries(worker: w, job: job, rounds: job..<(job + model.burst + 1))
        .first
      {
        survivors.append(w)
        terms.append((first.round, w, first.slot))
      }
    }
    guard survivors.count >= workers - code.stragglers else {
      throw GradientCodingError.notDecodable(
        job: job,
        reason:
          "\(survivors.count) messages in rounds \(job) and \(job + model.burst), SR-SGC needs \(workers - code.stragglers)"
      )
    }
    let a = try code.decodingVector(survivors: survivors)
    return zip(terms, a).filter { $0.1 != 0 }.map {
      DecodingTerm(round: $0.0.round, worker: $0.0.worker, slot: $0.0.slot, coefficient: $0.1)
    }
  }
}
