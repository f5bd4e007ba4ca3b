/// Runs a ``SequentialCodingScheme`` round by round against a delay profile (with the
/// ``RoundRuntimeModel``) or against proposed straggler patterns, as the master would: each
/// round it asks the scheme for the tasks, finds the stragglers, skips them if the scheme admits
/// the pattern (else waits for everyone), and decodes job r − T at the end of round r.
public enum SequentialCodingSimulation {
  /// Runs `scheme` on `delays[round][worker]` (at least J + T rounds of n workers; extra rounds
  /// are ignored) with wait tolerance `runtime`.
  public static func run(
    _ scheme: any SequentialCodingScheme, delays: [[Double]], runtime: RoundRuntimeModel
  ) throws -> SequentialCodingTrace {
    try check(scheme, rows: delays.map(\.count), what: "delay profile")
    return run(scheme) { round in
      let row = delays[round]
      return (runtime.stragglers(row), { runtime.duration(row, skipStragglers: $0) })
    }
  }

  /// Runs `scheme` with the proposed stragglers `pattern[round]` (at least J + T rounds); every
  /// round lasts 1. A proposal the scheme does not admit is waited out (no stragglers applied).
  public static func run(_ scheme: any SequentialCodingScheme, pattern: [[Bool]]) throws
    -> SequentialCodingTrace
  {
    try check(scheme, rows: pattern.map(\.count), what: "straggler pattern")
    return run(scheme) { round in (pattern[round], { _ in 1 }) }
  }

  static func check(_ scheme: any SequentialCodingScheme, rows: [Int], what: String) throws {
    guard rows.count >= scheme.rounds else {
      throw GradientCodingError.shapeMismatch(
        what: what, expected: "≥ \(scheme.rounds) rounds (J + T)", got: "\(rows.count) rounds")
    }
    for (r, width) in rows.prefix(scheme.rounds).enumerated() where width != scheme.workers {
      throw GradientCodingError.shapeMismatch(
        what: "\(what) round \(r)", expected: "\(scheme.workers) workers", got: "\(width)")
    }
  }

  static func run(
    _ scheme: any SequentialCodingScheme,
    round proposal: (Int) -> (stragglers: [Bool], duration: (Bool) -> Double)
  ) -> SequentialCodingTrace {
    var history = SchedulingHistory()
    var trace = SequentialCodingTrace(scheme: scheme.name, normalizedLoad: scheme.normalizedLoad)
    for round in 0..<scheme.rounds {
      let tasks = scheme.tasks(round: round, history: history)
      let (proposed, duration) = proposal(round)
      let skip = proposed.contains(true) && scheme.admits(proposed, history: history)
      let applied = skip ? proposed : [Bool](repeating: false, count: scheme.workers)
      trace.durations.append(duration(skip || !proposed.contains(true)))
      trace.waitedForAll.append(proposed.contains(true) && !skip)
      history.tasks.append(tasks)
      history.straggled.append(applied)
      let job = round - scheme.decodingDelay
      if job >= 0, job < scheme.jobs {
        do {
          trace.decodings.append(.success(try scheme.decoding(job: job, history: history)))
        } catch let error as GradientCodingError {
          trace.decodings.append(.failure(error))
        } catch {
          trace.decodings.append(.failure(.notDecodable(job: job, reason: "\(error)")))
        }
      }
    }
    trace.history = history
    return trace
  }
}

/// What a simulation recorded: per-round durations, which rounds were waited out, and each job's
/// decoding (or why it failed).
public struct SequentialCodingTrace: Sendable {
  public let scheme: String
  public let normalizedLoad: Double
  /// durations[round].
  public internal(set) var durations: [Double] = []
  /// waitedForAll[round]: the round had stragglers the scheme could not skip.
  public internal(set) var waitedForAll: [Bool] = []
  /// decodings[job].
  public internal(set) var decodings: [Result<[DecodingTerm], GradientCodingError>] = []
  public internal(set) var history = SchedulingHistory()

  init(scheme: String, normalizedLoad: Double) {
    self.scheme = scheme
    self.normalizedLoad = normalizedLoad
  }

  /// Σ round durations.
  public var runtime: Double { durations.reduce(0, +) }

  /// The number of jobs decoded.
  public var decodedJobs: Int {
    decodings.filter { if case .success = $0 { true } else { false } }.count
  }

  /// Job `job`'s gradient: Σ coefficient · message over its decoding terms, each message computed
  /// by `message(job, task)` (the worker's vector for that task). Throws the job's decoding
  /// failure.
  public func decode(job: Int, message: (CodedTask) -> [Double]) throws -> [Double] {
    let terms = try decodings[job].get()
    var out: [Double] = []
    for term in terms {
      let m = message(history.tasks[term.round][term.worker][term.slot])
      if out.isEmpty { out = [Double](repeating: 0, count: m.count) }
      for k in out.indices { out[k] += term.coefficient * m[k] }
    }
    return out
  }
}
