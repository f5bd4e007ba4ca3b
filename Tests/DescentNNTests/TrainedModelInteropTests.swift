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
