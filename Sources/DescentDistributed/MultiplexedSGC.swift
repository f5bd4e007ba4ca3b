/// Multiplexed sequential gradient coding (M-SGC, Krishnan, Ebrahimi and Khisti,
/// arXiv:2211.13802; the authors' `multiplexed_sgc.py`) for the (B, W, λ)-bursty model.
///
/// Each job's data is split in two parts. D₁, a fraction α = (λ+1)(W−1)/(B + (W−1)(λ+1)) of it,
/// is cut into n(W − 1) uncoded chunks, W − 1 per worker. D₂, the rest, is cut into B groups,
/// each split into n partitions and gradient-coded across the workers with a λ-straggler
/// ``CyclicRepetitionCode`` (for λ = n, α = 1 and D₂ is empty). Every minitask then has the same
/// size, and each worker runs W − 1 + B minitasks per round, minitask m of round r belonging to
/// job r − m:
///
///     m < W − 1:  chunk m of the worker's D₁ share;
///     m ≥ W − 1:  if every D₁ chunk of that job from this worker has arrived, its coded message
///                 of group m − (W − 1); otherwise it redoes its first missing D₁ chunk.
///
///     load (λ+1)(W−1+B)/(n(B+(W−1)(λ+1))) for λ < n,   (W−1+B)/(n(W−1)) for λ = n,   T = W−2+B
///
/// Job t is decoded at the end of round t + T when every worker has delivered all its D₁ chunks
/// and each D₂ group has at least n − λ coded messages (the authors' `is_decodable`); the
/// gradient is Σ D₁ chunks + Σ_groups (the group's decoding vector applied to its messages).
public struct MultiplexedSGC: SequentialCodingScheme {
  public let model: BurstyStragglerModel
  /// The D₂ groups' code (nil for λ = n, when D₂ is empty).
  public let code: CyclicRepetitionCode?
  public let workers: Int
  public let jobs: Int

  /// M-SGC with n workers for the (B, W, λ) model; throws unless 1 ≤ B < W and 0 ≤ λ ≤ n.
  public init(workers: Int, burst: Int, window: Int, stragglers: Int, jobs: Int, seed: UInt64 = 0)
    throws
  {
    guard workers >= 1 else {
      throw GradientCodingError.invalidParameter(name: "workers", value: workers, allowed: "n ≥ 1")
    }
    model = try BurstyStragglerModel(burst: burst, window: window, stragglers: stragglers)
    guard stragglers <= workers else {
      throw GradientCodingError.invalidParameter(
        name: "stragglers λ", value: stragglers, allowed: "0 ≤ λ ≤ n = \(workers)")
    }
    guard jobs >= 1 else {
      throw GradientCodingError.invalidParameter(name: "jobs", value: jobs, allowed: "J ≥ 1")
    }
    code =
      stragglers < workers
      ? try CyclicRepetitionCode(workers: workers, stragglers: stragglers, seed: seed) : nil
    self.workers = workers
    self.jobs = jobs
  }

  /// The load formula: (λ+1)(W−1+B)/(n(B+(W−1)(λ+1))) for λ < n, (W−1+B)/(n(W−1)) for λ = n.
  public static func normalizedLoad(
    workers n: Int, burst b: Int, window w: Int, stragglers lambda: Int
  ) -> Double {
    if lambda == n { return Double(w - 1 + b) / Double(n * (w - 1)) }
    return Double((lambda + 1) * (w - 1 + b)) / Double(n * (b + (w - 1) * (lambda + 1)))
  }

  /// D₁'s fraction α = (λ+1)(W−1)/(B + (W−1)(λ+1)) (1 for λ = n).
  public var uncodedFraction: Double {
    let b = model.burst
    let w = model.window
    let lambda = model.stragglers
    if lambda == workers { return 1 }
    return Double((lambda + 1) * (w - 1)) / Double(b + (w - 1) * (lambda + 1))
  }

  public var name: String { "M-SGC B=\(model.burst) W=\(model.window) λ=\(model.stragglers)" }
  public var decodingDelay: Int { model.window - 2 + model.burst }
  public var normalizedLoad: Double {
    Self.normalizedLoad(
      workers: workers, burst: model.burst, window: model.window, stragglers: model.stragglers)
  }
  var chunksPerWorker: Int { model.window - 1 }
  var minitasks: Int { model.window - 1 + model.burst }

  /// n(W − 1) D₁ chunks (worker i's chunk c is partition i(W − 1) + c), then for λ < n the B·n
  /// D₂ partitions (group g's partition p is n(W − 1) + g·n + p).
  public var partitionWeights: [Double] {
    let alpha = uncodedFraction
    let d1 = [Double](
      repeating: alpha / Double(workers * chunksPerWorker), count: workers * chunksPerWorker)
    guard code != nil else { return d1 }
    return d1
      + [Double](
        repeating: (1 - alpha) / Double(model.burst * workers), count: model.burst * workers)
  }

  func chunk(_ c: Int, job: Int, worker: Int) -> CodedTask {
    CodedTask(
      job: job, role: .uncoded(chunk: c), partitions: [worker * chunksPerWorker + c],
      coefficients: [1])
  }

  /// The D₁ chunks `worker` has delivered for `job` in rounds before `round`.
  func deliveredChunks(job: Int, worker: Int, before round: Int, history: SchedulingHistory) -> Set<
    Int
  > {
    var out = Set<Int>()
    for d in history.deliveries(worker: worker, job: job, rounds: job..<min(round, history.rounds))
    {
      if case .uncoded(let c) = d.task.role { out.insert(c) }
    }
    return out
  }

  public func tasks(round: Int, history: SchedulingHistory) -> [[CodedTask]] {
    (0..<workers).map { w in
      var list: [CodedTask] = []
      for m in 0..<minitasks {
        let job = round - m
        guard job >= 0, job < jobs else { continue }
        if m < chunksPerWorker {
          list.append(chunk(m, job: job, worker: w))
          continue
        }
        let have = deliveredChunks(job: job, worker: w, before: round, history: history)
        if let missing = (0..<chunksPerWorker).first(where: { !have.contains($0) }) {
          list.append(chunk(missing, job: job, worker: w))
        } else if let code {
          let group = m - chunksPerWorker
          let base = workers * chunksPerWorker + group * workers
          list.append(
            CodedTask(
              job: job, role: .coded(group: group),
              partitions: code.support(worker: w).map { base + $0 },
              coefficients: code.coefficients(worker: w)))
        }
      }
      return list
    }
  }

  public func admits(_ stragglers: [Bool], history: SchedulingHistory) -> Bool {
    model.admits(stragglers, after: history.straggled)
  }

  public func decoding(job: Int, history: SchedulingHistory) throws -> [DecodingTerm] {
    let end = job + decodingDelay + 1
    var terms: [DecodingTerm] = []
    var groups = [[(worker: Int, round: Int, slot: Int)]](repeating: [], count: model.burst)
    for w in 0..<workers {
      var chunks: [Int: DecodingTerm] = [:]
      for d in history.deliveries(worker: w, job: job, rounds: job..<end) {
        switch d.task.role {
        case .uncoded(let c):
          if chunks[c] == nil {
            chunks[c] = DecodingTerm(round: d.round, worker: w, slot: d.slot, coefficient: 1)
          }
        case .coded(let g):
          groups[g].append((w, d.round, d.slot))
        }
      }
      guard chunks.count == chunksPerWorker else {
        throw GradientCodingError.notDecodable(
          job: job,
          reason: "worker \(w) delivered \(chunks.count) of its \(chunksPerWorker) uncoded chunks")
      }
      terms += chunks.keys.sorted().map { chunks[$0]! }
    }
    if let code {
      for (g, messages) in groups.enumerated() {
        guard messages.count >= workers - model.stragglers else {
          throw GradientCodingError.notDecodable(
            job: job,
            reason:
              "group \(g) has \(messages.count) coded messages, M-SGC needs \(workers - model.stragglers)"
          )
        }
        let a = try code.decodingVector(survivors: messages.map(\.worker))
        for (message, c) in zip(messages, a) where c != 0 {
          terms.append(
            DecodingTerm(
              round: message.round, worker: message.worker, slot: message.slot, coefficient: c))
        }
      }
    }
    return terms
  }
}
