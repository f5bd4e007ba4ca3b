import Descent
import DescentData
import DescentOptimizers
import DescentTraining
import Foundation

/// Sophia (Liu, Li, Hall, Liang & Ma, "Sophia: A Scalable Stochastic Second-order Optimizer for
/// Language Model Pre-training", ICLR 2024, arXiv:2305.14342): momentum divided by an EMA h of a
/// diagonal Hessian estimate, clipped per coordinate,
///
/// ```
/// m ← β₁m + (1 − β₁)g;   θ ← θ(1 − η·λ);   θ ← θ − η·clip(m / max(ρ·h, ε), 1)
/// every k steps: h ← β₂h + (1 − β₂)ĥ
/// ```
///
/// with ĥ = B·ĝ⊙ĝ, ĝ the gradient on labels sampled from the model's own softmax
/// (Gauss–Newton–Bartlett, SophiaG: the catalogue's `sophia`, official `sophia.py`; the Trainer
/// samples the labels every k steps, see `SampledLabelHessianEstimate`), or ĥ = u⊙(∇²L·u),
/// u ~ N(0, I) (Hutchinson, SophiaH: the catalogue's `sophiah`, pytorch_optimizer's, its
/// Hessian-vector product through the Trainer's kept gradient graph).
///
/// Setup (the paper's GPT-2 pre-training at laptop scale): a character-level GPT (`gpt-char`,
/// 1 layer, 2 heads, width 32, context 16) trained through `Trainer` on text from a fixed random
/// second-order Markov source with Zipfian character frequencies (`SyntheticData.markovText`,
/// 16 characters, 200,000 of them; the tail 10 % is the validation split) — the digest's task;
/// no natural-language corpus is available offline (KJV needs `scripts/prepare-dataset.sh`).
/// Batches of 16 windows (256 predicted tokens), a cosine schedule to 0 with a linear warm-up
/// (5 % of the run), as in the paper. Every optimizer gets the same step budget and the same
/// peak learning-rate grid (the digest's {1e-3, 3e-3}, widened by 1e-2 since the digest's grid is
/// for a smaller MLP), and is tuned by its final validation loss:
/// - AdamW: β = (0.9, 0.95), ε 1e-8, weight decay 0.1 (the paper's GPT-2 baseline).
/// - SophiaG: β = (0.965, 0.99), weight decay 0.2 (the official advice: 2× AdamW's), k = 10,
///   ρ ∈ {0.02, 0.05} (the digest), `batchSize` = 256 (tokens per batch, the official `bs`).
/// - SophiaH, put in SophiaG's form: pytorch_optimizer's step is η_H·clamp(m/max(h, ε), ±p),
///   which is η·clip(m/(ρh), 1) for p = ρ and η_H = η/ρ; its decoupled decay η_H·λ_H equals
///   η·0.2 for λ_H = 0.2ρ. Same β, k = 10, one Gaussian probe, ρ = 0.05, the same η grid.
///
/// Criteria, each from the issue (for SophiaG and for SophiaH separately): the tuned Sophia's
/// validation loss at the end of the run (equal steps) is below tuned AdamW's, or it reaches
/// tuned AdamW's final validation loss in ≤ 0.8× AdamW's steps (the digest's acceptance 1 — the
/// paper's 2× is at GPT-2 scale). Steps to the target: the first evaluation (every 20 steps of
/// the 500) at or below it. Both numbers are reported in the notes. And the digest's acceptance 2:
/// the tuned SophiaG's `win_rate` (`SophiaG.State.winRate`, the fraction of coordinates not
/// clipped) is in [0.1, 0.5] after warm-up — read at the last step, since the Trainer exposes
/// the optimizer's state at the end of a run, not per step. (The digest's acceptance 3, the
/// golden step, is DescentOptimizersTests' SophiaTests.)
///
/// Measured (docs/reproduce/sophia.md): no criterion holds. Tuned AdamW ends at 1.99 nats, tuned
/// SophiaG at 2.21 and SophiaH at 2.25; SophiaG's win rate is 0.02–0.06 at ρ ∈ {0.02, 0.05}
/// (almost every coordinate clipped: a sign step), below the advised 0.1–0.5.
///
/// Deviations from the paper: a 1-layer model of about 14k parameters on synthetic text, not
/// GPT-2 on OpenWebText; no gradient clipping (the official script clips g and ĝ to norm 1); SophiaH's
/// Hutchinson form is pytorch_optimizer's, the older official one had γ and bias correction.
public struct SophiaExperiment: Experiment {
  public init() {}

  public let id = "sophia"
  public let claim =
    "Sophia (SophiaG, with the Gauss-Newton-Bartlett estimate from labels sampled from the model, "
    + "and SophiaH, with the Hutchinson estimate) reaches the same validation loss as AdamW in "
    + "half the steps, total compute and wall-clock time on GPT-2 125M-770M pre-training."
  public let method =
    "A 1-layer character GPT (width 32, context 16) on 200,000 characters of a fixed random "
    + "second-order Markov source; AdamW, SophiaG (rho 0.02/0.05, k 10) and SophiaH (rho "
    + "0.05, k 10) share a step budget, a cosine schedule with warm-up and a peak "
    + "learning-rate grid {1e-3, 3e-3, 1e-2}; each is tuned by final validation loss and "
    + "compared with tuned AdamW at equal steps and by steps to AdamW's final validation loss."
  public let quickDifferences: String? =
    "200 steps instead of 500, and each optimizer only at what the full run's tuning picked on "
    + "seed 0 (AdamW lr 1e-2; SophiaG rho 0.02, lr 1e-3; SophiaH rho 0.05, lr 1e-3); the same "
    + "criteria."

  /// What the full run's tuning picked on seed 0 (the quick run's only configurations).
  static let quickAdamWRate = 1e-2
  static let quickSophiaG = (rho: 0.02, rate: 1e-3)
  static let quickSophiaH = (rho: 0.05, rate: 1e-3)

  /// One tuned configuration's validation curve.
  struct Curve {
    var name: String
    var learningRate: Double
    var rho: Double?
    var steps: [Int]
    var losses: [Double]
    var winRate: Double?
    var final: Double { losses.last ?? .nan }
  }

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    let length = 200_000
    let steps = context.size(full: 500, quick: 200)
    let evalEvery = context.size(full: 20, quick: 20)
    let grid = [1e-3, 3e-3, 1e-2]
    // Quick: each optimizer only at what the full run's tuning picked (seed 0).
    let adamWRates = context.size(full: grid, quick: [Self.quickAdamWRate])
    let sophiaGGrid = context.size(
      full: [0.02, 0.05].flatMap { rho in grid.map { (rho, $0) } }, quick: [Self.quickSophiaG])
    let sophiaHGrid = context.size(full: grid.map { (0.05, $0) }, quick: [Self.quickSophiaH])
    let batchSize = 16, contextLength = 16

    let text = SyntheticData.markovText(length: length, seed: 0x50F1_A000 &+ context.seed)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-sophia-markov-\(context.seed)-\(UUID().uuidString).txt")
    try text.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let entropy = SyntheticData.markovEntropyRate()

    func base(_ optimizer: String, _ rate: Double) -> TrainingConfiguration {
      var c = TrainingConfiguration()
      c.model = "gpt-char:layers=1,heads=2,dim=32,context=\(contextLength)"
      c.data = url.path
      c.testFraction = 0.1
      c.optimizer = optimizer
      c.learningRate = rate
      c.batchSize = batchSize
      c.steps = steps
      c.schedule = .cosine
      c.warmup = steps / 20
      c.evalEvery = evalEvery
      c.seed = context.seed
      return c
    }
    func train(_ c: TrainingConfiguration, name: String, rho: Double?) throws -> Curve {
      let run = try context.train(c)
      let history = run.trainer.evaluationHistory
      let curve = Curve(
        name: name, learningRate: c.learningRate!, rho: rho, steps: history.map(\.step),
        losses: history.map(\.loss),
        winRate: run.trainer.optimizerState(as: SophiaG.State.self)?.winRate)
      context.progress(
        "sophia: \(name) lr \(Criterion.format(c.learningRate!))"
          + (rho.map { " rho \(Criterion.format($0))" } ?? "")
          + String(format: ": final validation loss %.4f", curve.final)
          + (curve.winRate.map { String(format: ", win rate %.3f", $0) } ?? ""))
      return curve
    }
    func best(_ curves: [Curve]) -> Curve {
      func key(_ c: Curve) -> Double { c.final.isFinite ? c.final : .infinity }
      return curves.min { key($0) < key($1) }!
    }

    var adamWRuns: [Curve] = []
    for rate in adamWRates {
      var c = base("adamw", rate)
      c.settings = ["beta1": "0.9", "beta2": "0.95", "epsilon": "1e-8", "weightDecay": "0.1"]
      adamWRuns.append(try train(c, name: "AdamW", rho: nil))
    }
    var sophiaGRuns: [Curve] = []
    var sophiaHRuns: [Curve] = []
    for (rho, rate) in sophiaGGrid {
      var g = base("sophia", rate)
      g.settings = [
        "beta1": "0.965", "beta2": "0.99", "rho": "\(rho)", "weightDecay": "0.2",
        "batchSize": "\(batchSize * contextLength)", "hessianUpdateInterval": "10",
      ]
      sophiaGRuns.append(try train(g, name: "SophiaG", rho: rho))
    }
    for (rho, rate) in sophiaHGrid {
      var h = base("sophiah", rate / rho)
      h.settings = [
        "beta1": "0.965", "beta2": "0.99", "clip": "\(rho)", "weightDecay": "\(0.2 * rho)",
        "hessianUpdateInterval": "10", "samples": "1", "epsilon": "1e-12",
      ]
      var curve = try train(h, name: "SophiaH", rho: rho)
      curve.learningRate = rate  // the grid's η; the optimizer ran with η/ρ
      sophiaHRuns.append(curve)
    }

    let adamW = best(adamWRuns)
    let target = adamW.final
    let adamWSteps = steps
    var criteria: [Criterion] = []
    var notes: [String] = []
    for (label, curve) in [("SophiaG", best(sophiaGRuns)), ("SophiaH", best(sophiaHRuns))] {
      let gap = curve.final - target
      let reached = zip(curve.steps, curve.losses).first { $0.1 <= target }?.0
      let ratio = reached.map { Double($0) / Double(adamWSteps) } ?? .infinity
      criteria.append(
        Criterion(
          name: "\(label): steps to tuned AdamW's final validation loss / AdamW's steps "
            + "(passes also when its validation loss at equal steps is lower)",
          measured: ratio, target: "≤ 0.8, or final validation loss < AdamW's",
          passed: ratio <= 0.8 || gap < 0))
      notes.append(
        "\(label) tuned (lr \(Criterion.format(curve.learningRate)), rho "
          + Criterion.format(curve.rho ?? .nan)
          + String(format: "): final validation loss %.4f", curve.final)
          + String(format: " vs tuned AdamW's %.4f (lr ", target)
          + Criterion.format(adamW.learningRate)
          + String(format: "), difference %+.4f; ", gap)
          + (reached.map { "reaches AdamW's final loss at step \($0) of \(adamWSteps)" }
            ?? "does not reach AdamW's final loss within \(adamWSteps) steps")
          + (ratio.isFinite ? String(format: " (ratio %.3f).", ratio) : " (ratio ∞)."))
    }
    let tunedG = best(sophiaGRuns)
    criteria.append(
      .within("SophiaG (tuned): win rate at the last step", tunedG.winRate ?? .nan, 0.1, 0.5))
    notes.append(
      "SophiaG win rate at the last step, by (rho, lr): "
        + sophiaGRuns.map {
          "(\(Criterion.format($0.rho!)), \(Criterion.format($0.learningRate))) "
            + String(format: "%.3f", $0.winRate ?? .nan)
        }.joined(separator: ", ") + ".")
    notes.append(
      "Final validation loss by lr — AdamW: "
        + adamWRuns.map { Criterion.format($0.learningRate) + String(format: " %.4f", $0.final) }
        .joined(separator: ", ") + "; SophiaG: "
        + sophiaGRuns.map {
          "rho \(Criterion.format($0.rho!)) lr \(Criterion.format($0.learningRate))"
            + String(format: " %.4f", $0.final)
        }.joined(separator: ", ") + "; SophiaH (lr = grid lr / rho, clip = rho): "
        + sophiaHRuns.map {
          "rho \(Criterion.format($0.rho!)) lr \(Criterion.format($0.learningRate))"
            + String(format: " %.4f", $0.final)
        }.joined(separator: ", ") + ".")
    notes.append(
      String(format: "The source's entropy rate (the best achievable loss) is %.4f nats; ", entropy)
        + String(format: "uniform guessing gives ln 16 = %.4f.", Foundation.log(16.0)))

    let figure = ExperimentFigure.lines(
      title: "Character GPT on a Markov source: validation loss by step",
      xLabel: "step", yLabel: "validation loss (nats per character)",
      lines: [adamW, tunedG, best(sophiaHRuns)].map { curve in
        (
          "\(curve.name) (lr \(Criterion.format(curve.learningRate))"
            + (curve.rho.map { ", rho \(Criterion.format($0))" } ?? "") + ")",
          curve.steps.map(Double.init), curve.losses
        )
      },
      caption: "Each optimizer at its tuned learning rate (and rho), same steps, batches and "
        + "schedule; evaluation every \(evalEvery) steps on the held-out 10 % of the text.",
      identifier: "sophia-validation")
    return ExperimentFindings(criteria: criteria, figures: [figure], notes: notes)
  }
}
