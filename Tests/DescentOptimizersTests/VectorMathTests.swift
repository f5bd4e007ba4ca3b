import DescentOptimizers
import Foundation
import Testing

/// The vectorizable math the fused kernels use instead of libm calls.
@Suite struct VectorMathTests {
  @Test func squareRootIsTheCorrectlyRoundedOne() {
    var rng = SplitMix64(state: 9)
    for _ in 0..<10_000 {
      let x = abs(rng.next()) * Double.pow(10, 20 * rng.next())
      #expect(x.vectorizableSquareRoot == x.squareRoot())
      #expect(Float(x).vectorizableSquareRoot == Float(x).squareRoot())
    }
  }

  /// Within 1 ulp of the correctly rounded eˣ on [−87, 0] (reference: libm's double `exp`
  /// rounded to float); below −87 it stays tiny and positive, so 1/(1 + eˣ) is exactly 1.
  @Test func float32ExpIsWithinOneUlp() {
    var x: Float = 0
    var worst: Float = 0
    while x >= -87 {
      let reference = Float(Foundation.exp(Double(x)))
      let ulps = abs(Float.vectorizableExp(x) - reference) / reference.ulp
      worst = max(worst, ulps)
      x -= 0.000_913
    }
    #expect(worst <= 1)
    #expect(Float.vectorizableExp(0) == 1)
    for x: Float in [-88, -100, -1e30, -.infinity] {
      let e = Float.vectorizableExp(x)
      #expect(e >= 0 && e < 1e-37)
      #expect(1 / (1 + e) == 1)
    }
    #expect(Double.vectorizableExp(-0.7) == Foundation.exp(-0.7))
  }
}
