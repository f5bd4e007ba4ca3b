import Descent
import DescentCurvature
import DescentNN
import DescentOptimizers
import Foundation

/// Hessian alignment for domain generalization (Hemati, Zhang, Estiri and Chen, "Understanding
/// Hessian Alignment for Domain Generalization", ICCV 2023, arXiv:2308.11778), on the digest's
/// synthetic ColoredMNIST-like task (no MNIST needed):
///
/// - a clean label `ỹ ~ Bernoulli(½)`, five core features `N((2ỹ − 1)·0.5, I₅)`; the observed
///   label `y = ỹ XOR Bernoulli(0.25)` (label noise, as ColoredMNIST flips the digit's label);
/// - a colour `c = y XOR Bernoulli(p_e)`, `p_e` = 0.2 and 0.1 in the two training environments and
///   0.9 in the test environment, and five spurious features `N((2c − 1)·1.5, I₅)`.
///
/// The colour predicts the label 85% of the time in training and 10% at test; the core features
/// only 68.4% (the Bayes rate of `Σ core` for the noisy label), but everywhere. An MLP
/// 10→64→64→1 (Xavier-uniform weights, zero biases, as the script) is trained full batch with Adam
/// for 500 steps with IRM's ColoredMNIST hyperparameters, by ERM (mean loss + l2) and by
/// ``HessianAlignment`` (HGP, and the Hutchinson variant) with ``PenaltyAnnealing``, over several
/// restarts (fresh data and initialization, shared by the methods). Criterion 1 of the digest:
/// mean test-environment accuracy of HGP ≥ ERM's + 15 points and ≥ 60%. Criteria 2 and 3 (the
/// digest's unit tests) are checked again in float64: the double-backprop `H g` against the
/// explicit head Hessian (columns of HVPs) times `g` at the trained HGP head and at a tiny
/// 10→4→4→1 network, and Hutchinson with R = 1000 against `diag(H)` at the tiny head (at the
/// trained 65-parameter head its predicted error is itself about 10%; reported in the notes).
/// The claim's 60% does not hold at this scale: docs/reproduce/hessian-alignment.md says why.
public struct HessianAlignmentExperiment: Experiment {
  public init() {}

  public let id = "hessian-alignment"
  public let claim =
    "Aligning the classifier head's Hessians and gradients across training environments "
    + "(HGP: H_e g_e computed as |g_e| grad |g_e|, or Hutchinson estimates of diag(H_e)) improves "
    + "out-of-distribution accuracy: on ColoredMNIST with IRM's hyperparameters it reaches a test "
    + "accuracy far above ERM's, which relies on the spurious colour."
  public let method =
    "Synthetic ColoredMNIST-like task: 5 core features N((2y-1)0.5, I) of the clean label, 25% "
    + "label noise, colour = label XOR Bernoulli(p_e) (0.2, 0.1 training, 0.9 test), 5 spurious "
    + "features N((2c-1)1.5, I). MLP 10-64-64-1, full-batch Adam, 500 steps, lr 4.8985e-4, "
    + "l2 0.00110795, penalty weight 1 until step 190 then 91257.19 with the loss divided by it "
    + "(IRM). ERM against the HGP penalty and the Hutchinson penalty (head only), mean over "
    + "restarts of the test-environment accuracy at the end. At the trained HGP head (float64): "
    + "double-backprop Hg against the explicit head Hessian times g, and Hutchinson (R = 1000) "
    + "against diag(H)."
  public let quickDifferences: String? =
    "500 examples per environment instead of 5000, 1 restart instead of 10, no Hutchinson run "
    + "(the full run trains it with R = 30 in 2 restarts) and no Hutchinson check at the trained "
    + "65-parameter head. Same steps, schedule and criteria."

  static let coreFeatures = 5, spuriousFeatures = 5, hidden = 64
  static let labelNoise = 0.25
  static let trainingColourFlips = [0.2, 0.1], testColourFlip = 0.9
  static let coreMean = 0.5, spuriousMean = 1.5
  static let steps = 500
  static let learningRate = 4.898536566546834e-4
  static let l2 = 0.00110794568
  static let annealIterations = 190, penaltyWeight = 91257.18613115903
  static let evaluationInterval = 10
  static let head = ["classifier.weight", "classifier.bias"]

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    let count = context.size(full: 5000, quick: 500)
    let restarts = context.size(full: 10, quick: 1)
    let hutchinsonRestarts = context.size(full: 2, quick: 0)
    let probes = context.size(full: 30, quick: 0)
    let annealing = try PenaltyAnnealing(
      annealIterations: Self.annealIterations, penaltyWeight: Self.penaltyWeight)
    var results: [Method: [Trained]] = [:]
    var lastHGP: (parameters: ParameterTree, environments: [Environment])? = nil
    for restart in 0..<restarts {
      let dataKey = RandomKey(seed: context.stream("data", restart))
      let keys = dataKey.split(into: 3)
      let training = zip(Self.trainingColourFlips, keys).map {
        Self.environment(count: count, colourFlip: $0, key: $1)
      }
      let test = Self.environment(count: count, colourFlip: Self.testColourFlip, key: keys[2])
      let initial = Self.initialParameters(key: RandomKey(seed: context.stream("init", restart)))
      var methods: [Method] = [.erm, .hgp]
      if restart < hutchinsonRestarts { methods.append(.hutchinson(probes)) }
      for method in methods {
        let probeKey = RandomKey(seed: context.stream("probes", restart))
        let trained = try train(
          method, from: initial, training: training, test: test, annealing: annealing,
          probeKey: probeKey, context: context, name: "\(method.name) restart \(restart)")
        results[method.kind, default: []].append(trained)
        if method == .hgp { lastHGP = (trained.parameters, training) }
      }
      context.progress("hessian-alignment: restart \(restart + 1)/\(restarts) done")
    }
    let erm = results[.erm]!
    let hgp = results[.hgp]!
    let hutchinson = results[.hutchinson(0)] ?? []
    func mean(_ runs: [Trained], _ value: (Trained) -> Double) -> Double {
      runs.map(value).reduce(0, +) / Double(runs.count)
    }
    let ermTest = mean(erm, \.testAccuracy)
    let hgpTest = mean(hgp, \.testAccuracy)
    let hutchinsonTest = hutchinson.isEmpty ? Double.nan : mean(hutchinson, \.testAccuracy)

    var criteria: [Criterion] = [
      .atLeast(
        "1. HGP - ERM mean test-environment accuracy (percentage points, \(restarts) restarts)",
        100 * (hgpTest - ermTest), 15),
      .atLeast(
        "1. HGP mean test-environment accuracy (%, \(restarts) restarts)", 100 * hgpTest, 60),
    ]
    // Criteria 2 and 3: the trained HGP model's head (65 parameters) and, as the digest's unit
    // tests, a tiny network of the same family (10-4-4-1: 5 head parameters) at initialization.
    let trainedHead = try Self.headIdentities(
      parameters: lastHGP!.parameters, environment: lastHGP!.environments[0],
      hutchinsonSamples: context.quick ? nil : 1000,
      key: RandomKey(seed: context.stream("identity probes")))
    let tinyHead = try Self.headIdentities(
      parameters: Self.initialParameters(
        hidden: Self.tinyHidden, key: RandomKey(seed: context.stream("tiny model"))),
      environment: lastHGP!.environments[0], hutchinsonSamples: 1000,
      key: RandomKey(seed: context.stream("tiny identity probes")))
    criteria.append(
      .atMost(
        "2. |Hg (double backprop) - H g (explicit head Hessian)| / |H g|, trained HGP head (65)",
        trainedHead.productError, 1e-6))
    criteria.append(
      .atMost(
        "2. |Hg (double backprop) - H g (explicit head Hessian)| / |H g|, tiny 10-4-4-1 head (5)",
        tinyHead.productError, 1e-6))
    criteria.append(
      .atMost(
        "3. |Hutchinson R = 1000 - diag(H)| / |diag(H)|, tiny 10-4-4-1 head (5)",
        tinyHead.diagonalError, 0.1))

    let steps = erm[0].curve.steps
    func meanCurve(_ runs: [Trained], _ key: KeyPath<Curve, [Double]>) -> [Double] {
      (0..<steps.count).map { i in
        runs.map { $0.curve[keyPath: key][i] }.reduce(0, +) / Double(runs.count)
      }
    }
    var testLines = [
      ("ERM", steps, meanCurve(erm, \.testAccuracy)),
      ("HGP", steps, meanCurve(hgp, \.testAccuracy)),
    ]
    var trainLines = [
      ("ERM", steps, meanCurve(erm, \.trainAccuracy)),
      ("HGP", steps, meanCurve(hgp, \.trainAccuracy)),
    ]
    if !hutchinson.isEmpty {
      testLines.append(("Hutchinson (R = \(probes))", steps, meanCurve(hutchinson, \.testAccuracy)))
      trainLines.append(
        ("Hutchinson (R = \(probes))", steps, meanCurve(hutchinson, \.trainAccuracy)))
    }
    let figures = [
      ExperimentFigure.lines(
        title: "Test environment (colour flipped 90%): accuracy during training", xLabel: "step",
        yLabel: "test accuracy", lines: testLines,
        caption: "Mean over restarts. The penalty weight jumps from 1 to 91257 at step 190; the "
          + "invariant (core-feature) Bayes rate is 68.4%, the colour alone gives 10%.",
        identifier: "hga-test"),
      ExperimentFigure.lines(
        title: "Training environments: accuracy during training", xLabel: "step",
        yLabel: "train accuracy", lines: trainLines,
        caption: "Mean over the two training environments and the restarts; the colour alone "
          + "gives 85%, the core features 68.4%.",
        identifier: "hga-train"),
    ]
    func listing(_ runs: [Trained]) -> String {
      runs.map { Criterion.format(($0.testAccuracy * 1000).rounded() / 10) }.joined(separator: ", ")
    }
    let hutchinsonSummary =
      hutchinson.isEmpty
      ? "Hutchinson not trained (quick run)"
      : "Hutchinson (R = \(probes), \(hutchinson.count) restarts) \(Self.percent(hutchinsonTest))"
    var notes = [
      "Mean test-environment accuracy: ERM \(Self.percent(ermTest)), HGP \(Self.percent(hgpTest)), "
        + "\(hutchinsonSummary). Per restart (%): ERM [\(listing(erm))], HGP [\(listing(hgp))]"
        + (hutchinson.isEmpty ? "." : ", Hutchinson [\(listing(hutchinson))]."),
      "Mean training accuracy: ERM \(Self.percent(mean(erm, \.trainAccuracy))), HGP "
        + "\(Self.percent(mean(hgp, \.trainAccuracy)))"
        + (hutchinson.isEmpty
          ? "" : ", Hutchinson \(Self.percent(mean(hutchinson, \.trainAccuracy)))")
        + ". The core-feature Bayes classifier gets 68.4% on every environment; the colour gets "
        + "85% in training and 10% at test.",
      "Head identities (float64, \(Self.identityExamples) examples of the first training "
        + "environment, explicit Hessian from HVP columns): relative error of Hg "
        + "\(Criterion.format(trainedHead.productError)) at the trained HGP head, "
        + "\(Criterion.format(tinyHead.productError)) at the tiny head. Hutchinson (R = 1000) "
        + "relative error \(Criterion.format(tinyHead.diagonalError)) at the tiny head (predicted "
        + "sqrt(sum_{i != j} H_ij^2 / R) / |diag(H)| = "
        + "\(Criterion.format(tinyHead.predictedDiagonalError)))"
        + (context.quick
          ? "."
          : "; at the trained 65-parameter head \(Criterion.format(trainedHead.diagonalError)) "
            + "(predicted \(Criterion.format(trainedHead.predictedDiagonalError))): its "
            + "non-negative ReLU features make the off-diagonal mass large, so R = 1000 cannot "
            + "resolve 10% there, as the estimator's variance says."),
    ]
    notes.append(
      "\(count) examples per environment (the script uses 25000 MNIST digits per training "
        + "environment and hidden width 390); the test accuracy is read after the last step.")
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }

  // MARK: data

  struct Environment {
    /// `[n, 10]` float32: core features, then spurious ones.
    let inputs: Tensor
    /// `[n, 1]` float32 labels in {0, 1}.
    let labels: Tensor
  }

  /// `count` examples of the environment whose colour is flipped with probability `colourFlip`.
  static func environment(count: Int, colourFlip: Double, key: RandomKey) -> Environment {
    let keys = key.split(into: 5)
    let clean = Tensor.bernoulli([count, 1], probability: 0.5, dtype: .float64, key: keys[0])
    let noise = Tensor.bernoulli(
      [count, 1], probability: labelNoise, dtype: .float64, key: keys[1])
    let label = (clean - noise).abs()  // XOR of {0, 1} values
    let flip = Tensor.bernoulli([count, 1], probability: colourFlip, dtype: .float64, key: keys[2])
    let colour = (label - flip).abs()
    let core =
      Tensor.normal([count, coreFeatures], dtype: .float64, key: keys[3])
      + (clean * 2 - 1) * coreMean
    let spurious =
      Tensor.normal([count, spuriousFeatures], dtype: .float64, key: keys[4])
      + (colour * 2 - 1) * spuriousMean
    return Environment(
      inputs: Tensor.concatenate([core, spurious], axis: 1).cast(to: .float32),
      labels: label.cast(to: .float32))
  }

  // MARK: model

  /// The script's MLP: `main.0` (10→64), ReLU, `main.2` (64→64), ReLU, `classifier` (64→1);
  /// Xavier-uniform weights, zero biases.
  static func initialParameters(hidden: Int = Self.hidden, key: RandomKey) -> ParameterTree {
    let keys = key.split(into: 3)
    let sizes = [(coreFeatures + spuriousFeatures, hidden), (hidden, hidden), (hidden, 1)]
    let names = ["main.0", "main.2", "classifier"]
    var tree = ParameterTree()
    for (index, (fanIn, fanOut)) in sizes.enumerated() {
      tree.append(
        names[index] + ".weight",
        Initializer.xavierUniform([fanOut, fanIn], dtype: .float32, key: keys[index]))
      tree.append(names[index] + ".bias", Tensor.zeros([fanOut], dtype: .float32))
    }
    return tree
  }

  /// The features `[n, 64]` of the body and the logits `[n, 1]`.
  static func forward(_ p: ParameterTree, _ x: Tensor) -> (features: Tensor, logits: Tensor) {
    let layer1 = Linear(weight: p["main.0.weight"]!, bias: p["main.0.bias"]!)
    let layer2 = Linear(weight: p["main.2.weight"]!, bias: p["main.2.bias"]!)
    let classifier = Linear(
      weight: p["classifier.weight"]!, bias: p["classifier.bias"]!)
    let features = layer2(layer1(x).relu()).relu()
    return (features, classifier(features))
  }

  static func accuracy(_ p: ParameterTree, _ environment: Environment) -> Double {
    withoutGradients {
      let logits = forward(p, environment.inputs).logits.doubles
      let labels = environment.labels.doubles
      var correct = 0
      for i in labels.indices where (logits[i] > 0 ? 1.0 : 0.0) == labels[i] { correct += 1 }
      return Double(correct) / Double(labels.count)
    }
  }

  // MARK: training

  enum Method: Hashable {
    case erm, hgp
    case hutchinson(Int)

    var name: String {
      switch self {
      case .erm: "ERM"
      case .hgp: "HGP"
      case .hutchinson(let r): "Hutchinson R=\(r)"
      }
    }

    /// The method without its sample count (the key of the results).
    var kind: Method {
      if case .hutchinson = self { return .hutchinson(0) }
      return self
    }
  }

  struct Curve {
    var steps: [Double] = []
    var trainAccuracy: [Double] = []
    var testAccuracy: [Double] = []
  }

  struct Trained {
    let parameters: ParameterTree
    let trainAccuracy: Double
    let testAccuracy: Double
    let curve: Curve
  }

  /// Full-batch Adam from `initial` for ``steps`` steps on the training environments.
  private func train(
    _ method: Method, from initial: ParameterTree, training: [Environment], test: Environment,
    annealing: PenaltyAnnealing, probeKey: RandomKey, context: ExperimentContext, name: String
  ) throws -> Trained {
    let started = Date()
    var parameters = initial
    let optimizer = Optimizer(
      try Adam(learningRate: Hyperparameter(Self.learningRate)), for: parameters)
    /// The penalty of the step (nil for ERM); Hutchinson draws fresh probes every step, shared
    /// by the environments and the mean.
    func alignment(at step: Int) throws -> HessianAlignment? {
      switch method {
      case .erm: return nil
      case .hgp: return try HessianAlignment(estimator: .hessianGradientProduct)
      case .hutchinson(let samples):
        return try HessianAlignment(
          estimator: .hutchinson(samples: samples, key: probeKey.folded(in: UInt64(step))))
      }
    }
    var losses: [Double] = []
    var curve = Curve()
    func evaluate(_ step: Int) {
      curve.steps.append(Double(step))
      curve.trainAccuracy.append(
        training.map { Self.accuracy(parameters, $0) }.reduce(0, +) / Double(training.count))
      curve.testAccuracy.append(Self.accuracy(parameters, test))
    }
    for step in 0..<Self.steps {
      if step % Self.evaluationInterval == 0 { evaluate(step) }
      let stepAlignment = try alignment(at: step)
      let (value, gradients) = try valueAndGrad(
        of: { p in
          let environmentLosses = training.map { environment in
            binaryCrossEntropyWithLogits(
              logits: Self.forward(p, environment.inputs).logits, targets: environment.labels)
          }
          let weightNorm = p.tensors.map { $0.square().sum() }.reduce(p.tensors[0].scalar(0), +)
          let l2 = weightNorm * weightNorm.scalar(Self.l2)
          guard let stepAlignment else {
            return Tensor.stack(environmentLosses, axis: 0).mean() + l2
          }
          let penalty = try stepAlignment.penalty(
            environmentLosses: environmentLosses, head: Self.head.map { p[$0]! })
          return try annealing.objective(
            loss: penalty.meanLoss + l2, penalty: penalty.value, step: step)
        }, at: parameters)
      try optimizer.step(&parameters, gradients: gradients)
      losses.append(value.item)
    }
    evaluate(Self.steps)
    try context.recorder?.record(
      name: "hessian-alignment \(name)", task: "synthetic coloured environments (10 features)",
      optimizer: "adam",
      hyperparameters: [
        "learningRate": Self.learningRate, "l2": Self.l2,
        "annealIterations": Double(Self.annealIterations),
        "penaltyWeight": method == .erm ? 0 : Self.penaltyWeight,
      ],
      seed: context.seed, losses: losses, seconds: Date().timeIntervalSince(started))
    return Trained(
      parameters: parameters, trainAccuracy: curve.trainAccuracy.last!,
      testAccuracy: curve.testAccuracy.last!, curve: curve)
  }

  // MARK: head identities

  static let identityExamples = 256
  static let tinyHidden = 4

  /// Criteria 2 and 3 at `parameters` (cast to float64), on the first ``identityExamples`` of
  /// `environment`: the explicit head Hessian from one HVP column per head parameter
  /// (``HVPOracle`` over the head at fixed features).
  static func headIdentities(
    parameters: ParameterTree, environment: Environment, hutchinsonSamples: Int?, key: RandomKey
  ) throws -> (productError: Double, diagonalError: Double, predictedDiagonalError: Double) {
    let p = parameters.map { $0.cast(to: .float64) }
    let x = environment.inputs.cast(to: .float64).slice(axis: 0, start: 0, end: identityExamples)
    let y = environment.labels.cast(to: .float64).slice(axis: 0, start: 0, end: identityExamples)
    let features = withoutGradients { forward(p, x).features }
    let headTree = ParameterTree(head.map { ($0, p[$0]!) })
    func loss(_ h: ParameterTree) -> Tensor {
      let logits = Linear(weight: h[head[0]]!, bias: h[head[1]]!)(features)
      return binaryCrossEntropyWithLogits(logits: logits, targets: y)
    }
    let oracle = HVPOracle(at: headTree, loss: loss)
    let d = oracle.layout.scalarCount
    let columns = (0..<d).map { j -> Tensor in
      var unit = [Double](repeating: 0, count: d)
      unit[j] = 1
      return oracle.linearOperator(Tensor(unit, dtype: .float64))
    }
    let hessian = Tensor.stack(columns, axis: 1)
    let g = oracle.layout.flatten(grad(of: loss, at: headTree))
    let (product, diagonal): (Tensor, Tensor) = try withGradients {
      let tracked = headTree.tensors.map { $0.trackingGradients() }
      let h = ParameterTree(Array(zip(headTree.paths, tracked)))
      let value = loss(h)
      let hg = try hessianGradientProduct(of: value, withRespectTo: tracked).hessianGradient
      guard let hutchinsonSamples else {
        return (hg.detached(), Tensor.zeros([d], dtype: .float64) * Double.nan)
      }
      let first = try headGradient(of: loss(h), withRespectTo: tracked).gradient
      let diagonal = try hutchinsonHeadDiagonal(
        gradient: first, withRespectTo: tracked, samples: hutchinsonSamples, key: key)
      return (hg.detached(), diagonal.detached())
    }
    let expected = hessian.matmul(g)
    let entries = hessian.doubles
    let trueDiagonal = (0..<d).map { entries[$0 * d + $0] }
    var offDiagonal = 0.0
    for i in 0..<d {
      for j in 0..<d where i != j { offDiagonal += entries[i * d + j] * entries[i * d + j] }
    }
    let diagonalNorm = trueDiagonal.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let truth = Tensor(trueDiagonal, dtype: .float64)
    return (
      (product - expected).norm().item / expected.norm().item,
      (diagonal - truth).norm().item / diagonalNorm,
      (offDiagonal / Double(hutchinsonSamples ?? 1000)).squareRoot() / diagonalNorm
    )
  }

  static func percent(_ x: Double) -> String {
    x.isFinite ? String(format: "%.1f%%", 100 * x) : "n/a"
  }
}
