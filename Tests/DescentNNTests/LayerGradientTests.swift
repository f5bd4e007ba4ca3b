import Descent
import DescentNN
import DescentTestSupport
import Testing

/// Float64 finite-difference checks of each parameterized layer through its parameter tree
/// (`with(parameters:)`), so the functional-training path is what is checked.
@Suite struct LayerGradientTests {
  /// `layer.with(parameters:)` applied to `input`, as a function of `[input] + parameters`.
  static func check<L: Layer>(
    _ layer: L, input: Tensor, context: ForwardContext = .evaluation, secondOrder: Bool = false
  ) -> String? {
    let tree = layer.parameters
    let f: ([Tensor]) -> Tensor = { xs in
      let parameters = ParameterTree(Array(zip(tree.paths, xs.dropFirst())))
      return layer.with(parameters: parameters)(xs[0], context: context)
    }
    let inputs = [input] + tree.tensors
    if let failure = gradientCheckFailure(inputs, f) { return failure }
    return secondOrder ? secondOrderCheckFailure(inputs, f) : nil
  }

  let key = RandomKey(seed: 21)

  @Test func linear() {
    let layer = Linear(4, 3, dtype: .float64, key: key)
    #expect(Self.check(layer, input: testTensor([2, 3, 4], seed: 1), secondOrder: true) == nil)
    #expect(
      Self.check(
        Linear(4, 2, bias: false, dtype: .float64, key: key), input: testTensor([3, 4], seed: 2))
        == nil)
  }

  @Test func conv2d() {
    let plain = Conv2d(2, 3, kernelSize: 3, padding: 1, dtype: .float64, key: key)
    #expect(Self.check(plain, input: testTensor([2, 2, 4, 4], seed: 3)) == nil)
    let grouped = Conv2d(
      4, 2, kernelSize: [2, 3], stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2,
      dtype: .float64, key: key)
    #expect(Self.check(grouped, input: testTensor([1, 4, 5, 5], seed: 4)) == nil)
  }

  @Test func batchNormTrainingMode() {
    var layer = BatchNorm(3, dtype: .float64)
    layer.weight = testTensor([3], seed: 5, range: 0.5...1.5)
    layer.bias = testTensor([3], seed: 6)
    #expect(
      Self.check(
        layer, input: testTensor([4, 3, 2, 2], seed: 7), context: .training(), secondOrder: true)
        == nil)
    #expect(Self.check(layer, input: testTensor([5, 3], seed: 8), context: .training()) == nil)
    #expect(Self.check(layer, input: testTensor([5, 3], seed: 9)) == nil)
  }

  @Test func layerNorm() {
    var layer = LayerNorm(4, dtype: .float64)
    layer.weight = testTensor([4], seed: 10, range: 0.5...1.5)
    layer.bias = testTensor([4], seed: 11)
    #expect(Self.check(layer, input: testTensor([3, 4], seed: 12), secondOrder: true) == nil)
  }

  @Test func attention() {
    var layer = MultiheadAttention(
      embeddingDimension: 4, headCount: 2, causal: true, dtype: .float64, key: key)
    layer.inProjectionBias = testTensor([12], seed: 13, range: -0.3...0.3)
    // Second order: the fused attention op's backward falls back to its composite form.
    #expect(Self.check(layer, input: testTensor([2, 3, 4], seed: 14), secondOrder: true) == nil)
    layer.causal = false
    #expect(Self.check(layer, input: testTensor([3, 4], seed: 15)) == nil)
  }

  @Test func embeddingsAndTheirNorm() {
    let indices = Tensor(indices: [3, 0, 3, 1], shape: [2, 2])
    let embedding = Embedding(5, 3, dtype: .float64, key: key)
    let stable = StableEmbedding(5, 3, dtype: .float64, key: key)
    for layer in [embedding, stable] as [any Layer] {
      let tree = layer.parameters
      let failure = gradientCheckFailure(tree.tensors) { xs in
        layer.with(parameters: ParameterTree(Array(zip(tree.paths, xs))))(indices)
      }
      #expect(failure == nil)
    }
  }

  @Test func smallMLPSecondOrder() {
    let mlp = MLP(widths: [3, 4, 2], activation: .tanh, dtype: .float64, key: key)
    #expect(Self.check(mlp, input: testTensor([2, 3], seed: 16), secondOrder: true) == nil)
    let labels = Tensor(indices: [1, 0])
    let tree = mlp.parameters
    let loss: ([Tensor]) -> Tensor = { xs in
      crossEntropy(
        logits: mlp.with(parameters: ParameterTree(Array(zip(tree.paths, xs))))(
          testTensor([2, 3], seed: 17)),
        labels: labels)
    }
    #expect(secondOrderCheckFailure(tree.tensors, loss) == nil)
  }

  @Test func tinyGPTThroughItsParameterTree() {
    let gpt = GPT(
      .init(
        vocabularySize: 5, contextLength: 4, layerCount: 1, headCount: 2, embeddingDimension: 4),
      dtype: .float64, key: key)
    let tokens = Tensor(indices: [1, 4, 2, 0, 3, 3], shape: [2, 3])
    let targets = Tensor(indices: [4, 2, 0, 3, 3, 1], shape: [2, 3])
    let tree = gpt.parameters
    let failure = gradientCheckFailure(tree.tensors) { xs in
      crossEntropy(
        logits: gpt.with(parameters: ParameterTree(Array(zip(tree.paths, xs))))(tokens),
        labels: targets)
    }
    #expect(failure == nil)
  }

  /// The Hessian-vector product over a model's parameter tree (what AdaHessian and Sophia use)
  /// against central differences of gradients.
  @Test func hessianVectorProductThroughACNN() {
    let keys = key.split(into: 2)
    let model = Sequential(
      Conv2d(2, 3, kernelSize: 3, padding: 1, dtype: .float64, key: keys[0]),
      BatchNorm2d(3, dtype: .float64),
      Activation.gelu, GlobalAvgPool2d(), Linear(3, 2, dtype: .float64, key: keys[1]))
    let x = testTensor([4, 2, 4, 4], seed: 30)
    let labels = Tensor(indices: [0, 1, 1, 0])
    func loss(_ p: ParameterTree) -> Tensor {
      crossEntropy(logits: model.with(parameters: p)(x, context: .training()), labels: labels)
    }
    let parameters = model.parameters
    let direction = parameters.map { testTensor($0.shape, seed: UInt64($0.count) + 31) }
    let (_, _, hvp) = valueGradAndHVP(of: loss, at: parameters, v: direction)
    let h = 1e-5
    let plus = grad(of: loss, at: parameters.zipMap(direction) { $0 + $1 * h })
    let minus = grad(of: loss, at: parameters.zipMap(direction) { $0 - $1 * h })
    let numeric = plus.zipMap(minus) { ($0 - $1) / (2 * h) }
    for (a, b) in zip(hvp.tensors, numeric.tensors) {
      #expect(mismatch(a, b, relativeTolerance: 1e-5, absoluteTolerance: 1e-7) == nil)
    }
  }
}
