import Foundation

/// `descent train --format json`'s numbers are JSON numbers: a non-finite loss (a diverged or
/// failed run) is `null`, and `status` says why, never the string "nan". Decoding reads `null`
/// back as NaN.
extension TrainingSummary {
  enum CodingKeys: String, CodingKey {
    case runId, status, steps, seconds, finalTrainLoss, evalLoss, evalAccuracy
    case optimizerStateBytes, finalParametersSHA256, skippedSteps, checkpointPath, failure
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    func number(_ value: Double?, _ key: CodingKeys) throws {
      if let value, value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
    }
    try c.encode(runId, forKey: .runId)
    try c.encode(status, forKey: .status)
    try c.encode(steps, forKey: .steps)
    try number(seconds, .seconds)
    try number(finalTrainLoss, .finalTrainLoss)
    try number(evalLoss, .evalLoss)
    try number(evalAccuracy, .evalAccuracy)
    try c.encode(optimizerStateBytes, forKey: .optimizerStateBytes)
    try c.encode(finalParametersSHA256, forKey: .finalParametersSHA256)
    try c.encode(skippedSteps, forKey: .skippedSteps)
    try c.encodeIfPresent(checkpointPath, forKey: .checkpointPath)
    try c.encodeIfPresent(failure, forKey: .failure)
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      runId: try c.decode(String.self, forKey: .runId),
      status: try c.decode(RunStatus.self, forKey: .status),
      steps: try c.decode(Int.self, forKey: .steps),
      seconds: try c.decodeIfPresent(Double.self, forKey: .seconds) ?? .nan,
      finalTrainLoss: try c.decodeIfPresent(Double.self, forKey: .finalTrainLoss),
      evalLoss: try c.decodeIfPresent(Double.self, forKey: .evalLoss) ?? .nan,
      evalAccuracy: try c.decodeIfPresent(Double.self, forKey: .evalAccuracy) ?? .nan,
      optimizerStateBytes: try c.decode(Int.self, forKey: .optimizerStateBytes),
      finalParametersSHA256: try c.decode(String.self, forKey: .finalParametersSHA256),
      skippedSteps: try c.decode(Int.self, forKey: .skippedSteps),
      checkpointPath: try c.decodeIfPresent(String.self, forKey: .checkpointPath),
      failure: try c.decodeIfPresent(String.self, forKey: .failure))
  }
}
