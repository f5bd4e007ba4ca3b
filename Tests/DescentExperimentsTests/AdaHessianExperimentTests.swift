import DescentExperiments
import Foundation
import Testing

/// The adahessian experiment, quick, on two seeds it was not tuned on. Two of its criteria do not
/// reproduce (docs/reproduce/adahessian.md): "≥ 3× fewer steps than best-tuned Adam" on the
/// diagonal quadratic, and "AdaHessian's test accuracy ≥ Adam's" on the CNN at this budget. The
/// tests assert that they are reported as failed with the measured values, and what does hold.
@Suite struct AdaHessianExperimentTests {
  static func criterion(_ findings: ExperimentFindings, _ prefix: String) throws -> Criterion {
    try #require(findings.criteria.first { $0.name.hasPrefix(prefix) })
  }

  @Test(arguments: [UInt64(11), 12])
  func quickRun(seed: UInt64) throws {
    let findings = try AdaHessianExperiment().run(ExperimentContext(seed: seed, quick: true))
    #expect(findings.criteria.count == 3)
    #expect(findings.figures.count == 2)

    // Holds: AdaHessian at its defaults reaches f < 1e-6 within 200 steps (173: the quadratic is
    // diagonal, so the probe does not matter and the count is the same on every seed).
    let reach = try Self.criterion(findings, "Quadratic: AdaHessian")
    #expect(reach.passed)
    #expect(reach.measured == 173)

    // Does not hold: best-tuned Adam (lr 1 lands on theta ≈ 0 in its first step) needs 1 step.
    let ratio = try Self.criterion(findings, "Quadratic: best-tuned Adam")
    #expect(!ratio.passed)
    #expect(abs(ratio.measured - 1.0 / 173) < 1e-12)
    // Even without lr 1, Adam's best first crossing (178 at lr 10^-1.25) is within 3% of
    // AdaHessian's: the note says so.
    #expect(
      findings.notes.contains {
        $0.contains("best with lr < 1: lr 0.0562341: first below at step 178")
      })

    // The CNN comparison is measured (a finite gap) and both optimizers learn: each best test
    // accuracy (in the note) is far above chance (10%).
    let cnn = try Self.criterion(findings, "CNN: AdaHessian")
    #expect(cnn.measured.isFinite)
    let note = try #require(findings.notes.first { $0.hasPrefix("CNN part") })
    let accuracies = note.split(separator: "(").dropFirst().compactMap { part in
      Double(part.dropFirst("test ".count).prefix { $0.isNumber || $0 == "." })
    }
    #expect(accuracies.count == 2)
    for accuracy in accuracies { #expect(accuracy >= 40, "\(note)") }
  }
}
