import Descent
import DescentOptimizers
import Foundation
import Testing

@testable import DescentData

/// Save / stop / resume: a run continued from a checkpoint equals the run never interrupted, bit
/// for bit (parameters, optimizer moments, data order, RNG).
@Suite struct TrainingCheckpointTests {
  /// A 64-32-10 ReLU MLP on the embedded digits, as raw parameters.
  struct Task {
    let data: TensorDataset
    init() throws { data = try EmbeddedDataset.digits.load() }

    func initialParameters() -> ParameterTree {
      let keys = RandomKey(seed: 9).split(into: 4)
      return ParameterTree([
        ("0.weight", Tensor.uniform([32, 64], low: -0.125, high: 0.125, key: keys[0])),
        ("0.bias", Tensor.uniform([32], low: -0.125, high: 0.125, key: keys[1])),
        ("2.weight", Tensor.uniform([10, 32], low: -0.17, high: 0.17, key: keys[2])),
        ("2.bias", Tensor.uniform([10], low: -0.17, high: 0.17, key: keys[3])),
      ])
    }

    func loss(_ p: ParameterTree, _ batch: Batch) -> Tensor {
      let x = batch.features / 16
      let h = (x.matmulTransposed(p["0.weight"]!) + p["0.bias"]!).relu()
      let logits = h.matmulTransposed(p["2.weight"]!) + p["2.bias"]!
      let targets = batch.labels.oneHot(classes: 10)
      return -(logits.logSoftmax(axis: 1) * targets).sum() / Double(batch.labels.count)
    }
  }

  func train(
    _ task: Task, parameters: inout ParameterTree, optimizer: Optimizer,
    loader: inout DataLoader<TensorDataset>, random: inout RandomGenerator, steps: Int
  ) throws {
    for _ in 0..<steps {
      let batch = loader.next()
      // A draw per step stands for dropout masks and probes: the RNG state must resume too.
      let noise = Tensor.normal(parameters["2.bias"]!.shape, std: 1e-4, key: random.nextKey())
      let (_, gradients) = valueAndGrad(of: { task.loss($0, batch) }, at: parameters)
      var g = gradients
      g["2.bias"] = g["2.bias"]! + noise
      try optimizer.step(&parameters, gradients: g)
    }
  }

  @Test func resumedRunEqualsUninterruptedRun() throws {
    let task = try Task()
    let total = 30
    let stop = 13

    var straight = task.initialParameters()
    var straightLoader = DataLoader(task.data, batchSize: 32, seed: 5)
    var straightRandom = RandomGenerator(seed: 77)
    let straightOptimizer = Optimizer(try AdamW(learningRate: 1e-2), for: straight)
    try train(
      task, parameters: &straight, optimizer: straightOptimizer, loader: &straightLoader,
      random: &straightRandom, steps: total)

    // First half, then checkpoint to disk and drop every object.
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-checkpoint-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    do {
      var parameters = task.initialParameters()
      var loader = DataLoader(task.data, batchSize: 32, seed: 5)
      var random = RandomGenerator(seed: 77)
      let optimizer = Optimizer(try AdamW(learningRate: 1e-2), for: parameters)
      try train(task, parameters: &parameters, optimizer: optimizer, loader: &loader, random: &random, steps: stop)
      let archive = TensorArchive()
      let state = try optimizer.stateDictionary(archive: archive)
      try TrainingCheckpoint(
        parameters: parameters, step: optimizer.stepCount, optimizerState: state,
        optimizerTensors: archive.tensors, loader: loader.state, random: random,
        metadata: ["run": "test"]
      ).write(to: url)
    }

    let checkpoint = try TrainingCheckpoint.read(from: url)
    #expect(checkpoint.step == stop)
    #expect(checkpoint.metadata["run"] == "test")
    var resumed = checkpoint.parameters
    var loader = DataLoader(task.data, batchSize: 32, seed: 5)
    try loader.restore(try #require(checkpoint.loader))
    var random = try #require(checkpoint.random)
    let optimizer = Optimizer(try AdamW(learningRate: 1e-2), for: resumed)
    try optimizer.loadStateDictionary(checkpoint.optimizerState, archive: checkpoint.optimizerArchive)
    try train(task, parameters: &resumed, optimizer: optimizer, loader: &loader, random: &random, steps: total - stop)

    #expect(resumed == straight, "resumed parameters differ from the uninterrupted run")
    #expect(optimizer.stepCount == total)
    let straightState = try straightOptimizer.stateDictionary()
    #expect(try optimizer.stateDictionary() == straightState)
  }

  @Test func checkpointWithoutItsOptimizerTensorsIsRejected() throws {
    let parameters = ParameterTree([("w", Tensor([1, 2, 3]))])
    let optimizer = Optimizer(try AdamW(), for: parameters)
    var p = parameters
    try optimizer.step(&p, gradients: ParameterTree([("w", Tensor([0.1, 0.2, 0.3]))]))
    let archive = TensorArchive()
    let state = try optimizer.stateDictionary(archive: archive)
    let restored = Optimizer(try AdamW(), for: parameters)
    #expect(throws: (any Error).self) { try restored.loadStateDictionary(state, archive: TensorArchive()) }
    try restored.loadStateDictionary(state, archive: archive)
    #expect(try restored.stateDictionary() == optimizer.stateDictionary())
  }

  @Test func notACheckpointGivesAOneLineError() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-not-checkpoint-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try SafetensorsFile(tensors: [NamedTensor("weight", Tensor([1, 2]))]).write(to: url)
    do {
      _ = try TrainingCheckpoint.read(from: url)
      Issue.record("expected an error")
    } catch let error as DataError {
      #expect(!error.description.contains("\n"))
      #expect(error.description.contains("descent.format"))
    }
  }
}
