import Descent
import DescentTestSupport
import Testing

/// The fused `Tensor.layerNormalized` against its composite form, by finite differences (first
/// and second order, float64), and across thread counts (float32, bit for bit).
@Suite struct LayerNormalizationTests {
  static let x = testTensor([3, 2, 4], seed: 51)
  static let weight = testTensor([4], seed: 52, range: 0.5...1.5)
  static let bias = testTensor([4], seed: 53)

  @Test func matchesTheComposite() {
    let x = Self.x
    for (w, b) in [(Self.weight, Self.bias), (Self.weight, nil), (nil, Self.bias), (nil, nil)] {
      let fused = x.layerNormalized(weight: w, bias: b)
      let composite = x.compositeLayerNormalized(weight: w, bias: b)
      #expect(isClose(fused, composite, relativeTolerance: 1e-12, absoluteTolerance: 1e-14))
    }
    // Two normalized axes, a custom epsilon.
    let w2 = testTensor([2, 4], seed: 54)
    #expect(
      isClose(
        x.layerNormalized(axisCount: 2, weight: w2, epsilon: 0.1),
        x.compositeLayerNormalized(axisCount: 2, weight: w2, epsilon: 0.1),
        relativeTolerance: 1e-12, absoluteTolerance: 1e-14))
  }

  @Test func gradientsOfEveryOrder() {
    let inputs = [Self.x, Self.weight, Self.bias]
    let f: ([Tensor]) -> Tensor = { $0[0].layerNormalized(weight: $0[1], bias: $0[2]) }
    #expect(gradientCheckFailure(inputs, f) == nil)
    #expect(secondOrderCheckFailure(inputs, f) == nil)
    let plain: ([Tensor]) -> Tensor = { $0[0].layerNormalized(axisCount: 2, epsilon: 0.01) }
    #expect(gradientCheckFailure([Self.x], plain) == nil)
    #expect(secondOrderCheckFailure([Self.x], plain) == nil)
  }

  @Test func threadCountDoesNotChangeTheBits() {
    let keys = RandomKey(seed: 55).split(into: 4)
    let x = Tensor.normal([64, 128, 64], key: keys[0])
    let w = Tensor.normal([64], key: keys[1])
    let b = Tensor.normal([64], key: keys[2])
    let weights = Tensor.normal([64, 128, 64], key: keys[3])
    func run(_ threads: Int) -> [Tensor] {
      withThreads(threads) {
        let (value, gradients) = valueAndGrad(
          of: { ($0[0].layerNormalized(weight: $0[1], bias: $0[2]) * weights).sum() },
          at: [x, w, b])
        return [value] + gradients
      }
    }
    let one = run(1)
    for threads in [2, 3] {
      for (a, b) in zip(one, run(threads)) { #expect(a.floats == b.floats) }
    }
  }
}
