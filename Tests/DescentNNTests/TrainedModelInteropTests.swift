import Descent
import DescentData
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// Models trained in PyTorch 2.13.0 and saved with `safetensors.torch.save_file` (Golden/trained-*,
/// from scripts/golden/make_nn_golden.py) load into the same Descent architecture by path and give
/// PyTorch's evaluation-mode logits; a Descent model written as safetensors and read back gives
/// its own logits.
@Suite struct TrainedModelInteropTests {
  struct TrainedCase: Decodable {
    var name: String
    var file: String
    var input: GoldenTensor
    var output: GoldenTensor
  }

  struct File: Decodable {
    var torch: String
    var safetensors: String
    var cases: [TrainedCase]
  }

  static let file: File = try! Golden.load("trained", as: File.self)

  static func model(_ name: String) -> any Layer {
    let key = RandomKey(seed: 77)
    switch name {
    case "mlp-batchnorm":
      return Sequential(
        Linear(12, 32, key: key), BatchNorm1d(32), Activation.relu, Linear(32, 5, key: key))
    case "gpt":
      return GPT(
        .init(
          vocabularySize: 11, contextLength: 16, layerCount: 2, headCount: 2, embeddingDimension: 16
        ),
        key: key)
    default: preconditionFailure("no Descent model for trained case \(name)")
    }
  }

  static func read(_ file: String) throws -> ParameterTree {
    let url = try #require(
      Bundle.module.url(
        forResource: (file as NSString).deletingPathExtension, withExtension: "safetensors",
        subdirectory: "Golden"))
    let contents = try SafetensorsFile.read(contentsOf: url)
    return ParameterTree(contents.tensors.map { ($0.name, $0.tensor) })
  }

  @Test(arguments: file.cases.map(\.name))
  func pyTorchTrainedWeightsGivePyTorchLogits(_ name: String) throws {
    let golden = try #require(Self.file.cases.first { $0.name == name })
    var model = Self.model(name)
    try model.loadStateDict(Self.read(golden.file))
    let output = model(golden.input.tensor)
    #expect(
      mismatch(output, golden.output.tensor, relativeTolerance: 1e-5, absoluteTolerance: 1e-5)
        == nil)
  }

  @Test func descentWeightsRoundTripThroughSafetensors() throws {
    var model = Self.model("mlp-batchnorm")
    let x = Tensor.normal([6, 12], key: RandomKey(seed: 1))
    _ = model(x, context: .training())  // move the running statistics off their initial values
    let state = model.stateDict
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("descent-nn-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try SafetensorsFile(tensors: state.entries.map { NamedTensor($0.path, $0.tensor) }).write(
      to: url)
    var restored = Self.model("mlp-batchnorm")
    try restored.loadStateDict(
      ParameterTree(try SafetensorsFile.read(contentsOf: url).tensors.map { ($0.name, $0.tensor) }))
    #expect(restored.stateDict == state)
    #expect(restored(x).bytes == model(x).bytes)
  }
}

/// The reverse direction: a model trained in Descent, saved as safetensors with PyTorch's
/// `state_dict` names, loads into the same PyTorch architecture and gives Descent's logits.
///
/// Golden/descent-trained-mlp.safetensors holds the state dict plus two check tensors,
/// `check.input` and `check.logits` (Descent's evaluation-mode output). It is rewritten only with
/// DESCENT_REWRITE_GOLDEN=1; scripts/golden/verify_descent_export.py (PyTorch 2.13.0) loads it into
/// `nn.Sequential(Linear(12, 32), BatchNorm1d(32), ReLU(), Linear(32, 5))` and compares.
extension TrainedModelInteropTests {
  static func trainDescentModel() -> (state: ParameterTree, input: Tensor, logits: Tensor) {
    let model = model("mlp-batchnorm")
    let keys = RandomKey(seed: 2026).split(into: 3)
    let x = Tensor.normal([64, 12], key: keys[0])
    let labels = Tensor.randint([64], low: 0, high: 5, key: keys[1])
    var parameters = model.parameters
    for _ in 0..<20 {
      let (_, gradients) = valueAndGrad(
        of: { p in crossEntropy(logits: model.with(parameters: p)(x, context: .training()), labels: labels) },
        at: parameters)
      parameters = parameters.zipMap(gradients) { $0 - 0.1 * $1 }
    }
    let trained = model.with(parameters: parameters)
    let input = Tensor.normal([8, 12], key: keys[2])
    return (trained.stateDict, input, trained(input))
  }

  @Test func descentTrainedModelExportMatchesItsFixture() throws {
    let (state, input, logits) = Self.trainDescentModel()
    let tensors =
      state.entries.map { NamedTensor($0.path, $0.tensor) }
      + [NamedTensor("check.input", input), NamedTensor("check.logits", logits)]
    let file = SafetensorsFile(tensors: tensors, metadata: ["producer": "Descent"])
    if ProcessInfo.processInfo.environment["DESCENT_REWRITE_GOLDEN"] == "1" {
      let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/descent-trained-mlp.safetensors")
      try file.write(to: url)
    }
    // The checked-in fixture is what Descent produces today, so the PyTorch check of it holds.
    let fixture = try SafetensorsFile.read(
      contentsOf: try #require(
        Bundle.module.url(
          forResource: "descent-trained-mlp", withExtension: "safetensors", subdirectory: "Golden")))
    #expect(fixture.tensors.map(\.name) == tensors.map(\.name))
    for (stored, current) in zip(fixture.tensors, tensors) {
      #expect(
        mismatch(stored.tensor, current.tensor, relativeTolerance: 1e-6, absoluteTolerance: 1e-6) == nil,
        "\(stored.name)")
    }
  }
}
