import Descent
import DescentData
import DescentOptimizers
import DescentTraining
import Foundation

/// AdaHessian (Yao, Gholami, Shen, Mustafa, Keutzer & Mahoney, "ADAHESSIAN: An Adaptive Second
/// Order Optimizer for Machine Learning", AAAI 2021, arXiv:2006.00719): Adam with the squared
/// gradient replaced by the square of a Hutchinson estimate D = |z ⊙ Hz| of the Hessian diagonal
/// (z Rademacher, one Hessian-vector product per step, D averaged over the spatial dimensions of
/// convolution kernels), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·D², θ ← θ − lr·m̂/(√v̂ᵏ + ε);
/// the catalogue's `adahessian` (lr 0.15, β (0.9, 0.999), ε 1e-4, Hessian power k = 1).
///
/// Two parts, both through the public library.
///
/// (1) The digest's problem (b): f(θ) = Σ κᵢθᵢ², κ log-spaced over [1, 10⁴] (κᵢ = 10^(4i/99)),
/// d = 100, θ₀ = 1, float64. The Hessian is diagonal, so |z ⊙ Hz| = diag(H) exactly and AdaHessian
/// is Newton's method with momentum. Its own loop: `valueAndGrad`, then `Optimizer.step` with the
/// loss function (AdaHessian's HVPs by double backpropagation). AdaHessian runs at its defaults;
/// Adam (PyTorch's: β (0.9, 0.999), ε 1e-8) is tuned over the log grid 10^(j/4), j = −16…0
/// (1e-4 … 1), and its best is the smallest count on the grid. "Steps to the target" is the
/// first step t with f(θₜ) < 1e-6 (the digest's wording); the step from which f stays below 1e-6
/// to the end of the budget is reported as a note. Criteria (digest, section 7 (b)): AdaHessian
/// reaches f < 1e-6 within 200 steps; best-tuned Adam's steps over AdaHessian's ≥ 3.
///
/// (2) The paper's image-classification claim (+1.80 pp over Adam on CIFAR-10 ResNet20) at laptop
/// scale: a LeNet-5 (`cnn`) trained by the `Trainer` (AdaHessian's HVPs on the Trainer's
/// curvature path) on `SyntheticData.patternImages` — a declared stand-in for CIFAR-10 (no real
/// CIFAR-10 offline), here 3×16×16 instead of 3×32×32 so that the HVP runs fit the time budget.
/// AdaHessian and Adam get the same learning-rate grid, the same epochs and batch size (so the
/// same number of steps), are each tuned on a validation split (ties go to the smaller rate, and
/// a note reports them) and judged by accuracy on a held-out test set at their best rate. Criterion (the issue's): AdaHessian's test accuracy ≥
/// Adam's. The time per step AdaHessian/Adam (the paper: "comparable" cost; the digest: about 2×)
/// is a note, not a criterion: timing is noisy on a shared machine.
///
/// Deviations from the paper: a diagonal quadratic and a LeNet-5 on synthetic images instead of
/// ResNet20 on CIFAR-10; no learning-rate schedule, no weight decay; one probe per step.
public struct AdaHessianExperiment: Experiment {
  public init() {}

  public let id = "adahessian"
  public let claim =
    "AdaHessian, an adaptive second-order method using a Hutchinson estimate of the Hessian "
    + "diagonal, beats Adam: +1.80% / +1.45% test accuracy on CIFAR-10 with ResNet20 / ResNet32 "
    + "(+5.55% on ImageNet), at a per-iteration cost comparable to first-order methods."
  public let method =
    "The digest's diagonal quadratic (d = 100, curvatures 1 ... 1e4, theta0 = 1): steps to "
    + "f < 1e-6 of adahessian at its defaults against Adam tuned over a log grid of learning "
    + "rates; then a LeNet-5 on CIFAR-shaped synthetic images (3x16x16, 10 classes), adahessian "
    + "and adam each tuned on a validation split over the same learning-rate grid at the same "
    + "number of steps, compared by test accuracy."
  public let quickDifferences: String? =
    "Quadratic: 600 steps per run instead of 3,000 (the same first-crossing counts; Adam's "
    + "rates below 1e-2 then miss the budget, and 'stays below' means to step 600). Images: 1,200 "
    + "instead of 2,400, 3 epochs instead of 6, learning-rate grid {3e-3, 3e-2, 1e-1} instead of "
    + "{1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1}; the same criteria."

  /// The quadratic's dimension and target.
  static let dimension = 100
  static let target = 1e-6
  /// The quadratic's budget per run (steps): long enough for Adam's slow rates to reach the
  /// target (lr 1e-3.25 needs 2,286), so that the grid's best is not an artefact of the budget.
  /// Quick runs stop at 600 steps: the best (and every count ≤ 600) is the same.
  static func quadraticBudget(_ context: ExperimentContext) -> Int {
    context.size(full: 3000, quick: 600)
  }
  /// Adam's learning-rate grid on the quadratic: 10^(j/4), j = −16…0.
  static let adamGrid = (-16...0).map { pow(10, Double($0) / 4) }

  /// κᵢ = 10^(4i/(d−1)), i = 0…d−1.
  static var curvatures: [Double] {
    (0..<dimension).map { pow(10, 4 * Double($0) / Double(dimension - 1)) }
  }

  /// One run on the quadratic: f(θₜ) after each step t = 1…steps (stopped early, and the rest
  /// left out, when f becomes non-finite or exceeds 10⁶·f(θ₀)), and the wall-clock seconds.
  static func quadraticRun(
    optimizer name: String, learningRate: Double, steps: Int, seed: UInt64
  ) throws -> (losses: [Double], seconds: Double) {
    let kappa = Tensor(curvatures, dtype: .float64)
    let loss: @Sendable (ParameterTree) -> Tensor = { p in
      (kappa * p["theta"]! * p["theta"]!).sum()
    }
    var parameters = ParameterTree([
      ("theta", Tensor([Double](repeating: 1, count: dimension), dtype: .float64))
    ])
    let f0 = curvatures.reduce(0, +)
    let optimizer = Optimizer(
      erasing: try OptimizerCatalogue.make(name, learningRate: learningRate), for: parameters,
      seed: seed)
    var losses: [Double] = []
    let started = Date()
    var (value, gradients) = valueAndGrad(of: loss, at: parameters)
    for _ in 0..<steps {
      try optimizer.step(
        &parameters, gradients: gradients, loss: value.scalars(as: Double.self)[0],
        lossFunction: loss)
      (value, gradients) = valueAndGrad(of: loss, at: parameters)
      let f = value.scalars(as: Double.self)[0]
      losses.append(f)
      if !f.isFinite || f > 1e6 * f0 { break }
    }
    return (losses, Date().timeIntervalSince(started))
  }

  /// The first step t (1-based) with losses[t−1] < target, or nil.
  static func firstStepBelow(_ losses: [Double], _ target: Double) -> Int? {
    losses.firstIndex { $0 < target }.map { $0 + 1 }
  }

  /// The step from which every later loss of the budget stays below target, or nil (also when
  /// the run stopped early).
  static func stepStayingBelow(_ losses: [Double], _ target: Double, budget: Int) -> Int? {
    guard losses.count == budget else { return nil }
    guard let lastAbove = losses.lastIndex(where: { !($0 < target) }) else { return 1 }
    return lastAbove + 1 < budget ? lastAbove + 2 : nil
  }

  public func run(_ context: ExperimentContext) throws -> ExperimentFindings {
    var criteria: [Criterion] = []
    var figures: [ExperimentFigure] = []
    var notes: [String] = []
    let budget = Self.quadraticBudget(context)
    let started = Date()

    // Part 1: the diagonal quadratic.
    let ada = try Self.quadraticRun(
      optimizer: "adahessian", learningRate: 0.15, steps: budget, seed: context.seed)
    try context.recorder?.record(
      name: "adahessian lr 0.15", task: "quadratic (diagonal, d 100, kappa 1..1e4)",
      optimizer: "adahessian", hyperparameters: ["learningRate": 0.15], seed: context.seed,
      losses: ada.losses, seconds: ada.seconds)
    let adaFirst = Self.firstStepBelow(ada.losses, Self.target)
    var adamRuns: [(rate: Double, losses: [Double], first: Int?)] = []
    var adamSeconds = 0.0
    var adamSteps = 0
    for rate in Self.adamGrid {
      let run = try Self.quadraticRun(
        optimizer: "adam", learningRate: rate, steps: budget, seed: context.seed)
      try context.recorder?.record(
        name: "adam lr \(Criterion.format(rate))",
        task: "quadratic (diagonal, d 100, kappa 1..1e4)",
        optimizer: "adam", hyperparameters: ["learningRate": rate], seed: context.seed,
        losses: run.losses, seconds: run.seconds)
      adamSeconds += run.seconds
      adamSteps += run.losses.count
      adamRuns.append((rate, run.losses, Self.firstStepBelow(run.losses, Self.target)))
    }
    context.progress(
      String(format: "adahessian: quadratic done in %.1f s", Date().timeIntervalSince(started))
        + " (adahessian first below 1e-6 at step "
        + (adaFirst.map(String.init) ?? "-") + ")")
    let reached = adamRuns.filter { $0.first != nil }
    let bestAdam = reached.min { $0.first! < $1.first! }
    let bestAdamBelowOne = reached.filter { $0.rate < 1 }.min { $0.first! < $1.first! }
    criteria.append(
      .atMost(
        "Quadratic: AdaHessian (lr 0.15) steps to f < 1e-6",
        adaFirst.map(Double.init) ?? .nan, 200))
    let ratio = adaFirst.flatMap { a in bestAdam.map { Double($0.first!) / Double(a) } } ?? .nan
    criteria.append(
      .atLeast(
        "Quadratic: best-tuned Adam's steps to f < 1e-6 / AdaHessian's", ratio, 3))
    let adaStays = Self.stepStayingBelow(ada.losses, Self.target, budget: budget)
    func describe(_ run: (rate: Double, losses: [Double], first: Int?)?) -> String {
      guard let run else { return "none reached it" }
      let stays = Self.stepStayingBelow(run.losses, Self.target, budget: budget)
      return "lr \(Criterion.format(run.rate)): first below at step \(run.first!), stays below "
        + "from step " + (stays.map(String.init) ?? "- (not within the budget)")
    }
    let adamStays = adamRuns.compactMap { run in
      Self.stepStayingBelow(run.losses, Self.target, budget: budget).map { (run.rate, $0) }
    }.min { $0.1 < $1.1 }
    notes.append(
      "Quadratic, Adam tuned over 10^(j/4), j = -16...0, \(budget) steps per run: best "
        + describe(bestAdam) + "; best with lr < 1: " + describe(bestAdamBelowOne)
        + ". AdaHessian (lr 0.15): first below at step " + (adaFirst.map(String.init) ?? "-")
        + ", stays below from step " + (adaStays.map(String.init) ?? "-") + ".")
    if let adamStays {
      notes.append(
        "By the step from which f stays below 1e-6: AdaHessian "
          + (adaStays.map(String.init) ?? "-")
          + ", best-tuned Adam \(adamStays.1) (lr \(Criterion.format(adamStays.0))); ratio "
          + (adaStays.map { String(format: "%.3g", Double(adamStays.1) / Double($0)) } ?? "-")
          + ".")
    }
    notes.append(
      "Why the quadratic does not separate them: it is diagonal and starts at theta0 = 1 in every "
        + "coordinate, and Adam is invariant to a per-coordinate rescaling (up to eps), so each "
        + "coordinate of Adam follows the same scalar recursion; its sqrt(v) is kappa_i times a "
        + "running RMS of theta_i and already removes the conditioning that AdaHessian's exact "
        + "diagonal removes. Adam's first step is lr * g / (|g| + eps) = lr per coordinate, so at "
        + "lr = 1 it lands on theta ~ 0 in one step (f < 1e-6), then oscillates away; with lr < 1 "
        + "both decay at similar rates (AdaHessian at sqrt(beta1) ~ 0.949 per step).")
    let steps = (1...400).map(Double.init)
    func curve(_ losses: [Double]) -> [Double] {
      (0..<400).map { $0 < losses.count ? max(losses[$0], 1e-30) : .nan }
    }
    var quadraticLines: [(name: String, x: [Double], y: [Double])] = [
      ("adahessian lr 0.15", steps, curve(ada.losses))
    ]
    for run in [bestAdam, bestAdamBelowOne].compactMap({ $0 }) {
      quadraticLines.append(("adam lr \(Criterion.format(run.rate))", steps, curve(run.losses)))
    }
    figures.append(
      .lines(
        title: "Diagonal quadratic (d = 100, kappa 1 ... 1e4): f by step", xLabel: "step",
        yLabel: "f", yScale: .log, lines: quadraticLines,
        caption: "f = sum kappa_i theta_i^2 from theta0 = 1: AdaHessian at its defaults, "
          + "best-tuned Adam (over 10^(j/4), j = -16...0) and the best Adam with lr < 1; target "
          + "1e-6. Values below 1e-30 are drawn at 1e-30.",
        identifier: "adahessian-quadratic"))

    // Part 2: a LeNet-5 on CIFAR-shaped synthetic images, each optimizer tuned on validation.
    let count = context.size(full: 2400, quick: 1200)
    let pool = SyntheticData.patternImages(
      count: count, size: 16, noise: 1, seed: context.stream("images"))
    let order = shuffledIndices(count: count, seed: context.seed, epoch: 0)
    let testCount = count / 6
    let test = pool.subset(Array(order.prefix(testCount)), name: "pattern-images test")
    let development = pool.subset(Array(order.dropFirst(testCount)), name: "pattern-images")
    let rates = context.size(
      full: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1], quick: [3e-3, 3e-2, 1e-1])
    var base = TrainingConfiguration()
    base.model = "cnn"
    base.data = "pattern-images 3x16x16 (synthetic CIFAR-shaped stand-in)"
    base.epochs = context.size(full: 6, quick: 3)
    base.batchSize = 32
    base.testFraction = 0.2
    base.standardize = false
    base.seed = context.seed
    let sweep = try LearningRateSweep(
      optimizers: ["adam", "adahessian"], rates: rates, base: base, development: development,
      test: test, label: "adahessian: cnn", context: context)
    let curves = sweep.curves(["adam", "adahessian"])
    let adam = sweep.best("adam"), adahessian = sweep.best("adahessian")
    criteria.append(
      .atLeast(
        "CNN: AdaHessian test accuracy - Adam's, percentage points (each at its best rate)",
        100 * (adahessian.test - adam.test), 0))
    figures.append(
      .lines(
        title: "LeNet-5 on CIFAR-shaped images: validation accuracy by learning rate",
        xLabel: "log10 learning rate", yLabel: "validation accuracy (%)", lines: curves,
        caption: "Synthetic stand-in for CIFAR-10 (SyntheticData.patternImages, 3x16x16, noise "
          + "1): the tuning grid of each optimizer at the same number of steps.",
        identifier: "adahessian-cnn"))
    notes.append(
      "CNN part on a synthetic stand-in for CIFAR-10 (no real CIFAR-10 offline): Adam best lr "
        + Criterion.format(adam.rate) + String(format: " (test %.1f%%)", 100 * adam.test)
        + ", AdaHessian best lr " + Criterion.format(adahessian.rate)
        + String(format: " (test %.1f%%); the paper claims +1.80 pp.", 100 * adahessian.test))
    for optimizer in ["adam", "adahessian"] {
      let chosen = sweep.best(optimizer)
      for tie in sweep.points[optimizer]!
      where tie.rate != chosen.rate && tie.validation == chosen.validation {
        notes.append(
          "\(optimizer)'s best validation accuracy is tied at lr \(Criterion.format(tie.rate)) "
            + String(format: "(test %.1f%%)", 100 * tie.test) + "; ties go to the smaller rate ("
            + Criterion.format(chosen.rate) + "), so the CNN gap depends on the tie-break.")
      }
    }
    func total(_ name: String) -> (seconds: Double, steps: Int) {
      sweep.points[name]!.reduce((0, 0)) { ($0.0 + $1.seconds, $0.1 + $1.steps) }
    }
    let a = total("adahessian"), b = total("adam")
    if a.steps > 0, b.steps > 0 {
      let ratio = (a.seconds / Double(a.steps)) / (b.seconds / Double(b.steps))
      notes.append(
        "Time per step AdaHessian / Adam on the CNN (Trainer, all grid runs; noisy, not a "
          + "criterion): " + String(format: "%.2f", ratio) + "×; on the quadratic "
          + String(
            format: "%.2f",
            (ada.seconds / Double(max(ada.losses.count, 1)))
              / (adamSeconds / Double(max(adamSteps, 1)))) + "×.")
    }
    return ExperimentFindings(criteria: criteria, figures: figures, notes: notes)
  }
}
