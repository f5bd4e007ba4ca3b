import Foundation

/// Live progress of a run on standard output: on a terminal a one-line bar redrawn with `\r`
/// (step, epoch, loss, batch accuracy, steps/s, time left); otherwise a plain line every
/// `every` steps and one per evaluation, so logs stay readable.
public final class ProgressPrinter: TrainingObserver {
  private let isTerminal: Bool
  private let every: Int
  private let write: (String) -> Void
  private var totalSteps = 0
  private var startStep = 0
  private var lastDraw = -1.0
  private var lastEval: (loss: Double, accuracy: Double)?

  /// `isTerminal` nil: decided by `isatty(1)`.
  public init(isTerminal: Bool? = nil, every: Int = 50, write: @escaping (String) -> Void) {
    self.isTerminal = isTerminal ?? (isatty(1) != 0)
    self.every = max(1, every)
    self.write = write
  }

  public func runStarted(_ start: RunStart) {
    totalSteps = start.totalSteps
    startStep = start.startStep
    let from = start.startStep > 0 ? ", resuming at step \(start.startStep)" : ""
    write(
      "run \(start.runId): \(start.configuration.model) on \(start.configuration.data), "
        + "\(start.configuration.optimizer), \(start.totalSteps) steps, "
        + "\(start.parameterCount) parameters\(from)\n")
  }

  public func stepFinished(_ r: StepRecord) {
    let rate = Double(r.step - startStep) / max(r.seconds, 1e-9)
    let left = Double(totalSteps - r.step) / max(rate, 1e-9)
    let skipped = r.skipped ? " (skipped: non-finite)" : ""
    if isTerminal {
      guard r.seconds - lastDraw >= 0.1 || r.step == totalSteps else { return }
      lastDraw = r.seconds
      let width = 24
      let filled = totalSteps > 0 ? width * r.step / totalSteps : width
      let bar =
        String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
      write(
        "\r\(bar) step \(r.step)/\(totalSteps) epoch \(r.epoch + 1) loss \(format(r.loss)) "
          + "acc \(format(r.accuracy)) \(format(rate)) steps/s \(duration(left)) left\(skipped)\u{1B}[K"
      )
    } else if r.step % every == 0 || r.step == totalSteps || r.skipped {
      write(
        "step \(r.step)/\(totalSteps) epoch \(r.epoch + 1) loss \(format(r.loss)) "
          + "acc \(format(r.accuracy)) lr \(format(r.learningRate)) \(format(rate)) steps/s "
          + "\(duration(left)) left\(skipped)\n")
    }
  }

  public func evaluated(step: Int, loss: Double, accuracy: Double) {
    lastEval = (loss, accuracy)
    if isTerminal { write("\r\u{1B}[K") }
    write("eval at step \(step): loss \(format(loss)) accuracy \(format(accuracy))\n")
  }

  public func checkpointWritten(path: String, step: Int) {
    if !isTerminal { write("checkpoint at step \(step): \(path)\n") }
  }

  public func runEnded(status: RunStatus, summary: TrainingSummary) {
    if isTerminal { write("\n") }
    var line = "\(status.rawValue) after \(summary.steps) steps in \(duration(summary.seconds))"
    if let path = summary.checkpointPath, status == .interrupted {
      line += "; resume with: descent train --resume \(path)"
    }
    write(line + "\n")
  }

  /// `nan` for any NaN (printf writes a NaN with its sign bit set as `-nan`).
  private func format(_ x: Double) -> String { x.isNaN ? "nan" : String(format: "%.4g", x) }

  private func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    return s >= 60
      ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : String(format: "%.1fs", seconds)
  }
}
