/// Why a gradient-coding object cannot be built or a job cannot be decoded: each case's
/// description is one line that says what is wrong, where, and how to fix it.
public enum GradientCodingError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A parameter out of its range: the parameter's name, its value and the allowed range.
  case invalidParameter(name: String, value: Int, allowed: String)
  /// A real-valued parameter out of its range.
  case invalidValue(name: String, value: Double, allowed: String)
  /// A straggler pattern or delay profile whose shape does not match the scheme.
  case shapeMismatch(what: String, expected: String, got: String)
  /// Fewer surviving workers than the code needs.
  case tooFewSurvivors(job: Int?, survivors: Int, needed: Int)
  /// A worker index outside 0..<workers.
  case invalidWorker(index: Int, workers: Int)
  /// A surviving set whose decoding system is numerically singular (residual above tolerance).
  case illConditioned(survivors: [Int], residual: Double)
  /// A job that the straggler pattern left undecodable (the pattern violates the scheme's model).
  case notDecodable(job: Int, reason: String)

  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let allowed):
      return "gradient coding: \(name) = \(value) is out of range; use \(allowed)"
    case .invalidValue(let name, let value, let allowed):
      return "gradient coding: \(name) = \(value) is out of range; use \(allowed)"
    case .shapeMismatch(let what, let expected, let got):
      return "gradient coding: \(what) has shape \(got), expected \(expected)"
    case .tooFewSurvivors(let job, let survivors, let needed):
      let place = job.map { "job \($0): " } ?? ""
      return "gradient coding: \(place)\(survivors) surviving workers, the code needs at least "
        + "\(needed); wait for more workers or use a code with more redundancy"
    case .invalidWorker(let index, let workers):
      return "gradient coding: worker \(index) does not exist; workers are 0..<\(workers)"
    case .illConditioned(let survivors, let residual):
      return "gradient coding: decoding from workers \(survivors) leaves residual "
        + "\(residual) (ill-conditioned code); rebuild the code with another seed"
    case .notDecodable(let job, let reason):
      return "gradient coding: job \(job) cannot be decoded: \(reason)"
    }
  }
}
