import Descent
import DescentTestSupport
import Testing

/// The fused `Tensor.attention` against its composite form, by finite differences (first and
/// second order, float64), and across thread counts (float32, bit for bit).
@Suite struct AttentionTests {
  static let packed = testTensor([2, 5, 12], seed: 41)  // B 2, T 5, E 4 (2 heads of 2)

  @Test(arguments: [true, false]) func matchesTheComposite(causal: Bool) {
    let x = Self.packed
    let fused = x.attention(heads: 2, causal: causal)
    let composite = x.compositeAttention(heads: 2, causal: causal)
    #expect(fused.shape == [2, 5, 4])
    #expect(isClose(fused, composite, relativeTolerance: 1e-12, absoluteTolerance: 1e-14))
    let weights = testTensor([2, 5, 4], seed: 42)
    let g = grad(of: { ($0.attention(heads: 2, causal: causal) * weights).sum() }, at: x)
    let h = grad(of: { ($0.compositeAttention(heads: 2, causal: causal) * weights).sum() }, at: x)
    #expect(isClose(g, h, relativeTolerance: 1e-11, absoluteTolerance: 1e-13))
    // A custom scale, and one head.
    #expect(
      isClose(
        x.attention(heads: 1, causal: causal, scale: 0.3),
        x.compositeAttention(heads: 1, causal: causal, scale: 0.3), relativeTolerance: 1e-12,
        absoluteTolerance: 1e-14))
  }

  @Test(arguments: [true, false]) func gradientsOfEveryOrder(causal: Bool) {
    let f: ([Tensor]) -> Tensor = { $0[0].attention(heads: 2, causal: causal) }
    #expect(gradientCheckFailure([Self.packed], f) == nil)
    #expect(secondOrderCheckFailure([Self.packed], f) == nil)
  }

  @Test func threadCountDoesNotChangeTheBits() {
    let x = Tensor.normal([4, 64, 192], key: RandomKey(seed: 43))
    let weights = Tensor.normal([4, 64, 64], key: RandomKey(seed: 44))
    func run(_ threads: Int) -> (Tensor, Tensor) {
      withThreads(threads) {
        let y = x.attention(heads: 4, causal: true)
        let g = grad(of: { ($0.attention(heads: 4, causal: true) * weights).sum() }, at: x)
        return (y, g)
      }
    }
    let (y1, g1) = run(1)
    let (y2, g2) = run(2)
    let (y3, g3) = run(3)
    #expect(y1.floats == y2.floats && y1.floats == y3.floats)
    #expect(g1.floats == g2.floats && g1.floats == g3.floats)
    // Masked probabilities are exactly 0: the first position attends to itself only.
    #expect(isClose(y1.slice(axis: 1, end: 1), x.slice(axis: 1, end: 1).slice(axis: 2, start: 128)))
  }
}
