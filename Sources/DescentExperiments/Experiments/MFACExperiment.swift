import Descent
import DescentData
import DescentNN
import DescentOptimizers
import DescentRuns
import DescentTraining
import Foundation

/// M-FAC (Frantar, Kurtic & Alistarh, "M-FAC: Efficient Matrix-Free Approximations of
/// Second-Order Information", NeurIPS 2021, arXiv:2107.03356): matrix-free products with the
/// inverse of the empirical Fisher F̂ = λI + (1/m) Σ gᵢgᵢᵀ of m gradients, used (a) as an
/// optimizer, u = F̂⁻¹g over a sliding window of the last m gradients (the dynamic algorithm,
/// `MFAC`, catalogue `mfac`), and (b) for Optimal-Brain-Surgeon pruning, score
/// ρ_q = w_q²/(2[F̂⁻¹]_qq) and the compensating update −(w_q/[F̂⁻¹]_qq)F̂⁻¹e_q (the static
/// algorithm, `MFACStaticInverseFisher`, driven by `MFACPruner`).
///
/// Setup: the embedded `digits` (1,797 8×8 images, 10 classes), a seeded split into test (1/6),
/// validation (20 % of the rest) and training, standardized with the training statistics; a
/// 2-layer MLP 64-64-10 (ReLU, PyTorch initialization, float32), batch 32, cross-entropy, the same
/// initialization and data order for every run.
///
/// Part 1 (optimizer; the digest's target (c) and the issue): SGD with momentum 0.9, Adam and
/// M-FAC (m = 64, λ = 1e-5, momentum 0: the reference `main_optim.py` settings with the digest's
/// m) each train for the same epochs with the reference's schedule (`main_optim.py`: the rate
/// ×0.1 at 50 % and 75 % of the epochs, as at epochs 82 and 123 of 164), each over a grid of the
/// same size: its reference default (SGD 0.1, Adam 1e-3, M-FAC 1e-3) times {1/10, 1/3, 1, 3, 10}
/// (quick: {1/3, 1, 3}). Each optimizer's rate is chosen by the final validation loss; the
/// criterion, from the digest ("M-FAC reaches within 5 % of Adam's final loss for the same
/// epochs") as the issue sharpens it: M-FAC's final test loss ≤ 1.05 × the smaller of tuned
/// SGD's and tuned Adam's.
///
/// Part 2 (pruning; the issue, after the paper's §5 one-shot comparisons): the tuned Adam model
/// is pruned, without retraining, to 50 %, 70 % and 90 % sparsity of its two weight matrices
/// (biases kept, as the reference prunes only conv/fc weights) with one global ranking, each
/// sparsity from the dense model: (i) magnitude pruning (`MagnitudePruning`, the reference's
/// `MagPruner`), (ii) M-FAC OBS with the compensating update (`MFACPruner`, the reference's
/// `MFACPruner` with its defaults: λ = 1e-5, 16 recomputations, m = 64 mini-batch gradients of
/// batch 32 from the training split per recomputation, full (unblocked) inverse). Criterion
/// (the issue's): OBS test accuracy ≥ magnitude's at each sparsity. Scores-only OBS (ranking by
/// ρ without the update) is measured and reported as a note, not judged.
///
/// Deviations: a 2-layer MLP on digits instead of ResNets on CIFAR-10/ImageNet (CPU scale); the
/// optimizer runs use no weight decay and no momentum for M-FAC (the reference's defaults);
/// m = 64 instead of the paper's 1024 (the digest's target); the pruner is the
/// reference's full version, not its default block-diagonal one (blocks of 128).
public struct MFACExperiment: Experiment {
  public init() {}

  public let id = "mfac"
  public let claim =
    "M-FAC's matrix-free inverse-Fisher products give an optimizer competitive with tuned SGD "
    + "and Adam, and OBS pruning scores (with the OBS weight update) that beat magnitude pruning "
    + "in one-shot accuracy, at a fraction of the cost of earlier second-order methods."
  public let method =
    "A 64-64-10 MLP on digits (batch 32): SGD (momentum 0.9), Adam and M-FAC (m = 64) each tuned "
    + "over five learning rates (x0.1 at 50% and 75% of the epochs) by validation loss at equal "
    + "epochs, compared by test loss; then "
    + "the tuned Adam model pruned one-shot to 50/70/90% of its weights by magnitude and by "
    + "M-FAC OBS (16 recomputations of 64 mini-batch gradients, compensating update), compared "
    + "by test accuracy without retraining."
  public let quickDifferences: String? =
    "8 epochs instead of 20, learning-rate grid {1/3, 1, 3} × each default instead of "
    + "{1/10, 1/3, 1, 3, 10} ×, pruning with 8 recomputations of 32 gradients instead of 16 of "
    + "64; the same criteria."

  /// Paths of the MLP's prunable weight matrices.
  static let prunedPaths = ["0.weight", "2.weight"]

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    var criteria: [Criterion] = []
    var figures: [ExperimentFigure] = []
    var notes: [String] = []

    let data = try Self.splits(seed: context.seed)
    let epochs = context.size(full: 20, quick: 8)
    let factors: [Double] = context.size(full: [0.1, 1.0 / 3, 1, 3, 10], quick: [1.0 / 3, 1, 3])
    let optimizers: [(name: String, label: String, base: Double, settings: [String: String])] = [
      ("sgd", "SGD (momentum 0.9)", 0.1, ["momentum": "0.9"]),
      ("adam", "Adam", 1e-3, [:]),
      ("mfac", "M-FAC (m = 64)", 1e-3, ["numGradients": "64"]),
    ]

    // Part 1: each optimizer tuned over its grid by the final validation loss.
    var best: [String: TrainedMLP] = [:]
    var curves: [(name: String, x: [Double], y: [Double])] = []
    for optimizer in optimizers {
      for factor in factors {
        let rate = optimizer.base * factor
        let run = try Self.train(
          optimizer: optimizer.name, learningRate: rate, settings: optimizer.settings,
          epochs: epochs, data: data, context: context)
        context.progress(
          "mfac: \(optimizer.name) lr \(Criterion.format(rate)): validation loss "
            + String(format: "%.4f", run.validationLosses.last!) + ", test loss "
            + String(format: "%.4f", run.testLoss))
        // A diverged run (non-finite loss) ranks last, so an optimizer whose every rate
        // diverges is still compared (and fails) instead of stopping the experiment.
        func rank(_ run: TrainedMLP) -> Double {
          let loss = run.validationLosses.last ?? .nan
          return loss.isFinite ? loss : .infinity
        }
        if best[optimizer.name].map({ rank(run) < rank($0) }) ?? true {
          best[optimizer.name] = run
        }
      }
      let chosen = best[optimizer.name]!
      curves.append(
        (
          "\(optimizer.label), lr \(Criterion.format(chosen.learningRate))",
          (0...epochs).map(Double.init), chosen.validationLosses
        ))
    }
    let sgd = best["sgd"]!, adam = best["adam"]!, mfac = best["mfac"]!
    let reference = min(sgd.testLoss, adam.testLoss)
    criteria.append(
      .atMost(
        "M-FAC test loss / min(tuned SGD, tuned Adam) test loss", mfac.testLoss / reference, 1.05))
    figures.append(
      .lines(
        title: "MLP on digits: validation loss by epoch (each optimizer at its tuned rate)",
        xLabel: "epoch", yLabel: "validation cross-entropy", yScale: .log, lines: curves,
        caption: "64-64-10 MLP, batch 32, rate ×0.1 at 50% and 75% of the epochs; each "
          + "optimizer's rate chosen "
          + "from a grid of \(factors.count) by the final validation loss.",
        identifier: "mfac-loss"))
    notes.append(
      "Tuned rates and test losses: SGD lr \(Criterion.format(sgd.learningRate)) "
        + String(format: "%.4f", sgd.testLoss) + ", Adam lr "
        + Criterion.format(adam.learningRate) + String(format: " %.4f", adam.testLoss)
        + ", M-FAC lr \(Criterion.format(mfac.learningRate))"
        + String(format: " %.4f", mfac.testLoss) + "; test accuracies "
        + String(
          format: "%.1f%% / %.1f%% / %.1f%%.", 100 * sgd.testAccuracy, 100 * adam.testAccuracy,
          100 * mfac.testAccuracy))

    // Part 2: one-shot pruning of the tuned Adam model, without retraining.
    let model = adam.model
    let dense = PrunedWeights(weights: Self.prunedWeights(of: model.parameters))
    let recomputations = context.size(full: 16, quick: 8)
    let gradientCount = context.size(full: 64, quick: 32)
    let pruner = MFACPruner(damping: 1e-5, recomputations: recomputations)
    let scoresOnly = MFACPruner(
      damping: 1e-5, recomputations: recomputations, compensating: false)
    var calls = 0
    let gradients: (PrunedWeights) -> [[Double]] = { state in
      calls += 1
      return Self.miniBatchGradients(
        model: model, weights: state.weights, data: data.train, count: gradientCount,
        batchSize: 32, seed: context.stream("fisher batches", calls))
    }
    let sparsities = [0.5, 0.7, 0.9]
    var accuracies: [String: [Double]] = [:]
    for sparsity in sparsities {
      let results: [(String, PrunedWeights)] = [
        ("magnitude", MagnitudePruning.prune(dense, toSparsity: sparsity)),
        ("obs", pruner.prune(dense, toSparsity: sparsity, gradients: gradients)),
        ("scores", scoresOnly.prune(dense, toSparsity: sparsity, gradients: gradients)),
      ]
      for (name, result) in results {
        let pruned = model.with(parameters: Self.parameters(model.parameters, result.weights))
        let accuracy = Trainer.evaluate(model: pruned, data: data.test, inputShape: [64]).accuracy
        accuracies[name, default: []].append(accuracy)
      }
      context.progress(
        "mfac: pruning to \(Int(sparsity * 100))%: test accuracy magnitude "
          + String(format: "%.1f%%", 100 * accuracies["magnitude"]!.last!) + ", M-FAC OBS "
          + String(format: "%.1f%%", 100 * accuracies["obs"]!.last!) + ", scores only "
          + String(format: "%.1f%%", 100 * accuracies["scores"]!.last!))
    }
    for (index, sparsity) in sparsities.enumerated() {
      criteria.append(
        .atLeast(
          "\(Int(sparsity * 100))% sparsity: M-FAC OBS test accuracy - magnitude's, "
            + "percentage points",
          100 * (accuracies["obs"]![index] - accuracies["magnitude"]![index]), 0))
    }
    let xs = [0.0] + sparsities.map { $0 * 100 }
    figures.append(
      .lines(
        title: "One-shot pruning of the MLP (no retraining): test accuracy by sparsity",
        xLabel: "sparsity of the weight matrices (%)", yLabel: "test accuracy (%)",
        lines: [
          ("magnitude", xs, ([adam.testAccuracy] + accuracies["magnitude"]!).map { 100 * $0 }),
          (
            "M-FAC OBS (with update)", xs,
            ([adam.testAccuracy] + accuracies["obs"]!).map { 100 * $0 }
          ),
          ("M-FAC scores only", xs, ([adam.testAccuracy] + accuracies["scores"]!).map { 100 * $0 }),
        ],
        caption: "The tuned Adam model, global ranking over both weight matrices (biases kept); "
          + "M-FAC: λ = 1e-5, \(recomputations) recomputations of \(gradientCount) mini-batch "
          + "gradients (batch 32).",
        identifier: "mfac-pruning"))
    func percentages(_ name: String) -> String {
      accuracies[name]!.map { String(format: "%.1f%%", 100 * $0) }.joined(separator: " / ")
    }
    notes.append(
      "Pruning (test accuracy at 50/70/90%): magnitude " + percentages("magnitude")
        + "; M-FAC OBS with the compensating update " + percentages("obs")
        + "; M-FAC scores only (no update, not judged) " + percentages("scores")
        + String(format: "; dense %.1f%%.", 100 * adam.testAccuracy))
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }

  /// The standardized training, validation and test splits of `digits`.
  struct Splits {
    var train: TensorDataset
    var validation: TensorDataset
    var test: TensorDataset
  }

  static func splits(seed: UInt64) throws -> Splits {
    let full = try EmbeddedDataset.digits.load()
    let (development, test) = trainTestSplit(
      full, testFraction: 1.0 / 6, seed: ExperimentContext(seed: seed).stream("test split"))
    let (train, validation) = trainTestSplit(development, testFraction: 0.2, seed: seed)
    let standardization = Standardization(fitting: train.features)
    return Splits(
      train: standardization.apply(to: train), validation: standardization.apply(to: validation),
      test: standardization.apply(to: test))
  }

  /// A finished optimizer run: its model, validation loss after each epoch (epoch 0 first) and
  /// final test numbers.
  struct TrainedMLP {
    var learningRate: Double
    var model: MLP
    var validationLosses: [Double]
    var testLoss: Double
    var testAccuracy: Double
  }

  /// Trains the 64-64-10 MLP with the catalogue's `optimizer`, recorded in the run store.
  static func train(
    optimizer name: String, learningRate: Double, settings: [String: String], epochs: Int,
    data: Splits, context: ExperimentContext
  ) throws -> TrainedMLP {
    let started = Date()
    let initial = MLP(widths: [64, 64, 10], key: RandomKey(seed: context.seed))
    var parameters = initial.parameters
    var loader = DataLoader(data.train, batchSize: 32, shuffle: true, seed: context.stream("batches"))
    let perEpoch = loader.batchesPerEpoch
    let schedule = MultiStepDecay(
      initial: learningRate, milestones: [epochs / 2 * perEpoch, epochs * 3 / 4 * perEpoch],
      gamma: 0.1)
    let optimizer = Optimizer(
      erasing: try transformation(name, learningRate: Hyperparameter(schedule), settings: settings),
      for: parameters, seed: context.seed)
    func evaluate(_ set: TensorDataset) -> (loss: Double, accuracy: Double) {
      Trainer.evaluate(model: initial.with(parameters: parameters), data: set, inputShape: [64])
    }
    var losses: [Double] = []
    var validation = [evaluate(data.validation)]
    var evaluations = [
      EvaluationPoint(step: 0, loss: validation[0].loss, accuracy: validation[0].accuracy)
    ]
    for _ in 0..<epochs {
      for _ in 0..<loader.batchesPerEpoch {
        let batch = loader.next()
        let (value, gradients) = valueAndGrad(
          of: { p in
            crossEntropy(
              logits: initial.with(parameters: p)(batch.features, context: .evaluation),
              labels: batch.labels)
          }, at: parameters)
        let loss = value.doubles[0]
        losses.append(loss)
        try optimizer.step(&parameters, gradients: gradients, loss: loss)
      }
      let point = evaluate(data.validation)
      validation.append(point)
      evaluations.append(
        EvaluationPoint(step: losses.count, loss: point.loss, accuracy: point.accuracy))
    }
    let test = evaluate(data.test)
    var hyperparameters = ["learningRate": learningRate]
    for (key, value) in settings { hyperparameters[key] = Double(value) }
    try context.recorder?.record(
      name: "mfac \(name) lr \(Criterion.format(learningRate))",
      task: "mlp 64-64-10 on digits", optimizer: name, hyperparameters: hyperparameters,
      seed: context.seed, losses: losses, evaluations: evaluations,
      seconds: Date().timeIntervalSince(started))
    let validationLosses = validation.map { $0.loss.isFinite ? $0.loss : .infinity }
    return TrainedMLP(
      learningRate: learningRate, model: initial.with(parameters: parameters),
      validationLosses: validationLosses, testLoss: test.loss.isFinite ? test.loss : .infinity,
      testAccuracy: test.accuracy)
  }

  /// SGD, Adam or M-FAC with `learningRate` (a schedule) and `settings` (`momentum` of SGD,
  /// `numGradients` of M-FAC); every other hyperparameter at its default.
  static func transformation(
    _ name: String, learningRate: Hyperparameter, settings: [String: String]
  ) throws -> any GradientTransformation {
    switch name {
    case "sgd":
      try SGD(learningRate: learningRate, momentum: Double(settings["momentum"] ?? "0")!)
    case "adam": try Adam(learningRate: learningRate)
    default:
      try MFAC(
        learningRate: learningRate, numGradients: Int(settings["numGradients"] ?? "1024")!,
        damping: Double(settings["damping"] ?? "1e-5")!)
    }
  }

  /// The prunable weights (``prunedPaths``), flattened in tree order.
  static func prunedWeights(of parameters: ParameterTree) -> [Double] {
    prunedPaths.flatMap { parameters[$0]!.doubles }
  }

  /// `parameters` with the prunable weights replaced by `weights` (in ``prunedWeights(of:)``'s
  /// order).
  static func parameters(_ parameters: ParameterTree, _ weights: [Double]) -> ParameterTree {
    var result = parameters
    var offset = 0
    for path in prunedPaths {
      let tensor = parameters[path]!
      result[path] = Tensor(
        Array(weights[offset..<(offset + tensor.count)]), shape: tensor.shape, dtype: tensor.dtype)
      offset += tensor.count
    }
    return result
  }

  /// `count` mini-batch gradients (batch `batchSize`, consecutive batches of a seeded shuffle of
  /// `data`, reshuffled when it runs out) of the cross-entropy with respect to the prunable
  /// weights, at `model` with those weights set to `weights`.
  static func miniBatchGradients(
    model: MLP, weights: [Double], data: TensorDataset, count: Int, batchSize: Int, seed: UInt64
  ) -> [[Double]] {
    let parameters = parameters(model.parameters, weights)
    var loader = DataLoader(data, batchSize: batchSize, shuffle: true, seed: seed, dropLast: true)
    return (0..<count).map { _ in
      let batch = loader.next()
      let gradient = grad(
        of: { p in
          crossEntropy(
            logits: model.with(parameters: p)(batch.features, context: .evaluation),
            labels: batch.labels)
        }, at: parameters)
      return prunedWeights(of: gradient)
    }
  }
}
