import Descent
import DescentTestSupport
import Testing

/// `((i·37) mod 101)/50 − 1` for the i-th element: distinct values in [−1, 1) that are easy to
/// recreate in Python. Reference values below come from PyTorch 2.13.0 (CPU, float64) on inputs
/// `pat(*shape)` built with the same formula.
func patternTensor(_ shape: [Int], dtype: DType = .float64) -> Tensor {
  let count = shape.reduce(1, *)
  return Tensor((0..<count).map { Double(($0 * 37) % 101) / 50 - 1 }, shape: shape, dtype: dtype)
}

@Suite struct ConvolutionTests {
  @Test func unfoldMatchesTorch() {
    // F.unfold(pat(1,2,4,5), kernel_size=(2,3), stride=(2,1), padding=(1,0), dilation=(1,2))
    let expected: [Double] = [
      0.0, 0.6799999999999999, 0.0, 0.0, 0.1399999999999999, -0.54, 0.0, -0.4, 0.94, -1.0,
      0.3400000000000001, 0.0, 0.48, -0.19999999999999996, 0.0, -0.06000000000000005, -0.74,
      0.0, 0.0, -0.6799999999999999, 0.6599999999999999, 0.0, 0.8, 0.1200000000000001, 0.0,
      0.26, -0.42000000000000004, -0.33999999999999997, 1.0, 0.0, -0.88, 0.45999999999999996,
      0.0, 0.6000000000000001, -0.07999999999999996, 0.0,
    ]
    let u = patternTensor([1, 2, 4, 5]).unfold(
      kernelSize: [2, 3], stride: [2, 1], padding: [1, 0], dilation: [1, 2])
    #expect(u.shape == [1, 12, 3])
    #expect(
      mismatch(u.doubles, expected, relativeTolerance: 1e-14, absoluteTolerance: 1e-15) == nil)
  }

  @Test func foldMatchesTorch() {
    // F.fold(pat(1,12,12), output_size=(4,5), kernel_size=(3,2), stride=1, padding=(1,0), dilation=(1,2))
    let expected: [Double] = [
      -0.19999999999999996, -0.74, 0.12, 0.8600000000000001, 0.32000000000000006, 0.38,
      0.5799999999999998, 1.5399999999999998, 0.96, -0.8599999999999999, 0.9799999999999999,
      -0.84, -1.3, -0.45999999999999996, -0.2600000000000001, -0.24, -0.7799999999999999,
      0.039999999999999925, 0.8200000000000001, 0.28, -0.7, 0.78, 1.14, 0.3599999999999999,
      -0.18000000000000005, 0.6399999999999999, 0.84, 0.039999999999999925, -0.7999999999999998,
      -0.6000000000000001, -0.7799999999999999, -0.5800000000000001, -0.7799999999999999,
      -0.20000000000000007, 1.1102230246251565e-16, -0.74, 0.74, 1.06, 0.32000000000000006,
      -0.22000000000000008,
    ]
    let f = patternTensor([1, 12, 12]).fold(
      outputSize: [4, 5], kernelSize: [3, 2], stride: 1, padding: [1, 0], dilation: [1, 2])
    #expect(f.shape == [1, 2, 4, 5])
    #expect(
      mismatch(f.doubles, expected, relativeTolerance: 1e-13, absoluteTolerance: 1e-14) == nil)
  }

  @Test func conv2dWithStridePaddingDilationGroupsMatchesTorch() {
    // F.conv2d(pat(2,4,7,6), pat(6,2,3,2)*0.5+0.1, bias, stride=2, padding=1, dilation=2, groups=2)
    let expected: [Double] = [
      0.4905999999999999, 1.1979999999999997, -0.02999999999999997, -0.30800000000000005,
      -0.17239999999999997, 0.2822, 0.05480000000000003, 0.05400000000000002,
      -0.21940000000000004, -0.07880000000000009, 0.22239999999999996, 0.2559999999999999,
      0.44279999999999986, -0.5556000000000001, -0.9356000000000001, 0.09879999999999994,
      -0.6442, 0.06119999999999995, 0.17199999999999993, -0.11479999999999996,
      0.08959999999999993, 0.9431999999999999, 1.3357999999999997, 0.12119999999999989,
      -0.20859999999999998, 0.1645999999999999, 0.35399999999999987, -0.369, -0.9426,
      -0.44620000000000026, -0.13280000000000006, -0.3303999999999999, -0.7837999999999999,
      -0.5117999999999999, -0.7734000000000002, 0.17259999999999995, 0.475, 0.3954,
      0.37579999999999997, -0.033399999999999895, 0.5206000000000001, 0.8486, 0.7638,
      0.1147999999999999, 0.8074, -0.05480000000000007, -0.6503999999999999,
      -1.1860000000000002, -0.9038, -0.6890000000000001, -1.0744, -0.5060000000000001,
      -0.43139999999999984, -0.9415999999999999, 0.04680000000000012, -0.42879999999999985,
      0.46420000000000006, 0.5536, 1.2904, -0.7598, 0.03139999999999993, 0.05579999999999993,
      -0.21759999999999974, -0.2574, -0.24779999999999994, -0.5576000000000001,
      -0.3986000000000001, 0.16759999999999997, 0.939, 0.2194, -0.5362, 0.16919999999999985,
      0.25859999999999994, 0.7534, 0.19019999999999987, 0.25719999999999993, -0.7208,
      0.8319999999999999, 0.8034000000000001, 1.308, -0.5428, -0.4212, 0.4762,
      -0.32020000000000004, -0.34019999999999995, -1.4702000000000002, -0.40859999999999996,
      -0.4668, -0.028800000000000006, -0.5574, 0.5668, 0.00140000000000004, 0.7292000000000001,
      0.9044000000000001, 0.6814000000000001, -0.32380000000000003, -0.15819999999999995,
      0.15760000000000007, 0.6078, -1.1117999999999997, -0.8170000000000001,
      -0.6052000000000002, -0.11360000000000009, -0.3386000000000001, -0.8249999999999995,
      -0.5366, -1.2722, -0.7925999999999999,
    ]
    for dtype in [DType.float64, .float32] {
      let input = patternTensor([2, 4, 7, 6], dtype: dtype)
      let weight = patternTensor([6, 2, 3, 2], dtype: dtype) * 0.5 + 0.1
      let bias = Tensor([0.1, -0.2, 0.3, -0.4, 0.5, -0.6], dtype: dtype)
      let out = conv2d(input, weight, bias: bias, stride: 2, padding: 1, dilation: 2, groups: 2)
      #expect(out.shape == [2, 6, 3, 3])
      #expect(out.dtype == dtype)
      let tolerance = dtype == .float64 ? 1e-13 : 1e-5
      #expect(
        mismatch(out.doubles, expected, relativeTolerance: tolerance, absoluteTolerance: tolerance)
          == nil)
    }
  }

  @Test func poolingMatchesTorch() {
    // F.max_pool2d / F.avg_pool2d(pat(1,2,5,5), kernel_size=3, stride=2, padding=1)
    let maxExpected: [Double] = [
      0.6799999999999999, 0.8799999999999999, 0.8799999999999999, 0.74, 0.8799999999999999,
      0.94, 0.74, 0.74, 0.94, 1.0, 0.8, 0.26, 1.0, 0.8600000000000001, 0.8600000000000001, 0.72,
      0.72, 0.9199999999999999,
    ]
    let averageExpected: [Double] = [
      -0.13111111111111112, -0.01777777777777782, -0.042222222222222244, 0.024444444444444453,
      0.02444444444444443, 0.15777777777777777, 0.08888888888888888, -0.024444444444444467,
      0.17777777777777778, 0.01111111111111112, -0.02888888888888889, -0.12444444444444445,
      0.013333333333333345, -0.10444444444444444, -0.07777777777777778, 0.006666666666666672,
      -0.03555555555555556, 0.09555555555555555,
    ]
    // F.adaptive_avg_pool2d(pat(1,1,5,7), (3,4))
    let adaptiveExpected: [Double] = [
      -0.06000000000000005, 0.03999999999999998, -0.16333333333333333, 0.10500000000000001,
      -0.03333333333333338, 0.06666666666666668, -0.024444444444444418, 0.3,
      -0.17500000000000002, 0.09333333333333334, -0.10999999999999999, -0.009999999999999981,
    ]
    for dtype in [DType.float64, .float32] {
      let tolerance = dtype == .float64 ? 1e-13 : 1e-6
      let x = patternTensor([1, 2, 5, 5], dtype: dtype)
      let maxPooled = x.maxPool2d(kernelSize: 3, stride: 2, padding: 1)
      #expect(maxPooled.shape == [1, 2, 3, 3])
      #expect(mismatch(maxPooled.doubles, maxExpected, relativeTolerance: tolerance) == nil)
      let averaged = x.avgPool2d(kernelSize: 3, stride: 2, padding: 1)
      #expect(
        mismatch(
          averaged.doubles, averageExpected, relativeTolerance: tolerance,
          absoluteTolerance: tolerance) == nil)
      let adaptive = patternTensor([1, 1, 5, 7], dtype: dtype).adaptiveAvgPool2d(outputSize: [3, 4])
      #expect(adaptive.shape == [1, 1, 3, 4])
      #expect(
        mismatch(
          adaptive.doubles, adaptiveExpected, relativeTolerance: tolerance,
          absoluteTolerance: tolerance) == nil)
    }
    let global = patternTensor([2, 3, 4, 5]).globalAvgPool2d()
    #expect(global.shape == [2, 3])
    #expect(
      abs(global[element: 1, 2] - patternTensor([2, 3, 4, 5]).doubles[100..<120].reduce(0, +) / 20)
        < 1e-14)
  }

  @Test func maxPoolGradientGoesToTheMaximum() {
    let x = Tensor([1, 5, 2, 3, 4, 0, 7, 6, 8], shape: [1, 1, 3, 3], dtype: .float64)
    let g = grad(of: { $0.maxPool2d(kernelSize: 2, stride: 1).sum() }, at: x)
    // The four 2×2 windows have maxima 5 (twice, at (0, 1)), 7 at (2, 0) and 8 at (2, 2).
    #expect(g.doubles == [0, 2, 0, 0, 0, 0, 1, 0, 1])
    // Ties go to the first maximum in row-major window order; a NaN wins. (PyTorch 2.13.0 gives
    // the gradient [0, 2, 0, 0, 2, 0, 0, 0, 0] for this input and NaN for the second.)
    let ties = Tensor([1, 2, 2, 0, 2, 1, 2, 0, 2], shape: [1, 1, 3, 3], dtype: .float64)
    let tieGradient = grad(of: { $0.maxPool2d(kernelSize: 2, stride: 1).sum() }, at: ties)
    #expect(tieGradient.doubles == [0, 2, 0, 0, 2, 0, 0, 0, 0])
    let withNaN = Tensor([1, .nan, 3, 0], shape: [1, 1, 2, 2], dtype: .float32)
    #expect(withNaN.maxPool2d(kernelSize: 2).item.isNaN)
  }

  @Test func unfoldAndFoldAreAdjoint() {
    // ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩ for the same geometry.
    let x = testTensor([2, 3, 6, 5], seed: 11)
    let u = x.unfold(kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [2, 1])
    let y = testTensor(u.shape, seed: 12)
    let folded = y.fold(
      outputSize: [6, 5], kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [2, 1])
    #expect(abs((u * y).sum().item - (x * folded).sum().item) < 1e-12)
  }

  @Test func unfoldAndFoldDerivatives() {
    let x = testTensor([2, 2, 5, 4], seed: 1)
    let unfold: ([Tensor]) -> Tensor = {
      let u = $0[0].unfold(
        kernelSize: [2, 3], stride: [2, 1], padding: [1, 1], dilation: [1, 2])
      return u * u
    }
    #expect(gradientCheckFailure([x], unfold) == nil)
    #expect(secondOrderCheckFailure([x], unfold) == nil)
    let c = testTensor([2, 2 * 6, 12], seed: 2)
    let fold: ([Tensor]) -> Tensor = {
      let f = $0[0].fold(
        outputSize: [4, 5], kernelSize: [3, 2], stride: 1, padding: [1, 0], dilation: [1, 2])
      return f * f
    }
    #expect(gradientCheckFailure([c], fold) == nil)
    #expect(secondOrderCheckFailure([c], fold) == nil)
  }

  @Test func conv2dDerivatives() {
    let x = testTensor([2, 4, 5, 5], seed: 3)
    let w = testTensor([6, 2, 3, 2], seed: 4)
    let b = testTensor([6], seed: 5)
    let f: ([Tensor]) -> Tensor = {
      conv2d($0[0], $0[1], bias: $0[2], stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2)
    }
    #expect(gradientCheckFailure([x, w, b], f) == nil)
    #expect(secondOrderCheckFailure([x, w, b]) { f($0).exp() } == nil)
    // Size-1 kernel and no padding; a batch of one.
    let x1 = testTensor([1, 3, 2, 3], seed: 6)
    let w1 = testTensor([2, 3, 1, 1], seed: 7)
    #expect(gradientCheckFailure([x1, w1]) { conv2d($0[0], $0[1]) * conv2d($0[0], $0[1]) } == nil)
  }

  @Test func poolingDerivatives() {
    let x = testTensor([2, 2, 5, 6], seed: 8)
    let maxPool: ([Tensor]) -> Tensor = { $0[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1) }
    #expect(gradientCheckFailure([x], maxPool) == nil)
    #expect(secondOrderCheckFailure([x]) { maxPool($0).exp() } == nil)
    let dilated: ([Tensor]) -> Tensor = {
      $0[0].maxPool2d(kernelSize: [2, 3], stride: 1, dilation: [2, 1])
    }
    #expect(gradientCheckFailure([x], dilated) == nil)
    let average: ([Tensor]) -> Tensor = { $0[0].avgPool2d(kernelSize: [3, 2], padding: 1) }
    #expect(gradientCheckFailure([x], average) == nil)
    #expect(secondOrderCheckFailure([x]) { average($0).exp() } == nil)
    let adaptive: ([Tensor]) -> Tensor = { $0[0].adaptiveAvgPool2d(outputSize: [3, 4]) }
    #expect(gradientCheckFailure([x], adaptive) == nil)
    #expect(secondOrderCheckFailure([x]) { adaptive($0).exp() } == nil)
  }

  @Test func hessianVectorProductOfTinyCNNMatchesFiniteDifferences() {
    // loss(θ) = mean(exp(conv(x ↦ conv(x)², stride 2)) / 4) with θ = (w1, b1, w2).
    let input = testTensor([2, 2, 6, 6], seed: 20)
    let loss: ([Tensor]) -> Tensor = { p in
      let hidden = conv2d(input, p[0], bias: p[1], padding: 1)
      let out = conv2d(hidden * hidden, p[2], stride: 2)
      return (out * 0.25).exp().mean()
    }
    let parameters = [
      testTensor([3, 2, 3, 3], seed: 21), testTensor([3], seed: 22),
      testTensor([2, 3, 2, 2], seed: 23),
    ]
    let direction = [
      testTensor([3, 2, 3, 3], seed: 24), testTensor([3], seed: 25),
      testTensor([2, 3, 2, 2], seed: 26),
    ]
    let hvp = valueGradAndHVP(of: loss, at: parameters, v: direction).hvp
    let h = 1e-5
    let plus = grad(of: loss, at: zip(parameters, direction).map { $0 + h * $1 })
    let minus = grad(of: loss, at: zip(parameters, direction).map { $0 - h * $1 })
    for i in 0..<3 {
      let numeric = (plus[i] - minus[i]) / (2 * h)
      #expect(mismatch(hvp[i], numeric, relativeTolerance: 1e-6, absoluteTolerance: 1e-8) == nil)
    }
  }

  @Test func float32GradientsAgreeWithFloat64() {
    let x = testTensor([2, 4, 6, 5], seed: 30)
    let w = testTensor([4, 2, 3, 3], seed: 31)
    let loss: ([Tensor]) -> Tensor = { p in
      let h = conv2d(p[0], p[1], stride: [1, 2], padding: 1, dilation: [2, 1], groups: 2)
      return (h.maxPool2d(kernelSize: 2, stride: 1) + h.avgPool2d(kernelSize: 2, stride: 1)).exp()
        .sum()
    }
    let exact = grad(of: loss, at: [x, w])
    let single = grad(
      of: loss, at: [Tensor(x.doubles, shape: x.shape), Tensor(w.doubles, shape: w.shape)])
    for i in 0..<2 {
      #expect(single[i].dtype == .float32)
      #expect(
        mismatch(
          single[i].doubles, exact[i].doubles, relativeTolerance: 1e-4,
          absoluteTolerance: 1e-4) == nil)
    }
  }

  @Test func emptyBatch() {
    let x = Tensor.zeros([0, 2, 4, 4], dtype: .float64)
    let w = testTensor([3, 2, 3, 3], seed: 1)
    #expect(conv2d(x, w, padding: 1).shape == [0, 3, 4, 4])
    #expect(x.maxPool2d(kernelSize: 2).shape == [0, 2, 2, 2])
  }
}
