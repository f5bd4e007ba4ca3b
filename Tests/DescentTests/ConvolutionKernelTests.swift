import Descent
import DescentTestSupport
import Testing

/// The batched im2col + GEMM convolution kernels and the fused batch normalization against the
/// composite formulations they replace (unfold + batched matmul; mean/variance ops), on shapes
/// large enough for several chunks of images and several weight-gradient partial sums, and their
/// independence of the thread count.
@Suite struct ConvolutionKernelTests {
  /// conv2d as `unfold` + one batched matmul, the formulation the kernels replace.
  static func referenceConvolution(
    _ x: Tensor, _ w: Tensor, stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int
  ) -> Tensor {
    let (n, o) = (x.shape[0], w.shape[0])
    let columns = x.unfold(
      kernelSize: Size2D(w.shape[2], w.shape[3]), stride: stride, padding: padding,
      dilation: dilation)
    let window = w.count / o
    let l = columns.shape[2]
    let product = w.reshaped([1, groups, o / groups, window]).matmul(
      columns.reshaped([n, groups, window, l]))
    let outH = (x.shape[2] + 2 * padding.height - dilation.height * (w.shape[2] - 1) - 1)
      / stride.height + 1
    return product.reshaped([n, o, outH, l / outH])
  }

  struct Case {
    var input: [Int]
    var weight: [Int]
    var stride: Size2D
    var padding: Size2D
    var dilation: Size2D
    var groups: Int
  }

  // 1 image per chunk (5 chunks, 4 partial sums); 2 per chunk (3 chunks); many per chunk, strided,
  // dilated and grouped.
  static let cases = [
    Case(input: [5, 8, 32, 32], weight: [4, 8, 5, 5], stride: 1, padding: 2, dilation: 1, groups: 1),
    Case(input: [6, 4, 32, 32], weight: [6, 2, 5, 5], stride: 1, padding: 2, dilation: 1, groups: 2),
    Case(
      input: [7, 6, 9, 11], weight: [4, 3, 3, 2], stride: [2, 1], padding: [1, 0],
      dilation: [1, 2], groups: 2),
  ]

  @Test func matchesUnfoldAndMatmulWithGradients() {
    for (i, c) in Self.cases.enumerated() {
      let x = testTensor(c.input, seed: UInt64(10 + i))
      let w = testTensor(c.weight, seed: UInt64(20 + i))
      let fast = conv2d(
        x, w, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
      let slow = Self.referenceConvolution(
        x, w, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
      #expect(fast.shape == slow.shape)
      #expect(mismatch(fast, slow, relativeTolerance: 1e-12, absoluteTolerance: 1e-12) == nil)
      let r = testTensor(slow.shape, seed: UInt64(30 + i))
      let gFast = grad(
        of: { p in
          (conv2d(
            p[0], p[1], stride: c.stride, padding: c.padding, dilation: c.dilation,
            groups: c.groups) * r).sum()
        }, at: [x, w])
      let gSlow = grad(
        of: { p in
          (Self.referenceConvolution(
            p[0], p[1], stride: c.stride, padding: c.padding, dilation: c.dilation,
            groups: c.groups) * r).sum()
        }, at: [x, w])
      for k in 0..<2 {
        #expect(
          mismatch(gFast[k], gSlow[k], relativeTolerance: 1e-11, absoluteTolerance: 1e-11) == nil)
      }
    }
  }

  @Test func bitIdenticalAcrossThreadCounts() {
    for (i, c) in Self.cases.enumerated() {
      let x = testTensor(c.input, seed: UInt64(40 + i)).cast(to: .float32)
      let w = testTensor(c.weight, seed: UInt64(50 + i)).cast(to: .float32)
      func run() -> [[Float]] {
        let (value, gradient) = valueAndGrad(
          of: { p in
            let y = conv2d(
              p[0], p[1], stride: c.stride, padding: c.padding, dilation: c.dilation,
              groups: c.groups)
            let b = y.batchNormalized(weight: nil, bias: nil, epsilon: 1e-5).output
            return (b * y).sum()
          }, at: [x, w])
        return ([value] + gradient).map { $0.scalars(as: Float.self) }
      }
      let one = withThreads(1, run)
      for t in [2, 3] { #expect(withThreads(t, run) == one) }
    }
  }

  @Test func fusedBatchNormMatchesComposite() {
    let x = testTensor([6, 3, 5, 4], seed: 60)
    let gamma = testTensor([3], seed: 61, range: 0.5...1.5)
    let beta = testTensor([3], seed: 62)
    let r = testTensor([6, 3, 5, 4], seed: 63)
    func composite(_ p: [Tensor]) -> Tensor {
      let mean = p[0].mean(axes: [0, 2, 3], keepDims: true)
      let centered = p[0] - mean
      let variance = (centered * centered).mean(axes: [0, 2, 3], keepDims: true)
      return centered * (variance + 1e-5).rsqrt() * p[1].reshaped([1, 3, 1, 1])
        + p[2].reshaped([1, 3, 1, 1])
    }
    let fused: ([Tensor]) -> Tensor = { p in
      p[0].batchNormalized(weight: p[1], bias: p[2], epsilon: 1e-5).output
    }
    let result = x.batchNormalized(weight: gamma, bias: beta, epsilon: 1e-5)
    #expect(
      mismatch(result.output, composite([x, gamma, beta]), relativeTolerance: 1e-12,
        absoluteTolerance: 1e-12) == nil)
    let centered = x - x.mean(axes: [0, 2, 3], keepDims: true)
    let variance = (centered * centered).mean(axes: [0, 2, 3])
    #expect(mismatch(result.variance, variance, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
    let gFused = grad(of: { (fused($0) * r).sum() }, at: [x, gamma, beta])
    let gComposite = grad(of: { (composite($0) * r).sum() }, at: [x, gamma, beta])
    for k in 0..<3 {
      #expect(
        mismatch(gFused[k], gComposite[k], relativeTolerance: 1e-10, absoluteTolerance: 1e-12)
          == nil)
    }
    #expect(gradientCheckFailure([x, gamma, beta]) { fused($0) * r } == nil)
    #expect(secondOrderCheckFailure([x, gamma, beta]) { (fused($0) * r).exp() } == nil)
    // Without an affine map, and on [N, C].
    let plain: ([Tensor]) -> Tensor = { p in
      p[0].batchNormalized(weight: nil, bias: nil, epsilon: 1e-5).output
    }
    #expect(gradientCheckFailure([testTensor([5, 3], seed: 64)], plain) == nil)
    #expect(secondOrderCheckFailure([testTensor([5, 3], seed: 65)]) { plain($0).exp() } == nil)
  }
}
