import Descent
import DescentData
import Foundation
import Testing

@testable import DescentTraining

/// Training runs in-process on the embedded digits (1437 training examples, 64 features).
@Suite struct TrainerTests {
  static func configuration(steps: Int = 24) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.model = "mlp:32"
    c.data = "digits"
    c.optimizer = "adamw"
    c.learningRate = 3e-3
    c.schedule = .cosine
    c.warmup = 5
    c.batchSize = 64
    c.steps = steps
    c.seed = 11
    return c
  }

  static func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-training-\(UUID().uuidString)-\(name)")
  }

  @Test func trainingLowersTheLossAndReportsTheSummary() throws {
    var c = Self.configuration(steps: 60)
    c.evalEvery = 20
    let trainer = try Trainer(configuration: c, runId: "test-run")
    let before = trainer.evaluate()
    let summary = try trainer.run()
    #expect(summary.runId == "test-run")
    #expect(summary.status == .finished)
    #expect(summary.steps == 60)
    #expect(summary.evalLoss < before.loss * 0.7)
    #expect(summary.evalAccuracy > 0.6)
    // AdamW holds two moments per parameter: 2 × 4 bytes × (64·32 + 32 + 32·10 + 10).
    #expect(summary.optimizerStateBytes == 8 * (64 * 32 + 32 + 32 * 10 + 10))
    #expect(summary.finalParametersSHA256 == Trainer.sha256(of: trainer.parameters))
    #expect(summary.finalParametersSHA256.count == 64)
    #expect(trainer.parameters.paths == ["0.weight", "0.bias", "2.weight", "2.bias"])
  }

  func finalHash(_ change: (inout TrainingConfiguration) -> Void) throws -> String {
    var c = Self.configuration()
    change(&c)
    return try Trainer(configuration: c).run().finalParametersSHA256
  }

  @Test func sameSeedGivesTheSameParametersWhateverTheThreadCount() throws {
    let hashes = try [1, 2, 3].map { threads in try finalHash { $0.threads = threads } }
    #expect(Set(hashes).count == 1)
    #expect(try finalHash { $0.threads = 2 } == hashes[0])
    #expect(try finalHash { $0.seed = 12 } != hashes[0])
  }

  /// A model wide enough that its products are split into several GEMM blocks (and that OpenBLAS,
  /// left to its own threads, would give other bits on 1 and 2 threads) ends with the same
  /// parameters on 1, 2 and 3 threads: the blocks depend on the shapes only.
  @Test func wideModelIsIdenticalAcrossThreadCounts() throws {
    func wide(_ threads: Int) throws -> String {
      try finalHash {
        $0.threads = threads
        $0.batchSize = 256
        $0.model = "mlp:256-128"
      }
    }
    let two = try wide(2)
    #expect(try wide(1) == two)
    #expect(try wide(3) == two)
  }

  @Test func resumedRunEqualsUninterruptedRun() throws {
    let straight = try Trainer(configuration: Self.configuration()).run()

    let url = Self.temporaryFile("resume.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = Self.configuration()
    c.checkpointPath = url.path
    let first = try Trainer(configuration: c, runId: "resumable")
    let partial = try first.run(stopAt: 13)
    #expect(partial.status == .interrupted)
    #expect(partial.steps == 13)
    #expect(partial.finalParametersSHA256 != straight.finalParametersSHA256)

    let resumed = try Trainer(resumingFrom: url)
    #expect(resumed.step == 13)
    #expect(resumed.runId == "resumable")
    let final = try resumed.run()
    #expect(final.status == .finished)
    #expect(final.steps == 24)
    #expect(final.finalParametersSHA256 == straight.finalParametersSHA256)
    #expect(final.finalTrainLoss == straight.finalTrainLoss)
  }

  /// Asks for a stop from inside the run, as the SIGINT handler does.
  final class StopAt: TrainingObserver {
    let step: Int
    let request: StopRequest
    init(_ step: Int, _ request: StopRequest) {
      self.step = step
      self.request = request
    }
    func stepFinished(_ record: StepRecord) { if record.step == step { request.request() } }
  }

  @Test func stopRequestFinishesTheStepWritesACheckpointAndResumesExactly() throws {
    let straight = try Trainer(configuration: Self.configuration()).run()
    let url = Self.temporaryFile("interrupt.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = Self.configuration()
    c.checkpointPath = url.path
    let trainer = try Trainer(configuration: c)
    let request = StopRequest()
    trainer.observers.append(StopAt(7, request))
    let summary = try trainer.run(stopRequest: request)
    #expect(summary.status == .interrupted)
    #expect(summary.steps == 7)
    #expect(FileManager.default.fileExists(atPath: url.path))
    let final = try Trainer(resumingFrom: url).run()
    #expect(final.finalParametersSHA256 == straight.finalParametersSHA256)
  }

  @Test func nonFiniteLossStopsNamingTheStepAndTheParameter() throws {
    var c = Self.configuration(steps: 50)
    c.optimizer = "sgd"
    c.learningRate = 1e6
    c.schedule = .constant
    c.warmup = 0
    let trainer = try Trainer(configuration: c)
    do {
      try trainer.run()
      Issue.record("a run at lr 1e6 finished without a non-finite stop")
    } catch let error as TrainingError {
      guard case .nonFinite(let step, let detail) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(step >= 1 && step <= 50)
      #expect(trainer.step == step - 1)
      #expect(detail.contains("0.weight") || detail.contains("0.bias") || detail.contains("2."))
      #expect(error.description.hasPrefix("step \(step): "))
      #expect(error.description.contains("--on-nonfinite skip-step"))
      #expect(error.exitStatus == 65)
    }
  }

  /// 40 examples of 4 features, one of them NaN: every batch holding it has a NaN loss.
  static func poisonedData() throws -> String {
    let n = 40
    var values = (0..<(n * 4)).map { Float(($0 * 37) % 11) / 11 }
    // Poison an example of the training split (seed 0, 10 % held out).
    let ids = TensorDataset(
      name: "ids", features: Tensor(scalars: (0..<n).map(Float.init), shape: [n, 1]),
      labels: Tensor(scalars: [Int32](repeating: 0, count: n), shape: [n]))
    let row = Int(
      trainTestSplit(ids, testFraction: 0.1, seed: 0).train.features.scalars(as: Float.self)[0])
    values[4 * row + 2] = .nan
    let features = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-poisoned-\(UUID().uuidString)-x.npy")
    let labels = features.deletingLastPathComponent().appendingPathComponent(
      features.lastPathComponent.replacingOccurrences(of: "-x.npy", with: "-y.npy"))
    try NPYReader.write(Tensor(scalars: values, shape: [n, 4]), to: features)
    try NPYReader.write(
      Tensor(scalars: (0..<n).map { Int32($0 % 3) }, shape: [n]), to: labels)
    return features.path + "," + labels.path
  }

  static func poisonedConfiguration(_ data: String) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.model = "mlp:8"
    c.data = data
    c.allowNonFiniteFeatures = true
    c.standardize = false
    c.testFraction = 0.1
    c.batchSize = 6
    c.epochs = 3
    return c
  }

  @Test func nonFiniteGradientStopNamesTheFirstParameter() throws {
    let data = try Self.poisonedData()
    let trainer = try Trainer(configuration: Self.poisonedConfiguration(data))
    #expect(throws: TrainingError.self) { try trainer.run() }
    do { try Trainer(configuration: Self.poisonedConfiguration(data)).run() } catch {
      #expect("\(error)".contains("loss is nan; the first non-finite gradient is 0.weight"))
    }
  }

  @Test func skipStepPolicyDropsNonFiniteStepsAndCountsThem() throws {
    var c = Self.poisonedConfiguration(try Self.poisonedData())
    c.onNonFinite = .skipStep
    let trainer = try Trainer(configuration: c)
    var skipped: [Int] = []
    final class Skips: TrainingObserver {
      var steps: [Int] = []
      func stepFinished(_ record: StepRecord) { if record.skipped { steps.append(record.step) } }
    }
    let observer = Skips()
    trainer.observers.append(observer)
    let summary = try trainer.run()
    skipped = observer.steps
    // One poisoned training example: one batch per epoch.
    #expect(summary.skippedSteps == 3)
    #expect(skipped.count == summary.skippedSteps)
    #expect(summary.status == .finished)
    #expect(summary.steps == 3 * 6)
    #expect(
      trainer.parameters.tensors.allSatisfy { t in
        t.scalars(as: Float.self).allSatisfy(\.isFinite)
      })
  }

  @Test func jsonLinesObserverRecordsEveryEvent() throws {
    let url = Self.temporaryFile("log.jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    var c = Self.configuration(steps: 6)
    c.evalEvery = 3
    let trainer = try Trainer(configuration: c)
    trainer.observers.append(try JSONLinesObserver(url: url))
    try trainer.run()
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    let events = try lines.map {
      try #require(
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["event"] as? String
    }
    #expect(
      events == ["start"] + Array(repeating: "step", count: 3) + ["evaluation"]
        + Array(repeating: "step", count: 3) + ["evaluation", "end"])
  }

  final class Rates: TrainingObserver {
    var values: [Double] = []
    func stepFinished(_ record: StepRecord) { values.append(record.learningRate) }
  }

  @Test func scheduleWarmsUpThenDecaysAndChangesTheRun() throws {
    let trainer = try Trainer(configuration: Self.configuration())
    let rates = Rates()
    trainer.observers.append(rates)
    let scheduled = try trainer.run()
    // Warm-up 5 steps from 0 to 3e-3, then cosine over the remaining 19 steps.
    #expect(rates.values.count == 24)
    #expect(rates.values[0] == 0)
    #expect(abs(rates.values[2] - 3e-3 * 2 / 5) < 1e-12)
    #expect(abs(rates.values[5] - 3e-3) < 1e-12)
    #expect(abs(rates.values[23] - 3e-3 * 0.5 * (1 + cos(Double.pi * 18 / 19))) < 1e-12)
    var constant = Self.configuration()
    constant.schedule = .constant
    constant.warmup = 0
    #expect(
      try Trainer(configuration: constant).run().finalParametersSHA256
        != scheduled.finalParametersSHA256)
  }

  @Test func terminalProgressIsOneRedrawnLine() throws {
    var text = ""
    let trainer = try Trainer(configuration: Self.configuration(steps: 10))
    trainer.observers.append(ProgressPrinter(isTerminal: true) { text += $0 })
    try trainer.run()
    #expect(text.contains("\rstep") == false)
    #expect(text.contains("step 10/10 epoch 1 loss "))
    #expect(text.contains(" steps/s "))
    #expect(text.contains(" left"))
    #expect(text.contains("\r"))
    #expect(text.split(separator: "\n").count == 3)  // run line, eval line, end line
  }

  @Test func plainProgressLinesWhenNotATerminal() throws {
    var text = ""
    let trainer = try Trainer(configuration: Self.configuration(steps: 10))
    trainer.observers.append(ProgressPrinter(isTerminal: false, every: 5) { text += $0 })
    try trainer.run()
    let lines = text.split(separator: "\n")
    #expect(lines.filter { $0.hasPrefix("step ") }.count == 2)
    #expect(lines.contains { $0.hasPrefix("step 10/10 epoch 1 loss ") })
    #expect(lines.last?.hasPrefix("finished after 10 steps") == true)
    #expect(!text.contains("\r"))
  }
}

/// Image models through the same loop: LeNet on IDX files, ResNet-20 (batch-norm buffers in the
/// checkpoint) on NPY images.
@Suite struct ImageModelTests {
  static func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-images-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func lenetTrainsOnIDXImages() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let n = 40
    let pixels = (0..<(n * 12 * 12)).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ ($0 / 144) &* 13) }
    let images = dir.appendingPathComponent("tiny-images-idx3-ubyte")
    try IDXReader.write(Tensor(scalars: pixels, shape: [n, 12, 12]), to: images)
    try IDXReader.write(
      Tensor(scalars: (0..<n).map { UInt8($0 % 10) }, shape: [n]),
      to: dir.appendingPathComponent("tiny-labels-idx1-ubyte"))
    var c = TrainingConfiguration()
    c.model = "cnn"
    c.data = images.path
    c.batchSize = 8
    c.steps = 3
    let trainer = try Trainer(configuration: c)
    #expect(trainer.parameters.paths.first == "conv1.weight")
    let summary = try trainer.run()
    #expect(summary.steps == 3)
    #expect(summary.evalLoss.isFinite)
  }

  @Test func resnetResumesWithItsBatchNormBuffers() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let n = 24
    let x = Tensor.uniform([n, 3, 8, 8], low: 0, high: 1, key: RandomKey(seed: 4))
    try NPYReader.write(x, to: dir.appendingPathComponent("x.npy"))
    try NPYReader.write(
      Tensor(scalars: (0..<n).map { Int32($0 % 4) }, shape: [n]),
      to: dir.appendingPathComponent("y.npy"))
    var c = TrainingConfiguration()
    c.model = "resnet20"
    c.data =
      dir.appendingPathComponent("x.npy").path + "," + dir.appendingPathComponent("y.npy").path
    c.batchSize = 6
    c.steps = 4
    c.optimizer = "sgd"
    c.settings = ["momentum": "0.9"]
    c.learningRate = 0.05
    let straight = try Trainer(configuration: c).run()

    c.checkpointPath = dir.appendingPathComponent("ckpt.safetensors").path
    let first = try Trainer(configuration: c)
    try first.run(stopAt: 2)
    let checkpoint = try TrainingCheckpoint.read(from: URL(fileURLWithPath: c.checkpointPath!))
    #expect(checkpoint.buffers.paths.contains("bn1.running_mean"))
    let resumed = try Trainer(resumingFrom: URL(fileURLWithPath: c.checkpointPath!)).run()
    #expect(resumed.finalParametersSHA256 == straight.finalParametersSHA256)
    #expect(resumed.evalLoss == straight.evalLoss)
  }
}
