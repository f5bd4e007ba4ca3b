import Descent
import DescentOptimizers
import DescentTestSupport
import Foundation
import Testing

/// Golden values from scripts/golden/make_schedule_golden.py (PyTorch 2.13.0 lr_scheduler and a
/// numpy implementation of the refinement formula). Tolerance: |a − e| ≤ 1e-12 + 1e-12·|e|; PyTorch
/// computes cosine and linear schedules recursively, which differs from the closed forms by a few
/// ulps per step.
private struct Golden: Decodable {
  struct Record: Decodable {
    let name: String
    let kind: String
    let parameters: [String: Parameter]
    let values: [Double]
    let momentum: [Double]?
  }
  struct Refined: Decodable {
    let name: String
    let kind: String
    let peak: Double
    let width: Int?
    let norms: [Double]
    let values: [Double]
  }
  enum Parameter: Decodable {
    case number(Double)
    case numbers([Int])
    case flag(Bool)
    case text(String)
    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let b = try? c.decode(Bool.self) {
        self = .flag(b)
      } else if let d = try? c.decode(Double.self) {
        self = .number(d)
      } else if let a = try? c.decode([Int].self) {
        self = .numbers(a)
      } else {
        self = .text(try c.decode(String.self))
      }
    }
  }
  let reference: String
  let schedules: [Record]
  let refined: [Refined]

  static func load() throws -> Golden {
    let url = try #require(
      Bundle.module.url(forResource: "schedules", withExtension: "json", subdirectory: "Golden"))
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }
}

extension Golden.Record {
  func d(_ key: String) -> Double {
    guard case .number(let v) = parameters[key] else {
      fatalError("golden \(name): no number \(key)")
    }
    return v
  }
  func i(_ key: String) -> Int { Int(d(key)) }
  func b(_ key: String) -> Bool {
    guard case .flag(let v) = parameters[key] else { fatalError("golden \(name): no flag \(key)") }
    return v
  }
  func s(_ key: String) -> String {
    guard case .text(let v) = parameters[key] else { fatalError("golden \(name): no text \(key)") }
    return v
  }
  func ints(_ key: String) -> [Int] {
    guard case .numbers(let v) = parameters[key] else {
      fatalError("golden \(name): no list \(key)")
    }
    return v
  }

  var oneCycle: OneCycle {
    OneCycle(
      maximum: d("maximum"), totalSteps: i("totalSteps"), percentStart: d("percentStart"),
      annealing: s("annealStrategy") == "cos" ? .cosine : .linear, divFactor: d("divFactor"),
      finalDivFactor: d("finalDivFactor"), threePhase: b("threePhase"))
  }

  var schedule: any Schedule {
    switch kind {
    case "step": return StepDecay(initial: d("initial"), stepSize: i("stepSize"), gamma: d("gamma"))
    case "multiStep":
      return MultiStepDecay(
        initial: d("initial"), milestones: ints("milestones"), gamma: d("gamma"))
    case "exponential": return ExponentialDecay(initial: d("initial"), gamma: d("gamma"))
    case "cosine":
      return CosineDecay(initial: d("initial"), decaySteps: i("decaySteps"), minimum: d("minimum"))
    case "cosineRestarts":
      return CosineDecayWithRestarts(
        initial: d("initial"), period: i("period"), periodMultiplier: i("periodMultiplier"),
        minimum: d("minimum"))
    case "linear": return LinearDecay(initial: d("initial"), final: d("final"), steps: i("steps"))
    case "polynomial":
      return PolynomialDecay(
        initial: d("initial"), final: d("final"), steps: i("steps"), power: d("power"))
    case "warmupCosine":
      return CosineDecay(initial: d("peak"), decaySteps: i("decaySteps"), minimum: d("minimum"))
        .withWarmup(i("warmupSteps"), from: d("startFactor") * d("peak"))
    case "warmupStep":
      return Warmup(
        linearSteps: i("warmupSteps"), from: d("startFactor") * d("peak"),
        then: StepDecay(initial: d("peak"), stepSize: i("stepSize"), gamma: d("gamma")))
    case "oneCycle": return oneCycle
    default: fatalError("golden: unknown schedule kind \(kind)")
    }
  }
}

private func values(_ schedule: any Schedule, _ count: Int) -> [Double] {
  (0..<count).map { schedule.value(atStep: $0) }
}

@Suite struct ScheduleTests {
  @Test func goldenCoversEveryKind() throws {
    let golden = try Golden.load()
    #expect(golden.reference.hasPrefix("torch 2.13"))
    let kinds = Set(golden.schedules.map(\.kind))
    #expect(
      kinds == [
        "step", "multiStep", "exponential", "cosine", "cosineRestarts", "linear", "polynomial",
        "warmupCosine", "warmupStep", "oneCycle",
      ])
  }

  @Test(arguments: try! Golden.load().schedules.map(\.name))
  func matchesPyTorch(name: String) throws {
    let record = try #require(try Golden.load().schedules.first { $0.name == name })
    let failure = mismatch(
      values(record.schedule, record.values.count), record.values, relativeTolerance: 1e-12,
      absoluteTolerance: 1e-12)
    #expect(failure == nil, "\(name): \(failure ?? "")")
    if let momentum = record.momentum {
      let schedule = record.oneCycle.momentum(
        base: record.d("baseMomentum"), maximum: record.d("maxMomentum"))
      let failure = mismatch(
        values(schedule, momentum.count), momentum, relativeTolerance: 1e-12,
        absoluteTolerance: 1e-12)
      #expect(failure == nil, "\(name) momentum: \(failure ?? "")")
    }
  }

  @Test func constantAndHyperparameter() {
    let h = Hyperparameter(StepDecay(initial: 1, stepSize: 2, gamma: 0.5))
    #expect(h.constantValue == nil)
    #expect(h.value(atStep: 0) == 1 && h.value(atStep: 2) == 0.5 && h.value(atStep: 5) == 0.25)
    #expect(ConstantSchedule(3).value(atStep: 99) == 3)
  }

  @Test func decaysHoldTheirFinalValue() {
    #expect(
      abs(CosineDecay(initial: 1, decaySteps: 10, minimum: 0.1).value(atStep: 25) - 0.1) < 1e-15)
    #expect(LinearDecay(initial: 1, final: 0.5, steps: 4).value(atStep: 100) == 0.5)
    #expect(PolynomialDecay(initial: 2, steps: 3, power: 2).value(atStep: 7) == 0)
    let cycle = OneCycle(maximum: 1, totalSteps: 10)
    #expect(cycle.value(atStep: 50) == cycle.value(atStep: 9))
    #expect(abs(cycle.value(atStep: 9) - 1.0 / 25 / 1e4) < 1e-18)
  }

  @Test func restartsCyclePositions() {
    let s = CosineDecayWithRestarts(initial: 1, period: 3, periodMultiplier: 2)
    // Cycles of 3, 6, 12 steps start at 0, 3, 9, 21.
    for (step, position, length) in [
      (0, 0, 3), (2, 2, 3), (3, 0, 6), (8, 5, 6), (9, 0, 12), (21, 0, 24),
    ] {
      #expect(s.cyclePosition(atStep: step) == (position, length))
    }
    #expect(s.value(atStep: 9) == 1)
  }

  @Test func warmupRisesLinearlyThenFollowsItsSchedule() {
    let s = ExponentialDecay(initial: 0.4, gamma: 0.5).withWarmup(4)
    #expect(values(s, 7) == [0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.2, 0.1])
    let none = Warmup(linearSteps: 0, then: ConstantSchedule(2))
    #expect(none.value(atStep: 0) == 2)
  }

  // MARK: Refinement (Defazio et al., arXiv:2310.07831)

  @Test(arguments: try! Golden.load().refined.map(\.name))
  func refinedMatchesNumpy(name: String) throws {
    let record = try #require(try Golden.load().refined.first { $0.name == name })
    let schedule = RefinedSchedule(
      norms: record.norms, peakLearningRate: record.peak, kind: record.kind == "sgd" ? .sgd : .adam,
      medianFilterWidth: record.width)
    let failure = mismatch(
      schedule.values, record.values, relativeTolerance: 1e-12, absoluteTolerance: 1e-15)
    #expect(failure == nil, "\(name): \(failure ?? "")")
  }

  @Test(arguments: [RefinedSchedule.Kind.sgd, .adam])
  func constantNormsGiveExactlyLinearDecay(kind: RefinedSchedule.Kind) {
    let steps = 257
    let schedule = RefinedSchedule(
      norms: Array(repeating: 3.5, count: steps), peakLearningRate: 0.2, kind: kind)
    let linear = (0..<steps).map { 0.2 * Double(steps - 1 - $0) / Double(steps - 1) }
    #expect(
      mismatch(schedule.values, linear, relativeTolerance: 1e-14, absoluteTolerance: 1e-16) == nil)
    #expect(schedule.value(atStep: 0) == 0.2)
    #expect(schedule.value(atStep: steps - 1) == 0 && schedule.value(atStep: steps + 5) == 0)
  }

  @Test func largeEarlyNormsGiveAWarmup() {
    // G_t = 1 + 9·exp(−t / 0.1T), T = 1000: the digest's numpy check gives s₀ ≈ 0.015·peak and
    // the peak at t = 462.
    let steps = 1000
    let norms = (0..<steps).map { 1 + 9 * Foundation.exp(-Double($0) / 100) }
    let schedule = RefinedSchedule(norms: norms, peakLearningRate: 1, kind: .sgd)
    let peakStep = schedule.values.indices.max { schedule.values[$0] < schedule.values[$1] }!
    #expect(peakStep == 462)
    #expect(abs(schedule.value(atStep: 0) - 0.015468) < 1e-6)
    #expect(
      zip(schedule.values.prefix(peakStep), schedule.values.dropFirst().prefix(peakStep)).allSatisfy
      { $0 < $1 })
  }

  @Test func medianFilterRemovesSpikes() {
    let x = [1.0, 1, 1, 50, 1, 1, 1, 2, 2]
    #expect(RefinedSchedule.medianFiltered(x, width: 3) == [1, 1, 1, 1, 1, 1, 1, 2, 2])
    #expect(RefinedSchedule.defaultMedianFilterWidth(steps: 1000) == 101)
    #expect(RefinedSchedule.defaultMedianFilterWidth(steps: 39) == 3)
    #expect(RefinedSchedule.defaultMedianFilterWidth(steps: 9) == 1)
  }

  @Test func recorderCollectsNormsOfTheRightKind() {
    var l2 = GradientNormRecorder(for: .sgd)
    var l1 = GradientNormRecorder(for: .adam)
    let gradients = [Tensor([3, -4], dtype: .float64), Tensor([[0, 12]], dtype: .float64)]
    #expect(l2.record(gradients) == 13)
    #expect(l1.record(gradients) == 19)
    l2.record(norm: 13)
    #expect(l2.norms == [13, 13] && l1.norms == [19])
    let schedule = l2.refinedSchedule(peakLearningRate: 1, kind: .sgd)
    #expect(schedule.values == [1, 0])
  }

  @Test func recordingTransformPassesUpdatesThroughAndRecords() throws {
    let parameters = ParameterTree([("w", Tensor([1, 2], dtype: .float64))])
    let transform = RecordGradientNorms(for: .adam)
    var state = transform.initialState(for: parameters)
    for (step, g) in [[3.0, -4.0], [0.5, 0.5]].enumerated() {
      var updates = ParameterTree([("w", Tensor(g, dtype: .float64))])
      try transform.update(
        &updates, state: &state, context: UpdateContext(step: step + 1, parameters: parameters))
      #expect(updates["w"]!.doubles == g)
    }
    #expect(state.norms == [7, 1])
    let decoded = try JSONDecoder().decode(
      GradientNormRecorder.self, from: JSONEncoder().encode(state))
    #expect(decoded == state)
  }

  // MARK: Batch-size scaling (Granziol et al., JMLR 2022)

  @Test func batchSizeRules() throws {
    let reference = (batchSize: 32, learningRate: 0.1)
    #expect(
      try BatchSizeScaling.learningRate(forBatchSize: 128, reference: reference, rule: .linear)
        == 0.4)
    #expect(
      try BatchSizeScaling.learningRate(forBatchSize: 128, reference: reference, rule: .squareRoot)
        == 0.2)
    #expect(
      try BatchSizeScaling.learningRate(forBatchSize: 8, reference: reference, rule: .squareRoot)
        == 0.05)
    #expect(
      try BatchSizeScaling.learningRate(forBatchSize: 32, reference: reference, rule: .linear)
        == 0.1)
    #expect(BatchSizeScaling.recommendedRule(adaptive: true) == .squareRoot)
    #expect(BatchSizeScaling.recommendedRule(adaptive: false) == .linear)
  }

  @Test func batchSizeRulesRejectBadValues() {
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.learningRate(forBatchSize: 0, reference: (32, 0.1), rule: .linear)
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.learningRate(forBatchSize: 4, reference: (0, 0.1), rule: .linear)
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.learningRate(forBatchSize: 4, reference: (32, -1), rule: .squareRoot)
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.learningRate(forBatchSize: 4, reference: (32, .nan), rule: .squareRoot)
    }
  }
}
