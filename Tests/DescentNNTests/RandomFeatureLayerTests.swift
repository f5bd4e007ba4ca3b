import Descent
import DescentNN
import DescentTestSupport
import Foundation
import Testing

/// SNNK random-feature layers (arXiv:2310.13225): parity with the official code's feature maps
/// (scripts/golden/make_snnk_golden.py), gradients, projections, the arc-cosine kernel they
/// estimate and the bundled closed-form head.
@Suite struct RandomFeatureLayerTests {
  struct Matrix: Decodable {
    var shape: [Int]
    var data: [Double]
    var tensor: Tensor { Tensor(data, shape: shape, dtype: .float64) }
  }

  struct SNNKGolden: Decodable {
    var reference: String
    var x, w, projection, rates, amplitudes: Matrix
    var reluFeaturesX, reluFeaturesW, reluOutput, leakyFeaturesX: Matrix
    var leakyFloor: Double
    var exponentialFeaturesX, exponentialFeaturesW, exponentialOutput: Matrix
  }

  let golden: SNNKGolden

  init() throws { golden = try Golden.load("snnk", as: SNNKGolden.self) }

  @Test func reluFeaturesAndOutputMatchTheOfficialCode() {
    let g = golden.projection.tensor
    #expect(
      mismatch(
        SNNKReLU.features(golden.x.tensor, projection: g), golden.reluFeaturesX.tensor,
        relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
    #expect(
      mismatch(
        SNNKReLU.features(golden.x.tensor, projection: g, floor: golden.leakyFloor),
        golden.leakyFeaturesX.tensor, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
    let layer = SNNKReLU(initialWeight: golden.w.tensor, projection: g)
    #expect(
      mismatch(
        layer.weights, golden.reluFeaturesW.tensor, relativeTolerance: 1e-12,
        absoluteTolerance: 1e-14) == nil)
    #expect(
      mismatch(
        layer(golden.x.tensor, context: .evaluation), golden.reluOutput.tensor,
        relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
  }

  @Test func exponentialFeaturesAndOutputMatchTheOfficialCode() {
    let layer = SNNKExponential(
      initialWeight: golden.w.tensor, projection: golden.projection.tensor,
      rates: Tensor(golden.rates.data, dtype: .float64),
      amplitudes: Tensor(golden.amplitudes.data, dtype: .float64))
    #expect(
      mismatch(
        layer.features(golden.x.tensor), golden.exponentialFeaturesX.tensor,
        relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
    #expect(
      mismatch(
        layer.weights, golden.exponentialFeaturesW.tensor, relativeTolerance: 1e-12,
        absoluteTolerance: 1e-14) == nil)
    #expect(
      mismatch(
        layer(golden.x.tensor, context: .evaluation), golden.exponentialOutput.tensor,
        relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
  }

  @Test func gradientsOfBothLayersInInputAndWeights() {
    let key = RandomKey(seed: 5)
    let relu = SNNKReLU(5, 3, features: 7, dtype: .float64, key: key)
    let exponential = SNNKExponential(
      5, 3, features: 7, projection: .blockOrthogonal,
      rates: (0..<7).map { 0.3 + 0.1 * Double($0) },
      dtype: .float64, key: key)
    let input = testTensor([4, 5], seed: 3)
    #expect(LayerGradientTests.check(relu, input: input) == nil)
    #expect(LayerGradientTests.check(exponential, input: input, secondOrder: true) == nil)
    // ReLU features are piecewise linear: their second derivative in the input is zero away from
    // the kinks, and the check differentiates the first-order rule.
    #expect(LayerGradientTests.check(relu, input: input, secondOrder: true) == nil)
  }

  @Test func parameterPathsAndTrainableCount() {
    var paths: [String: ParameterKind] = [:]
    var layer = SNNKReLU(64, 256, features: 32, key: RandomKey(seed: 1))
    layer.visitParameters(prefix: "") { path, _, kind in paths[path] = kind }
    #expect(paths == ["weights": .parameter, "projection": .buffer])
    #expect(layer.parameters.tensors.map(\.count).reduce(0, +) == 256 * 32)
    var adapter = snnkAdapter(dimension: 8, hidden: 4, features: 3, key: RandomKey(seed: 2))
    var adapterPaths: [String] = []
    adapter.visitParameters(prefix: "") { path, _, _ in adapterPaths.append(path) }
    #expect(adapterPaths == ["0.weights", "0.projection", "1.weight", "1.bias"])
    let x = testTensor([2, 8], seed: 9).cast(to: .float32)
    #expect(adapter(x, context: .evaluation).doubles == x.doubles)  // `up` starts at zero
  }

  @Test func blockOrthogonalRowsAreOrthogonalWithinABlock() {
    let g = RandomProjection.blockOrthogonal.matrix(
      rows: 10, columns: 4, dtype: .float64, key: RandomKey(seed: 3))
    #expect(g.shape == [10, 4])
    let rows = (0..<10).map { Array(g.doubles[($0 * 4)..<($0 * 4 + 4)]) }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map(*).reduce(0, +) }
    for block in 0..<3 {
      let members = (block * 4)..<min(10, block * 4 + 4)
      for i in members {
        for j in members where j > i { #expect(abs(dot(rows[i], rows[j])) < 1e-12) }
      }
    }
    #expect(abs(dot(rows[0], rows[4])) > 1e-6)  // different blocks are independent
    let again = RandomProjection.blockOrthogonal.matrix(
      rows: 10, columns: 4, dtype: .float64, key: RandomKey(seed: 3))
    #expect(again.doubles == g.doubles)
  }

  /// Rows of both projections are marginally N(0, I): the mean of relu(gᵀx)relu(gᵀw) over many
  /// rows is the arc-cosine kernel, and the squared row length averages d.
  @Test(arguments: RandomProjection.allCases)
  func featuresEstimateTheArcCosineKernel(kind: RandomProjection) {
    let d = 8
    let x = testTensor([3, d], seed: 11)
    let w = testTensor([2, d], seed: 12)
    let g = kind.matrix(rows: 200_000, columns: d, dtype: .float64, key: RandomKey(seed: 4))
    let estimate = SNNKReLU.features(x, projection: g)
      .matmulTransposed(SNNKReLU.features(w, projection: g))
    #expect(mismatch(estimate, arcCosineKernel(x, w), relativeTolerance: 0.02) == nil)
    let meanSquaredLength = (g * g).sum().item / 200_000
    #expect(abs(meanSquaredLength - Double(d)) < 0.05)
  }

  @Test func arcCosineKernelAtKnownAngles() {
    let x = Tensor([3, 4], shape: [1, 2], dtype: .float64)
    let same = arcCosineKernel(x, x).item
    #expect(abs(same - 12.5) < 1e-12)  // θ = 0: ‖x‖²/2
    let orthogonal = arcCosineKernel(x, Tensor([-4, 3], shape: [1, 2], dtype: .float64)).item
    #expect(abs(orthogonal - 25 / (2 * Double.pi)) < 1e-12)  // θ = π/2: ‖x‖‖w‖/2π
    #expect(
      abs(arcCosineKernel(x, Tensor([-3, -4], shape: [1, 2], dtype: .float64)).item) < 1e-12)
    #expect(arcCosineKernel(x, Tensor([0, 0], shape: [1, 2], dtype: .float64)).item == 0)
  }

  /// The bundled head is the minimizer: the gradient of ‖ΦWᵀ − Y‖² + λ‖W‖² vanishes there.
  @Test func bundledRidgeIsTheMinimizer() throws {
    let phi = testTensor([20, 6], seed: 13)
    let y = testTensor([20, 3], seed: 14)
    let w = try SNNKReLU.bundledRidge(features: phi, targets: y, penalty: 0.3)
    #expect(w.shape == [3, 6])
    let gradient = grad(
      of: { p in
        let r = phi.matmulTransposed(p[0]) - y
        return (r * r).sum() + (p[0] * p[0]).sum() * r.scalar(0.3)
      }, at: [w])[0]
    #expect(gradient.doubles.allSatisfy { abs($0) < 1e-10 })
    #expect(throws: LinearAlgebraError.self) {
      _ = try SNNKReLU.bundledRidge(
        features: Tensor.zeros([4, 3], dtype: .float64), targets: Tensor.zeros([4, 1]), penalty: 0)
    }
  }
}
