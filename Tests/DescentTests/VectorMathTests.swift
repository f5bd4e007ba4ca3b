import Descent
import DescentTestSupport
import Foundation
import Testing

@Suite struct VectorMathTests {
  /// Distance in units in the last place between a Float and the exact (Double) value.
  func ulpError(_ value: Float, _ exact: Double) -> Double {
    if exact == 0 { return value == 0 ? 0 : .infinity }
    let rounded = Float(exact)
    if rounded.isInfinite { return value == rounded ? 0 : .infinity }
    return abs(Double(value) - exact) / Double(rounded.ulp)
  }

  @Test func float32ExpIsWithinTwoUlpOverTheRange() {
    let values = testRandomValues(count: 200_000, seed: 11, range: -103...88.7)
      + testRandomValues(count: 20_000, seed: 12, range: -1...1)
    let x = Tensor(values, dtype: .float32)
    let y = x.exp().scalars(as: Float.self)
    let inputs = x.scalars(as: Float.self)
    var worst = 0.0
    for (xi, yi) in zip(inputs, y) {
      let exact = Foundation.exp(Double(xi))
      // Subnormal results have an absolute error bound instead.
      let error = exact < Double(Float.leastNormalMagnitude) ? abs(Double(yi) - exact) / Double(Float.leastNonzeroMagnitude) : ulpError(yi, exact)
      worst = max(worst, error)
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
  }

  @Test func float32ExpSpecialValues() {
    let x = Tensor(scalars: [Float.nan, .infinity, -.infinity, 0, 89, -104, 88.72, -87.3], shape: [8])
    let inputs = x.scalars(as: Float.self).map { Double($0) }
    let y = x.exp().scalars(as: Float.self)
    #expect(y[0].isNaN)
    #expect(y[1] == .infinity)
    #expect(y[2] == 0)
    #expect(y[3] == 1)
    #expect(y[4] == .infinity)
    #expect(y[5] == 0)
    #expect(y[6].isFinite && abs(Double(y[6]) - Foundation.exp(inputs[6])) / Foundation.exp(inputs[6]) < 3e-7)
    #expect(abs(Double(y[7]) - Foundation.exp(inputs[7])) / Foundation.exp(inputs[7]) < 3e-7)
  }
}

extension VectorMathTests {
  func worstUlp(_ inputs: [Float], _ outputs: [Float], _ exact: (Double) -> Double) -> Double {
    var worst = 0.0
    for (xi, yi) in zip(inputs, outputs) {
      let e = exact(Double(xi))
      if e.isNaN { if !yi.isNaN { return .infinity } else { continue } }
      let error =
        abs(e) < Double(Float.leastNormalMagnitude)
        ? abs(Double(yi) - e) / Double(Float.leastNonzeroMagnitude) : ulpError(yi, e)
      worst = max(worst, error)
    }
    return worst
  }

  @Test func float32LogIsWithinTwoUlp() {
    let values =
      testRandomValues(count: 100_000, seed: 21, range: -80...88).map { Foundation.exp($0) }
      + testRandomValues(count: 20_000, seed: 22, range: 0.5...2)
    let x = Tensor(values, dtype: .float32)
    let worst = worstUlp(x.scalars(as: Float.self), x.log().scalars(as: Float.self)) { Foundation.log($0) }
    #expect(worst <= 2, "worst error \(worst) ulp")
    let special = Tensor(scalars: [Float(0), -1, .infinity, .nan, Float.leastNonzeroMagnitude, 1], shape: [6]).log()
      .scalars(as: Float.self)
    #expect(special[0] == -.infinity)
    #expect(special[1].isNaN)
    #expect(special[2] == .infinity)
    #expect(special[3].isNaN)
    #expect(abs(Double(special[4]) - Foundation.log(Double(Float.leastNonzeroMagnitude))) < 1e-5)
    #expect(special[5] == 0)
  }
}

extension VectorMathTests {
  /// The float32 sum kernels (32-lane blocks; four-row accumulation over outer axes) agree with a
  /// float64 sum, including sizes that leave tails.
  @Test func float32SumKernelsAgreeWithFloat64() {
    for (rows, columns) in [(37, 129), (4, 7), (9, 1), (1, 100_003), (8193, 3)] {
      let values = testRandomValues(count: rows * columns, seed: UInt64(rows * 7 + columns))
      let x32 = Tensor(values, shape: [rows, columns], dtype: .float32)
      let x64 = x32.cast(to: .float64)
      for axes in [[0], [1], [0, 1]] {
        let got = x32.sum(axes: axes).cast(to: .float64)
        let expected = x64.sum(axes: axes)
        #expect(
          mismatch(got, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-4) == nil,
          "[\(rows), \(columns)] axes \(axes)")
      }
    }
  }
}
