import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// The model zoo against PyTorch 2.13.0 (Golden/models.json from scripts/golden/make_nn_golden.py):
/// state_dict paths and shapes, parameter counts, and logits with the script's pattern weights.
@Suite struct ModelParityTests {
  struct PathShape: Decodable {
    var path: String
    var shape: [Int]
  }

  struct ModelCase: Decodable {
    var name: String
    var dtype: String
    var paths: [PathShape]
    var parameterCount: Int
    var input: GoldenTensor?
    var outputs: [String: GoldenTensor]?
    var stateAfterTrain: [GoldenStateEntry]?

    enum CodingKeys: String, CodingKey {
      case name, dtype, paths, input, outputs
      case parameterCount = "parameter_count"
      case stateAfterTrain = "state_after_train"
    }
  }

  struct File: Decodable {
    var torch: String
    var cases: [ModelCase]
  }

  static let file: File = try! Golden.load("models", as: File.self)

  static func model(_ name: String, dtype: DType) -> any Layer {
    let key = RandomKey(seed: 3)
    switch name {
    case "mlp": return MLP(widths: [6, 16, 16, 4], activation: .gelu, dtype: dtype, key: key)
    case "mlp-tanh": return MLP(widths: [3, 8, 2], activation: .tanh, dtype: dtype, key: key)
    case "lenet": return LeNet(dtype: dtype, key: key)
    case "resnet20": return ResNet.resnet20(dtype: dtype, key: key)
    case "resnet20-projection":
      return ResNet(blocksPerStage: 3, shortcut: .projection, dtype: dtype, key: key)
    case "resnet32": return ResNet.resnet32(dtype: dtype, key: key)
    case "gpt", "gpt-float32":
      return GPT(
        .init(
          vocabularySize: 11, contextLength: 16, layerCount: 2, headCount: 2, embeddingDimension: 16
        ),
        dtype: dtype, key: key)
    default: preconditionFailure("no Descent model for golden case \(name)")
    }
  }

  static func dtype(_ name: String) -> DType { name == "float32" ? .float32 : .float64 }

  @Test(arguments: file.cases.map(\.name))
  func pathsAndShapesEqualPyTorchStateDict(_ name: String) throws {
    let golden = try #require(Self.file.cases.first { $0.name == name })
    let model = Self.model(name, dtype: Self.dtype(golden.dtype))
    let state = model.stateDict
    #expect(state.paths == golden.paths.map(\.path))
    #expect(state.tensors.map(\.shape) == golden.paths.map(\.shape))
    #expect(model.parameterCount == golden.parameterCount)
  }

  @Test(arguments: file.cases.filter { $0.outputs != nil }.map(\.name))
  func logitsMatchPyTorch(_ name: String) throws {
    let golden = try #require(Self.file.cases.first { $0.name == name })
    let dtype = Self.dtype(golden.dtype)
    var model = Self.model(name, dtype: dtype)
    fillWithPattern(&model)
    let input = try #require(golden.input).tensor
    let tolerance = goldenTolerance(dtype)
    for (mode, expected) in try #require(golden.outputs).sorted(by: { $0.key < $1.key }) {
      let output = model(input, context: ForwardContext(training: mode == "train"))
      #expect(
        mismatch(
          output, expected.tensor, relativeTolerance: tolerance, absoluteTolerance: tolerance)
          == nil, "\(name) \(mode)")
    }
    for entry in golden.stateAfterTrain ?? [] {
      let actual = try #require(model.buffers[entry.path])
      #expect(
        mismatch(actual, entry.tensor, relativeTolerance: 1e-10, absoluteTolerance: 1e-10) == nil,
        "\(entry.path)")
    }
  }

  @Test func resnet20Has027MParameters() {
    let model = ResNet.resnet20(key: RandomKey(seed: 1))
    #expect(model.parameterCount == 269_722)
    let logits = model(Tensor.normal([2, 3, 32, 32], key: RandomKey(seed: 2)))
    #expect(logits.shape == [2, 10])
    #expect(logits.isFinite().doubles.allSatisfy { $0 == 1 })
    #expect(ResNet.resnet32(key: RandomKey(seed: 1)).parameterCount == 464_154)
  }
}
