import Foundation

/// How a run ended.
public enum RunStatus: String, Codable, Sendable {
  case finished, interrupted, failed
}

/// What a run reports at its start.
public struct RunStart: Codable, Sendable {
  public var runId: String
  public var configuration: TrainingConfiguration
  public var totalSteps: Int
  /// The step the run starts from (0, or the checkpoint's step when resuming).
  public var startStep: Int
  public var parameterCount: Int
}

/// One optimizer step's metrics.
public struct StepRecord: Codable, Sendable {
  public var step: Int
  public var epoch: Int
  public var loss: Double
  /// Accuracy on the step's batch.
  public var accuracy: Double
  public var learningRate: Double
  /// Wall-clock seconds since the run (or the resumed part of it) started.
  public var seconds: Double
  /// True when the step was dropped by `--on-nonfinite skip-step`.
  public var skipped: Bool
}

/// Receives a run's events as they happen; a run store (`DescentRuns`), a progress display and a
/// JSON-lines log are all observers. Every method has an empty default.
public protocol TrainingObserver: AnyObject {
  func runStarted(_ start: RunStart)
  func stepFinished(_ record: StepRecord)
  func evaluated(step: Int, loss: Double, accuracy: Double)
  func checkpointWritten(path: String, step: Int)
  func runEnded(status: RunStatus, summary: TrainingSummary)
}

extension TrainingObserver {
  public func runStarted(_ start: RunStart) {}
  public func stepFinished(_ record: StepRecord) {}
  public func evaluated(step: Int, loss: Double, accuracy: Double) {}
  public func checkpointWritten(path: String, step: Int) {}
  public func runEnded(status: RunStatus, summary: TrainingSummary) {}
}

/// Writes every event as one JSON object per line (`{"event": "step", ...}`) to a file.
public final class JSONLinesObserver: TrainingObserver {
  private let handle: FileHandle
  private let encoder: JSONEncoder

  /// Creates (or truncates) the log at `url`.
  public init(url: URL) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil),
      let handle = FileHandle(forWritingAtPath: url.path)
    else { throw TrainingError.data("--log \(url.path): cannot create the file; check the folder") }
    self.handle = handle
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  }

  deinit { try? handle.close() }

  private struct Event<Body: Encodable>: Encodable {
    let event: String
    let body: Body
    func encode(to encoder: any Encoder) throws {
      try body.encode(to: encoder)
      var c = encoder.container(keyedBy: Key.self)
      try c.encode(event, forKey: Key(stringValue: "event")!)
    }
    struct Key: CodingKey {
      var stringValue: String
      init?(stringValue: String) { self.stringValue = stringValue }
      var intValue: Int? { nil }
      init?(intValue: Int) { nil }
    }
  }

  private func write<B: Encodable>(_ event: String, _ body: B) {
    guard var data = try? encoder.encode(Event(event: event, body: body)) else { return }
    data.append(0x0A)
    handle.write(data)
  }

  private struct Evaluation: Encodable {
    let step: Int
    let loss: Double
    let accuracy: Double
  }
  private struct CheckpointEvent: Encodable {
    let path: String
    let step: Int
  }
  private struct End: Encodable {
    let status: RunStatus
    let summary: TrainingSummary
  }

  public func runStarted(_ start: RunStart) { write("start", start) }
  public func stepFinished(_ record: StepRecord) { write("step", record) }
  public func evaluated(step: Int, loss: Double, accuracy: Double) {
    write("evaluation", Evaluation(step: step, loss: loss, accuracy: accuracy))
  }
  public func checkpointWritten(path: String, step: Int) {
    write("checkpoint", CheckpointEvent(path: path, step: step))
  }
  public func runEnded(status: RunStatus, summary: TrainingSummary) {
    write("end", End(status: status, summary: summary))
  }
}
