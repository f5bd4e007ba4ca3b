import Descent
import DescentTestSupport
import Testing

/// The fused `Tensor.softmaxCrossEntropy` against its composite form, by finite differences
/// (first and second order, float64), and across thread counts (float32, bit for bit).
@Suite struct SoftmaxCrossEntropyTests {
  static let logits = testTensor([2, 3, 5], seed: 61, range: -3...3)
  static let labels = Tensor(indices: [4, 0, 2, 2, 1, 3], shape: [2, 3])

  @Test func matchesTheComposite() {
    let fused = Self.logits.softmaxCrossEntropy(labels: Self.labels)
    let composite = Self.logits.compositeSoftmaxCrossEntropy(labels: Self.labels)
    #expect(fused.shape == [2, 3])
    #expect(isClose(fused, composite, relativeTolerance: 1e-13, absoluteTolerance: 1e-15))
    // Large logits: max-shifted, so no overflow.
    let big = Tensor([[1000, 0, -1000]], dtype: .float32)
    #expect(isClose(big.softmaxCrossEntropy(labels: Tensor(indices: [1], shape: [1])), Tensor([1000])))
  }

  @Test func gradientsOfEveryOrder() {
    let f: ([Tensor]) -> Tensor = { $0[0].softmaxCrossEntropy(labels: Self.labels) }
    #expect(gradientCheckFailure([Self.logits], f) == nil)
    #expect(secondOrderCheckFailure([Self.logits], f) == nil)
  }

  @Test func threadCountDoesNotChangeTheBits() {
    let logits = Tensor.normal([4096, 63], key: RandomKey(seed: 62))
    let labels = Tensor.randint([4096], low: 0, high: 63, key: RandomKey(seed: 63))
    func run(_ threads: Int) -> (Tensor, Tensor) {
      withThreads(threads) {
        valueAndGrad(of: { $0.softmaxCrossEntropy(labels: labels).mean() }, at: logits)
      }
    }
    let (v1, g1) = run(1)
    for threads in [2, 3] {
      let (v, g) = run(threads)
      #expect(v.floats == v1.floats && g.floats == g1.floats)
    }
  }
}
