import Descent
import DescentData
import DescentNN
import DescentOptimizers
import DescentRuns
import DescentTraining
import Foundation

/// Scalable neural-network kernels (Sehanobish, Choromanski, Zhao, Dubey and Likhosherstov,
/// "Scalable Neural Network Kernels", ICLR 2024, arXiv:2310.13225; official code
/// arijitthegame/neural-network-kernels).
///
/// The paper: a feed-forward layer x ↦ f(Wx) can be replaced by φ(x)·ψ(w_j), random features of
/// the input and of the weights meeting in a dot product (``SNNKReLU``), which estimates a kernel
/// of x and w and trains out·m instead of out·(d + 1) parameters — "up to 5× fewer trainable
/// parameters at competitive accuracy"; a network linear in feature space has a closed-form
/// squared-error head ("bundling"). The digest's laptop-scale repro:
///
/// 1. **Kernel estimate.** For unit x, w ∈ R¹⁶ and m = 4096 features, φ(x)·φ(w) estimates the
///    arc-cosine kernel ‖x‖‖w‖(sin θ + (π − θ)cos θ)/2π (``arcCosineKernel(_:_:)``). 8 random
///    pairs, 50 projection seeds each, Gaussian and block-orthogonal G (``RandomProjection``).
///    Criteria: (a) the 50-seed mean is within 2% of the closed form for every pair and both
///    projections; (b) the block-orthogonal estimate has the lower variance (relative variance
///    summed over the pairs).
/// 2. **Model.** A 10-class Gaussian mixture in 64 dimensions (class means 0.35·N(0, I), unit
///    isotropic noise, 4000 training and 4000 test points), MLP 64 → 256 (ReLU) → 10 against the
///    same network with the 64 → 256 layer replaced by SNNK-ReLU with m = 32 (block-orthogonal G),
///    both trained by Adam (lr 10⁻³, batch 64, 20 epochs), 3 initializations each. Criterion (c):
///    mean test accuracy within 2 pp of the dense model with ≥ 2× fewer trainable parameters in
///    that layer (8,192 against 16,640).
/// 3. **Bundling.** Criterion (d): ``SNNKReLU/bundledRidge(features:targets:penalty:)`` on the
///    m = 32 features of the training set (one-hot targets, λ = 1) equals a bias-free
///    `Linear(32, 10)` trained on the same loss by full-batch heavy-ball gradient descent (SGD with
///    momentum at the optimal rate for the measured condition number) to 10⁻⁴ relative.
public struct SNNKExperiment: Experiment {
  public init() {}

  public let id = "snnk"
  public let claim =
    "A feed-forward layer can be replaced by a scalable neural-network kernel: random features "
    + "of the input and of the weights meeting in a dot product (SNNK-ReLU estimates the "
    + "arc-cosine kernel), with up to 5x fewer trainable parameters at competitive accuracy; "
    + "orthogonal random features lower the estimator's variance, and a network linear in feature "
    + "space has a closed-form (bundled) squared-error head."
  public let method =
    "Kernel: 8 pairs of unit vectors in R^16, m = 4096, 50 projection seeds, Gaussian and "
    + "block-orthogonal G. Model: 10-class Gaussian mixture in R^64, MLP 64-256-10 against "
    + "SNNK-ReLU(64 -> 256, m = 32)-10, Adam lr 1e-3, batch 64, 20 epochs, 3 initializations. "
    + "Bundling: closed-form ridge on the 32 features against a gradient-trained linear head."
  public let quickDifferences: String? =
    "10 training epochs instead of 20 and 2 initializations instead of 3, no m = 128 diagnostic "
    + "run; the kernel and bundling parts are unchanged. The criteria are the same."

  static let kernelDimension = 16, kernelFeatures = 4096, kernelPairs = 8, projectionSeeds = 50
  static let inputs = 64, hidden = 256, classes = 10, modelFeatures = 32
  static let meanScale = 0.35, trainingPoints = 4000, testPoints = 4000
  static let ridgePenalty = 1.0
  static let diagnosticFeatures = 128

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    let kernel = kernelEstimates(context: context)
    context.progress("snnk: kernel estimates done")
    let data = Self.mixture(context: context)
    let initializations = context.size(full: 3, quick: 2)
    let epochs = context.size(full: 20, quick: 10)
    var dense: [Double] = []
    var snnk: [Double] = []
    var curves: [(name: String, x: [Double], y: [Double])] = []
    var wideAccuracy: Double?
    for i in 0..<initializations {
      let key = RandomKey(seed: context.stream("initialization", i))
      let d = try Self.train(
        Sequential(
          Linear(Self.inputs, Self.hidden, key: key.folded(in: 0)), Activation.relu,
          Linear(Self.hidden, Self.classes, key: key.folded(in: 1))),
        name: "dense", data: data, epochs: epochs, index: i, context: context)
      let s = try Self.train(
        Sequential(
          SNNKReLU(
            Self.inputs, Self.hidden, features: Self.modelFeatures, projection: .blockOrthogonal,
            key: key.folded(in: 0)),
          Linear(Self.hidden, Self.classes, key: key.folded(in: 1))),
        name: "snnk", data: data, epochs: epochs, index: i, context: context)
      dense.append(d.accuracy)
      snnk.append(s.accuracy)
      if i == 0 {
        curves = [("dense 64-256", d.epochs, d.curve), ("SNNK-ReLU m = 32", s.epochs, s.curve)]
        if !context.quick {
          // A diagnostic, not a criterion: with m ≥ d the features keep the input's information.
          let wide = try Self.train(
            Sequential(
              SNNKReLU(
                Self.inputs, Self.hidden, features: Self.diagnosticFeatures,
                projection: .blockOrthogonal, key: key.folded(in: 0)),
              Linear(Self.hidden, Self.classes, key: key.folded(in: 1))),
            name: "snnk m \(Self.diagnosticFeatures)", data: data, epochs: epochs, index: i,
            context: context)
          wideAccuracy = wide.accuracy
          curves.append(("SNNK-ReLU m = \(Self.diagnosticFeatures)", wide.epochs, wide.curve))
        }
      }
      context.progress("snnk: initialization \(i + 1) of \(initializations) trained")
    }
    let denseMean = dense.reduce(0, +) / Double(dense.count)
    let snnkMean = snnk.reduce(0, +) / Double(snnk.count)
    let denseParameters = Self.inputs * Self.hidden + Self.hidden
    let snnkParameters = Self.hidden * Self.modelFeatures
    let parameterRatio = Double(denseParameters) / Double(snnkParameters)
    let bundling = try bundledAgainstTrained(data: data, context: context)
    context.progress("snnk: bundling done")

    let gap = denseMean - snnkMean
    let criteria: [Criterion] = [
      .atMost(
        "(a) worst relative error of the 50-seed mean estimate against the arc-cosine kernel "
          + "(8 pairs, both projections)", kernel.worstError, 0.02),
      .atMost(
        "(b) relative variance, block-orthogonal / Gaussian projection (summed over pairs)",
        kernel.varianceRatio, 1),
      Criterion(
        name: "(c) dense test accuracy - SNNK test accuracy (pp), with >= 2x fewer trainable "
          + "parameters in the layer (ratio \(Criterion.format(parameterRatio)))",
        measured: 100 * gap, target: "<= 2", passed: 100 * gap <= 2 && parameterRatio >= 2),
      .atMost(
        "(d) max |gradient-trained head - bundled closed form| / max |closed form|",
        bundling.relativeDifference, 1e-4),
    ]
    func list(_ values: [Double]) -> String {
      values.map { Criterion.format(100 * $0) }.joined(separator: ", ")
    }
    let notes = [
      "(a) relative errors of the mean estimate per pair, Gaussian: "
        + kernel.gaussianErrors.map { Criterion.format($0) }.joined(separator: ", ")
        + "; block-orthogonal: "
        + kernel.orthogonalErrors.map { Criterion.format($0) }.joined(separator: ", ") + ".",
      "(b) summed relative variance over \(Self.projectionSeeds) seeds: Gaussian "
        + Criterion.format(kernel.gaussianVariance) + ", block-orthogonal "
        + Criterion.format(kernel.orthogonalVariance) + ".",
      "(c) test accuracy (%) per initialization, dense: " + list(dense) + "; SNNK: "
        + list(snnk) + "; trainable parameters in the layer: dense \(denseParameters), SNNK "
        + "\(snnkParameters); the closed-form ridge classifier on m = 32 features of the same "
        + "kind reaches " + Criterion.format(100 * bundling.testAccuracy) + "% on the test set"
        + (wideAccuracy.map {
          "; SNNK-ReLU with m = \(Self.diagnosticFeatures) (32,768 parameters, more than dense) "
            + "reaches " + Criterion.format(100 * $0) + "% (first initialization)"
        } ?? "") + ".",
      "(d) condition number of Phi^T Phi + lambda I: " + Criterion.format(bundling.condition)
        + "; \(bundling.steps) full-batch steps; final gradient norm "
        + Criterion.format(bundling.gradientNorm) + ".",
    ]
    let figures = [
      ExperimentFigure.lines(
        title: "Dense layer against SNNK-ReLU (m = 32)", xLabel: "epoch",
        yLabel: "test accuracy", yScale: .linear, lines: curves,
        caption: "Test accuracy during training on the 64-dimensional 10-class Gaussian mixture, "
          + "first initialization.",
        identifier: "snnk-accuracy")
    ]
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }

  // MARK: - 1. Kernel estimates

  private struct KernelEstimates {
    var gaussianErrors: [Double]
    var orthogonalErrors: [Double]
    var gaussianVariance: Double
    var orthogonalVariance: Double
    var worstError: Double { (gaussianErrors + orthogonalErrors).max()! }
    var varianceRatio: Double { orthogonalVariance / gaussianVariance }
  }

  private func kernelEstimates(context: ExperimentContext) -> KernelEstimates {
    let d = Self.kernelDimension
    let raw = Tensor.normal(
      [2 * Self.kernelPairs, d], dtype: .float64, key: RandomKey(seed: context.stream("pairs")))
    let unit = raw / (raw * raw).sum(axis: 1, keepDims: true).sqrt()
    let x = unit.slice(axis: 0, start: 0, end: Self.kernelPairs)
    let w = unit.slice(axis: 0, start: Self.kernelPairs)
    let exact = (0..<Self.kernelPairs).map { p in
      arcCosineKernel(
        x.slice(axis: 0, start: p, end: p + 1), w.slice(axis: 0, start: p, end: p + 1)
      ).item
    }
    var result = KernelEstimates(
      gaussianErrors: [], orthogonalErrors: [], gaussianVariance: 0, orthogonalVariance: 0)
    for kind in [RandomProjection.gaussian, .blockOrthogonal] {
      var estimates = [[Double]](repeating: [], count: Self.kernelPairs)
      for s in 0..<Self.projectionSeeds {
        let g = kind.matrix(
          rows: Self.kernelFeatures, columns: d, dtype: .float64,
          key: RandomKey(seed: context.stream("projection \(kind.rawValue)", s)))
        let products = (SNNKReLU.features(x, projection: g) * SNNKReLU.features(w, projection: g))
          .sum(axis: 1).doubles
        for p in 0..<Self.kernelPairs { estimates[p].append(products[p]) }
      }
      var errors: [Double] = []
      var variance = 0.0
      for p in 0..<Self.kernelPairs {
        let n = Double(estimates[p].count)
        let mean = estimates[p].reduce(0, +) / n
        let spread = estimates[p].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        errors.append(abs(mean - exact[p]) / exact[p])
        variance += spread / (exact[p] * exact[p])
      }
      if kind == .gaussian {
        result.gaussianErrors = errors
        result.gaussianVariance = variance
      } else {
        result.orthogonalErrors = errors
        result.orthogonalVariance = variance
      }
    }
    return result
  }

  // MARK: - 2. The model

  struct Splits {
    var train: TensorDataset
    var test: TensorDataset
  }

  /// Class means `meanScale`·N(0, I₆₄), x = μ_y + N(0, I), labels uniform.
  static func mixture(context: ExperimentContext) -> Splits {
    let key = RandomKey(seed: context.stream("mixture"))
    let means = Tensor.normal([classes, inputs], std: meanScale, key: key.folded(in: 0))
    func split(_ count: Int, _ index: UInt64, _ name: String) -> TensorDataset {
      let labels = Tensor.randint([count], low: 0, high: classes, key: key.folded(in: index))
      let noise = Tensor.normal([count, inputs], key: key.folded(in: index + 10))
      let features = means.indexSelect(axis: 0, indices: labels) + noise
      return TensorDataset(name: name, features: features, labels: labels, classCount: classes)
    }
    return Splits(train: split(trainingPoints, 1, "train"), test: split(testPoints, 2, "test"))
  }

  private struct Trained {
    var accuracy: Double
    var epochs: [Double]
    var curve: [Double]
  }

  private static func train(
    _ model: Sequential, name: String, data: Splits, epochs: Int, index: Int,
    context: ExperimentContext
  ) throws -> Trained {
    let started = Date()
    var parameters = model.parameters
    let optimizer = Optimizer(try Adam(learningRate: 1e-3), for: parameters)
    var loader = DataLoader(
      data.train, batchSize: 64, shuffle: true, seed: context.stream("batches \(name)", index))
    func evaluate() -> (loss: Double, accuracy: Double) {
      Trainer.evaluate(
        model: model.with(parameters: parameters), data: data.test, inputShape: [inputs])
    }
    var losses: [Double] = []
    let initial = evaluate()
    var curve = [initial.accuracy]
    var evaluations = [
      EvaluationPoint(step: 0, loss: initial.loss, accuracy: initial.accuracy)
    ]
    for _ in 0..<epochs {
      for _ in 0..<loader.batchesPerEpoch {
        let batch = loader.next()
        let (value, gradients) = valueAndGrad(
          of: { p in
            crossEntropy(
              logits: model.with(parameters: p)(batch.features, context: .evaluation),
              labels: batch.labels)
          }, at: parameters)
        losses.append(value.item)
        try optimizer.step(&parameters, gradients: gradients)
      }
      let point = evaluate()
      curve.append(point.accuracy)
      evaluations.append(
        EvaluationPoint(step: losses.count, loss: point.loss, accuracy: point.accuracy))
    }
    try context.recorder?.record(
      name: "snnk \(name) init \(index)", task: "10-class Gaussian mixture in R^64",
      optimizer: "adam", hyperparameters: ["learningRate": 1e-3], seed: context.seed,
      losses: losses, evaluations: evaluations, seconds: Date().timeIntervalSince(started))
    return Trained(
      accuracy: curve.last!, epochs: (0...epochs).map(Double.init), curve: curve)
  }

  // MARK: - 3. Bundling

  private struct Bundling {
    var relativeDifference: Double
    var condition: Double
    var steps: Int
    var gradientNorm: Double
    var testAccuracy: Double
  }

  private func bundledAgainstTrained(data: Splits, context: ExperimentContext) throws -> Bundling {
    let layer = SNNKReLU(
      Self.inputs, Self.hidden, features: Self.modelFeatures, projection: .blockOrthogonal,
      dtype: .float64, key: RandomKey(seed: context.stream("bundling")))
    let phi = layer.features(data.train.features.cast(to: .float64))
    let labels = data.train.labels.scalars(as: Int32.self)
    var oneHot = [Double](repeating: 0, count: labels.count * Self.classes)
    for (i, label) in labels.enumerated() { oneHot[i * Self.classes + Int(label)] = 1 }
    let y = Tensor(oneHot, shape: [labels.count, Self.classes], dtype: .float64)
    let lambda = Self.ridgePenalty
    let closedForm = try SNNKReLU.bundledRidge(features: phi, targets: y, penalty: lambda)

    // The loss ‖ΦWᵀ − Y‖² + λ‖W‖² has Hessian 2(ΦᵀΦ + λI) for each output row: heavy ball at
    // the optimal rate 4/(√L + √μ)² and momentum ((√κ − 1)/(√κ + 1))² for its extreme eigenvalues.
    let m = Self.modelFeatures
    let identity = Tensor(
      (0..<(m * m)).map { $0 % (m + 1) == 0 ? lambda : 0 }, shape: [m, m], dtype: .float64)
    let eigenvalues = try eigh(phi.transposed().matmul(phi) + identity).eigenvalues.doubles
    let (mu, big) = (2 * eigenvalues.first!, 2 * eigenvalues.last!)
    let kappa = big / mu
    let rate = 4 / pow(big.squareRoot() + mu.squareRoot(), 2)
    let momentum = pow((kappa.squareRoot() - 1) / (kappa.squareRoot() + 1), 2)
    func loss(_ p: ParameterTree) -> Tensor {
      let r = phi.matmulTransposed(p["weight"]!) - y
      return (r * r).sum() + (p["weight"]! * p["weight"]!).sum() * r.scalar(lambda)
    }
    var parameters = Linear(m, Self.classes, bias: false, dtype: .float64, key: RandomKey(seed: 1))
      .parameters
    let optimizer = Optimizer(
      try SGD(learningRate: Hyperparameter(rate), momentum: momentum), for: parameters)
    let scale = closedForm.abs().max().item
    var steps = 0
    var difference = Double.infinity
    var gradientNorm = Double.infinity
    while steps < 20_000 {
      let (_, gradients) = valueAndGrad(of: loss, at: parameters)
      gradientNorm = (gradients["weight"]! * gradients["weight"]!).sum().item.squareRoot()
      try optimizer.step(&parameters, gradients: gradients)
      steps += 1
      difference = (parameters["weight"]! - closedForm).abs().max().item / scale
      if difference < 1e-6 { break }
    }
    let scores = layer.features(data.test.features.cast(to: .float64)).matmulTransposed(closedForm)
      .doubles
    let testLabels = data.test.labels.scalars(as: Int32.self)
    var correct = 0
    for (i, label) in testLabels.enumerated() {
      let row = scores[(i * Self.classes)..<((i + 1) * Self.classes)]
      if row.indices.max(by: { row[$0] < row[$1] })! - i * Self.classes == Int(label) {
        correct += 1
      }
    }
    return Bundling(
      relativeDifference: difference, condition: kappa, steps: steps, gradientNorm: gradientNorm,
      testAccuracy: Double(correct) / Double(testLabels.count))
  }
}
