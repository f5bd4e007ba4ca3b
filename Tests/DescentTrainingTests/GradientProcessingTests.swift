import Descent
import DescentOptimizers
import DescentTraining
import Foundation
import Testing

/// `--clip-norm`, `--clip-value`, `--accumulate` and `--no-decay-on`: the library transforms
/// they compose and the trainer that composes them.
@Suite struct GradientProcessingTests {
  static func tree(_ w: [Double], _ b: [Double]) -> ParameterTree {
    ParameterTree([
      ("0.weight", Tensor(w, shape: [2, 2], dtype: .float64)),
      ("0.bias", Tensor(b, dtype: .float64)),
    ])
  }

  /// Partitioned runs each group with its own optimizer: with zero gradients AdamW only decays,
  /// so the decayed weight shrinks by (1 − lr·wd) and the bias in the no-decay group stays.
  @Test func partitionedKeepsDecayOffTheNoDecayGroup() throws {
    var parameters = Self.tree([1, 2, 3, 4], [5, 6])
    let zero = Self.tree([0, 0, 0, 0], [0, 0])
    let transformation = Partitioned(
      try AdamW(learningRate: 0.1, weightDecay: 0), others: try AdamW(
        learningRate: 0.1, weightDecay: 0.5),
      where: ParameterGroup.noDecay([.bias, .norm]))
    let optimizer = Optimizer(transformation, for: parameters)
    try optimizer.step(&parameters, gradients: zero)
    #expect(parameters["0.weight"]!.doubles == [1, 2, 3, 4].map { $0 * (1 - 0.1 * 0.5) })
    #expect(parameters["0.bias"]!.doubles == [5, 6])
    #expect(ParameterGroup.norm.contains(path: "ln.weight", shape: [8]))
    #expect(!ParameterGroup.norm.contains(path: "0.weight", shape: [2, 2]))
    #expect(!ParameterGroup.norm.contains(path: "0.bias", shape: [2]))
  }

  /// A chain of a clip and a PyTorch-style optimizer equals that optimizer on the clipped
  /// gradient, bit for bit (the optimizer takes the step with its own fused apply).
  @Test func clippedStepIsTheOptimizerOnTheClippedGradient() throws {
    let start = Self.tree([1, -2, 3, 0.5], [0.25, -1])
    let gradients = Self.tree([3, 4, 0, 0], [0, 0])  // norm 5
    var clipped = start
    let chain = Optimizer(Composed(ClipByGlobalNorm(1), try SGD(learningRate: 0.1)), for: start)
    try chain.step(&clipped, gradients: gradients)
    var direct = start
    let sgd = Optimizer(try SGD(learningRate: 0.1), for: start)
    try sgd.step(&direct, gradients: Self.tree([0.6, 0.8, 0, 0], [0, 0]))
    #expect(clipped == direct)
  }

  /// The trainer's options: errors are usage errors naming the flag, a run with every option
  /// resumes to the same bits, and accumulation steps the schedule once per N batches.
  @Test func trainerRunsWithEveryOptionAndResumesBitForBit() throws {
    var c = TrainerTests.configuration(steps: 24)
    c.clipNorm = 0.5
    c.clipValue = 0.05
    c.accumulate = 3
    c.noDecayOn = ["bias", "norm"]
    let straight = try Trainer(configuration: c).run()
    #expect(straight.status == .finished)

    let url = TrainerTests.temporaryFile("processing.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    c.checkpointPath = url.path
    _ = try Trainer(configuration: c).run(stopAt: 10)
    let resumed = try Trainer(resumingFrom: url).run()
    #expect(resumed.finalParametersSHA256 == straight.finalParametersSHA256)

    // The options change the run.
    let plain = try Trainer(configuration: TrainerTests.configuration(steps: 24)).run()
    #expect(plain.finalParametersSHA256 != straight.finalParametersSHA256)

    // Accumulating 3 batches: the learning rate holds for 3 batches at a time.
    var schedule = TrainerTests.configuration(steps: 24)
    schedule.accumulate = 3
    let trainer = try Trainer(configuration: schedule)
    var rates: [Double] = []
    for _ in 0..<6 {
      rates.append(trainer.learningRate)
      _ = try trainer.run(stopAt: trainer.step + 1)
    }
    #expect(rates[0] == rates[1] && rates[1] == rates[2])
    #expect(rates[3] == rates[4] && rates[3] != rates[2])
  }

  @Test func badValuesAreUsageErrors() throws {
    func message(_ change: (inout TrainingConfiguration) -> Void) -> String? {
      var c = TrainerTests.configuration(steps: 4)
      change(&c)
      do {
        _ = try Trainer(configuration: c)
        return nil
      } catch let error as TrainingError {
        return error.description
      } catch {
        return "\(error)"
      }
    }
    #expect(message { $0.clipNorm = 0 } == "--clip-norm 0.0: must be a finite number > 0")
    #expect(message { $0.clipValue = .infinity } == "--clip-value inf: must be a finite number > 0")
    #expect(message { $0.accumulate = 0 } == "--accumulate 0: must be a whole number from 1 to 1000000")
    #expect(message { $0.noDecayOn = ["weights"] } == "--no-decay-on weights: unknown parameter group; use bias, norm")
    #expect(
      message {
        $0.optimizer = "adahessian"
        $0.accumulate = 2
      }?.hasPrefix("--accumulate cannot be used with adahessian") == true)
  }
}
