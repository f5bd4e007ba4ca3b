import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// Parameter trees, buffers, state loading, dropout and functional training.
@Suite struct LayerBehaviorTests {
  let key = RandomKey(seed: 5)

  @Test func buffersAreKeptApartFromParameters() {
    let model = Sequential(Linear(3, 4, key: key), BatchNorm1d(4), Activation.relu)
    #expect(model.parameters.paths == ["0.weight", "0.bias", "1.weight", "1.bias"])
    #expect(model.buffers.paths == ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
    #expect(
      model.stateDict.paths == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked",
      ])
    #expect(model.buffers["1.num_batches_tracked"]?.dtype == .int32)
  }

  @Test func trainingUpdatesRunningStatisticsOnlyInTrainingMode() {
    let bn = BatchNorm2d(2)
    let x = Tensor.normal([4, 2, 3, 3], mean: 3, key: key)
    _ = bn(x)
    #expect(bn.buffers["running_mean"]!.doubles == [0, 0])
    _ = bn(x, context: .training())
    let expected = (x.mean(axes: [0, 2, 3]) * 0.1).doubles
    #expect(mismatch(bn.buffers["running_mean"]!.doubles, expected, relativeTolerance: 1e-6) == nil)
    #expect(bn.buffers["num_batches_tracked"]!.item == 1)
  }

  @Test func loadStateDictValidates() throws {
    var linear = Linear(3, 2, key: key)
    var state = linear.stateDict
    state["bias"] = nil
    #expect(throws: StateLoadingError.missing(path: "bias")) { try linear.loadStateDict(state) }
    state["bias"] = Tensor.zeros([3])
    #expect(throws: StateLoadingError.shapeMismatch(path: "bias", expected: [2], found: [3])) {
      try linear.loadStateDict(state)
    }
    state["bias"] = Tensor.zeros([2], dtype: .float64)
    #expect(
      throws: StateLoadingError.dtypeMismatch(path: "bias", expected: .float32, found: .float64)
    ) {
      try linear.loadStateDict(state)
    }
    state["bias"] = Tensor.ones([2])
    state["extra"] = Tensor.zeros([1])
    #expect(throws: StateLoadingError.unexpected(paths: ["extra"])) {
      try linear.loadStateDict(state)
    }
    try linear.loadStateDict(state, strict: false)
    #expect(linear.bias!.doubles == [1, 1])
  }

  @Test func loadedBuffersAreNotSharedWithCopies() throws {
    let original = BatchNorm(2)
    var copy = original
    var state = copy.stateDict
    state["running_mean"] = Tensor([5, 6])
    try copy.loadStateDict(state)
    #expect(copy.buffers["running_mean"]!.doubles == [5, 6])
    #expect(original.buffers["running_mean"]!.doubles == [0, 0])
  }

  @Test func dropoutIsDeterministicForAKey() {
    let dropout = Dropout(probability: 0.3)
    let x = Tensor.ones([1000])
    let a = dropout(x, context: .training(key: RandomKey(seed: 7)))
    let b = dropout(x, context: .training(key: RandomKey(seed: 7)))
    let c = dropout(x, context: .training(key: RandomKey(seed: 8)))
    #expect(a.bytes == b.bytes)
    #expect(a.bytes != c.bytes)
    let values = a.doubles
    #expect(values.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-6 })
    let dropped = Double(values.filter { $0 == 0 }.count) / 1000
    #expect(abs(dropped - 0.3) < 0.05)
    #expect(dropout(x).bytes == x.bytes)
    // Two dropout layers in a Sequential draw different masks from one key.
    let twice = Sequential(Dropout(probability: 0.5), Dropout(probability: 0))
    let pair = Sequential(Dropout(probability: 0.5), Dropout(probability: 0.5))
    let y = pair(x, context: .training(key: key))
    let single = twice(x, context: .training(key: key))
    #expect(y.bytes != (single * 2).bytes)
  }

  @Test func defaultInitializationsFollowPyTorch() {
    let linear = Linear(100, 50, key: key)
    let bound = 1 / 100.0.squareRoot()
    for t in [linear.weight, linear.bias!] {
      #expect(t.doubles.allSatisfy { abs($0) <= bound })
    }
    let weights = linear.weight.doubles
    let std = (weights.map { $0 * $0 }.reduce(0, +) / Double(weights.count)).squareRoot()
    #expect(abs(std - bound / 3.0.squareRoot()) < 0.02 * bound)
    let conv = Conv2d(4, 8, kernelSize: 3, groups: 2, key: key)
    #expect(conv.weight.doubles.allSatisfy { abs($0) <= 1 / 18.0.squareRoot() })
    let embedding = Embedding(200, 50, key: key).weight.doubles
    let mean = embedding.reduce(0, +) / Double(embedding.count)
    let variance =
      embedding.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(embedding.count)
    #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    let norm = LayerNorm(5)
    #expect(norm.weight!.doubles == [1, 1, 1, 1, 1] && norm.bias!.doubles == [0, 0, 0, 0, 0])
    #expect(Linear(3, 2, key: key).weight.bytes == Linear(3, 2, key: key).weight.bytes)
  }

  @Test func namedInitializers() throws {
    let xavier = Initializer.xavierUniform([30, 20], gain: 2, key: key).doubles
    #expect(xavier.allSatisfy { abs($0) <= 2 * (6.0 / 50).squareRoot() })
    let kaiming = Initializer.kaimingNormal([400, 300], mode: .fanOut, key: key).doubles
    let std = (kaiming.map { $0 * $0 }.reduce(0, +) / Double(kaiming.count)).squareRoot()
    #expect(abs(std - (2.0 / 400).squareRoot()) < 0.002)
    #expect(Initializer.fans([8, 3, 5, 5]) == (75, 200))
    #expect(
      abs(Initializer.gain(.leakyRelu(negativeSlope: 5.0.squareRoot())) - (1.0 / 3).squareRoot())
        < 1e-15)
    for shape in [[6, 4], [3, 8], [4, 2, 3]] {
      let w = Initializer.orthogonal(shape, gain: 1.5, dtype: .float64, key: key)
      let m = w.reshaped([shape[0], w.count / shape[0]])
      let gram = m.shape[0] >= m.shape[1] ? m.transposed().matmul(m) : m.matmul(m.transposed())
      let n = gram.shape[0]
      #expect(
        mismatch(
          gram, Tensor.eye(n, dtype: .float64) * 2.25, relativeTolerance: 0,
          absoluteTolerance: 1e-12) == nil)
    }
  }

  @Test func functionalTrainingReducesTheLoss() throws {
    var model = MLP(widths: [2, 8, 2], activation: .tanh, key: key)
    let x = Tensor.normal([32, 2], key: RandomKey(seed: 1))
    let labels = Tensor(
      indices: x.doubles.enumerated().filter { $0.offset % 2 == 0 }.map { $0.element > 0 ? 1 : 0 })
    var parameters = model.parameters
    func loss(_ p: ParameterTree) -> Tensor {
      crossEntropy(logits: model.with(parameters: p)(x, context: .training()), labels: labels)
    }
    let initial = withoutGradients { loss(parameters) }.item
    for _ in 0..<100 {
      let (_, gradient) = valueAndGrad(of: loss, at: parameters)
      #expect(gradient.paths == parameters.paths)
      parameters = parameters.zipMap(gradient) { $0 - $1 * 0.5 }
    }
    let final = withoutGradients { loss(parameters) }.item
    #expect(final < initial * 0.5)
    try model.loadParameters(parameters)
    #expect(model.parameters == parameters)
  }
}
