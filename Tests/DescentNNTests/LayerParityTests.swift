import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// Each layer's forward pass against PyTorch 2.13.0 with the same weights (Golden/layers.json, from
/// scripts/golden/make_nn_golden.py). The torch module's state_dict is loaded by path with
/// `loadStateDict(strict: true)`, so the paths and shapes are checked too.
@Suite struct LayerParityTests {
  struct LayerCase: Decodable {
    var name: String
    var mode: String
    var state: [GoldenStateEntry]
    var input: GoldenTensor
    var output: GoldenTensor
  }

  struct BatchNormCase: Decodable {
    var name: String
    var momentum: Double
    var state: [GoldenStateEntry]
    var inputs: [GoldenTensor]
    var trainingOutputs: [GoldenTensor]
    var stateAfter: [GoldenStateEntry]
    var evalOutput: GoldenTensor

    enum CodingKeys: String, CodingKey {
      case name, momentum, state, inputs
      case trainingOutputs = "training_outputs"
      case stateAfter = "state_after"
      case evalOutput = "eval_output"
    }
  }

  struct File: Decodable {
    var torch: String
    var cases: [LayerCase]
    var batchnorm: [BatchNormCase]
  }

  static let file: File = try! Golden.load("layers", as: File.self)

  /// The Descent layer for a golden case (weights replaced from the golden state).
  static func layer(_ name: String, dtype: DType) -> any Layer {
    let key = RandomKey(seed: 9)
    switch name {
    case "linear", "linear-3d", "linear-default-init": return Linear(5, 3, dtype: dtype, key: key)
    case "linear-nobias": return Linear(5, 3, bias: false, dtype: dtype, key: key)
    case "linear-float32": return Linear(7, 4, dtype: dtype, key: key)
    case "conv2d": return Conv2d(3, 4, kernelSize: 3, padding: 1, dtype: dtype, key: key)
    case "conv2d-strided-dilated-grouped":
      return Conv2d(
        4, 6, kernelSize: [3, 2], stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2,
        dtype: dtype, key: key)
    case "conv2d-float32": return Conv2d(3, 5, kernelSize: 3, stride: 2, dtype: dtype, key: key)
    case "maxpool2d": return MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    case "maxpool2d-dilated": return MaxPool2d(kernelSize: 2, stride: 1, dilation: 2)
    case "avgpool2d": return AvgPool2d(kernelSize: 2)
    case "avgpool2d-padded": return AvgPool2d(kernelSize: 3, stride: 2, padding: 1)
    case "globalavgpool2d": return GlobalAvgPool2d()
    case "flatten": return Flatten()
    case "layernorm": return LayerNorm(6, dtype: dtype)
    case "layernorm-2d-shape": return LayerNorm([3, 4], dtype: dtype)
    case "embedding": return Embedding(10, 4, dtype: dtype, key: key)
    case "stable-embedding": return StableEmbedding(10, 6, dtype: dtype, key: key)
    case "attention":
      return MultiheadAttention(embeddingDimension: 8, headCount: 2, dtype: dtype, key: key)
    case "attention-causal":
      return MultiheadAttention(
        embeddingDimension: 8, headCount: 2, causal: true, dtype: dtype, key: key)
    case "attention-causal-float32":
      return MultiheadAttention(
        embeddingDimension: 12, headCount: 3, causal: true, dtype: dtype, key: key)
    case "activation-relu": return Activation.relu
    case "activation-leaky-relu": return Activation.leakyRelu(negativeSlope: 0.2)
    case "activation-elu": return Activation.elu(alpha: 0.7)
    case "activation-selu": return Activation.selu
    case "activation-gelu": return Activation.gelu
    case "activation-gelu-tanh": return Activation.geluTanh
    case "activation-softplus": return Activation.softplus(beta: 2, threshold: 3)
    case "activation-silu": return Activation.silu
    case "activation-tanh": return Activation.tanh
    case "activation-sigmoid": return Activation.sigmoid
    case "activation-softmax": return Activation.softmax(axis: -1)
    case "activation-log-softmax": return Activation.logSoftmax(axis: 0)
    case "activation-identity": return Activation.identity
    default: preconditionFailure("no Descent layer for golden case \(name)")
    }
  }

  @Test func goldenFileNamesItsReference() {
    #expect(Self.file.torch == "2.13.0+cpu")
    #expect(Self.file.cases.count >= 30)
  }

  @Test(arguments: file.cases.map(\.name))
  func forwardMatchesPyTorch(_ name: String) throws {
    let golden = try #require(Self.file.cases.first { $0.name == name })
    let expected = golden.output.tensor
    var layer = Self.layer(name, dtype: expected.dtype)
    try layer.loadStateDict(stateTree(golden.state))
    #expect(layer.stateDict.paths == golden.state.map(\.path))
    let output = layer(
      golden.input.tensor, context: ForwardContext(training: golden.mode == "train"))
    #expect(output.dtype == expected.dtype)
    let tolerance = goldenTolerance(expected.dtype)
    #expect(
      mismatch(output, expected, relativeTolerance: tolerance, absoluteTolerance: tolerance) == nil,
      "\(name)")
  }

  @Test(arguments: file.batchnorm.map(\.name))
  func batchNormTrainingAndRunningStatisticsMatchPyTorch(_ name: String) throws {
    let golden = try #require(Self.file.batchnorm.first { $0.name == name })
    var layer = BatchNorm(golden.state[0].shape[0], momentum: golden.momentum, dtype: .float64)
    try layer.loadStateDict(stateTree(golden.state))
    #expect(layer.stateDict.paths == golden.state.map(\.path))
    for (input, expected) in zip(golden.inputs, golden.trainingOutputs) {
      let output = layer(input.tensor, context: .training())
      #expect(
        mismatch(output, expected.tensor, relativeTolerance: 1e-10, absoluteTolerance: 1e-10) == nil
      )
    }
    let after = stateTree(golden.stateAfter)
    for (path, tensor) in layer.stateDict.entries {
      let expected = try #require(after[path])
      #expect(
        mismatch(tensor, expected, relativeTolerance: 1e-12, absoluteTolerance: 1e-12) == nil,
        "\(path)")
    }
    #expect(layer.buffers["num_batches_tracked"]?.item == 2)
    let evaluation = layer(golden.inputs[0].tensor)
    #expect(
      mismatch(
        evaluation, golden.evalOutput.tensor, relativeTolerance: 1e-10, absoluteTolerance: 1e-10)
        == nil)
  }
}
