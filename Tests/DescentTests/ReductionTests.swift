import Descent
import DescentTestSupport
import Foundation
import Testing

/// Reference numbers: PyTorch 2.13.0 (CPU, float64) in /work/venv-ref, on the matrix `sample`:
/// `x.amax(1)`, `x.var(1)`, `torch.logsumexp(x, 1)`, `torch.linalg.vector_norm(x, p, dim)`, … as
/// named in each test.
private let sample = Tensor(
  [[0.5, -1.25, 2.0, 0.75], [3.0, 0.25, -0.5, 3.0], [-2.0, 1.5, 1.5, -0.25]], dtype: .float64)

private func close(_ actual: Tensor, _ expected: [Double], shape: [Int], tolerance: Double = 1e-9)
  -> Bool
{
  if let problem = mismatch(
    actual, Tensor(expected, shape: shape, dtype: .float64), relativeTolerance: tolerance,
    absoluteTolerance: tolerance)
  {
    Issue.record("\(problem)")
    return false
  }
  return true
}

@Suite struct ReductionTests {
  // MARK: max / min / argmax / argmin

  @Test func maxAndMinMatchPyTorch() {
    #expect(close(sample.max(axis: 1), [2.0, 3.0, 1.5], shape: [3]))  // x.amax(1)
    #expect(close(sample.min(axis: -2), [-2.0, -1.25, -0.5, -0.25], shape: [4]))  // x.amin(0)
    #expect(close(sample.max(axis: 1, keepDims: true), [2.0, 3.0, 1.5], shape: [3, 1]))
    #expect(close(sample.max(), [3.0], shape: []))
    #expect(close(sample.min(axes: [0, 1], keepDims: true), [-2.0], shape: [1, 1]))
    #expect(close(Tensor([7], shape: [1, 1], dtype: .float64).max(axis: 0), [7], shape: [1]))
  }

  @Test func maxGradientSplitsTiesEvenly() {
    // torch: x.amax(1).sum().backward() → the two 3.0s and the two 1.5s get 0.5 each.
    let g = grad(of: { $0.max(axis: 1).sum() }, at: sample)
    #expect(
      close(g, [0, 0, 1, 0, 0.5, 0, 0, 0.5, 0, 0.5, 0.5, 0], shape: [3, 4]))
    let gmin = grad(of: { $0.min().sum() }, at: Tensor([1, -2, -2, -2], dtype: .float64))
    #expect(close(gmin, [0, 1.0 / 3, 1.0 / 3, 1.0 / 3], shape: [4], tolerance: 1e-12))
  }

  @Test func maxAndMinGradientsAndSecondOrder() {
    let x = testTensor([3, 4, 2], seed: 11)
    #expect(gradientCheckFailure([x]) { $0[0].max(axes: [0, 2]) } == nil)
    #expect(gradientCheckFailure([x]) { $0[0].min(axis: -1, keepDims: true) } == nil)
    // max is piecewise linear: the second-order check exercises the rule through exp.
    #expect(secondOrderCheckFailure([x]) { $0[0].max(axis: 1).exp() } == nil)
    #expect(secondOrderCheckFailure([x]) { ($0[0] * $0[0]).min(axis: 0) } == nil)
  }

  @Test func emptyAndSizeOneDimensions() {
    let empty = Tensor.zeros([0, 3], dtype: .float64)
    #expect(empty.max(axis: 1).shape == [0])
    #expect(empty.argmin(axis: 1, keepDims: true).shape == [0, 1])
    #expect(empty.variance(axis: 1).shape == [0])
    #expect(empty.norm(axes: [0]).doubles == [0, 0, 0])
    #expect(empty.logSumExp(axis: 1, keepDims: true).shape == [0, 1])
    #expect(gradientCheckFailure([empty]) { $0[0].max(axis: 1) } == nil)
    #expect(gradientCheckFailure([empty]) { $0[0].softmax(axis: 0) } == nil)
    let column = testTensor([3, 1], seed: 10)
    #expect(column.max(axis: 1).doubles == column.doubles)
    #expect(close(column.logSumExp(axis: -1), column.doubles, shape: [3]))
    #expect(gradientCheckFailure([column]) { $0[0].max(axis: 1) } == nil)
    #expect(secondOrderCheckFailure([column]) { $0[0].logSumExp(axis: 0) } == nil)
    #expect(secondOrderCheckFailure([column]) { $0[0].prod(axis: 1).exp() } == nil)
    let scalar = Tensor(2.5, dtype: .float64)
    #expect(scalar.max().item == 2.5)
    #expect(scalar.argmax(axis: 0, keepDims: true).shape == [])
    #expect(scalar.prod().item == 2.5)
  }

  @Test func argmaxAndArgminTakeTheFirstOccurrence() {
    #expect(sample.argmax(axis: 1).ints == [2, 0, 1])  // x.argmax(1); ties 3.0, 3.0 → 0
    #expect(sample.argmax(axis: 1).dtype == .int32)
    #expect(sample.argmin(axis: 0).ints == [2, 0, 1, 2])  // x.argmin(0)
    #expect(sample.argmax().ints == [4])  // x.argmax() over the flattened tensor
    #expect(sample.argmax().shape == [])
    #expect(sample.argmin(axis: -1, keepDims: true).shape == [3, 1])
    #expect(sample.argmax(keepDims: true).shape == [1, 1])
    #expect(Tensor([1, .nan, 5, .nan], dtype: .float64).argmax().ints == [1])  // NaN is largest
    #expect(Tensor([3, 1, 3, 1], dtype: .float32).argmin().ints == [1])
    #expect(Tensor(indices: [4, 9, 9]).argmax().ints == [1])
  }

  // MARK: prod

  @Test func prodMatchesPyTorchAndDifferentiates() {
    #expect(close(sample.prod(axis: 1), [-0.9375, -1.125, 1.125], shape: [3]))  // x.prod(1)
    #expect(close(Tensor.zeros([2, 0], dtype: .float64).prod(axis: 1), [1, 1], shape: [2]))
    let x = testTensor([2, 3, 4], seed: 12, range: 0.5...1.5)
    #expect(gradientCheckFailure([x]) { $0[0].prod(axes: [0, 2]) } == nil)
    #expect(gradientCheckFailure([x]) { $0[0].prod(axis: -1, keepDims: true) } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].prod(axes: [1]) } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].prod() } == nil)
  }

  @Test func prodGradientIsExactWithZeros() {
    // ∂/∂xᵢ ∏x = ∏_{j≠i} xⱼ: with one zero only that element gets a gradient; with two, none.
    let one = grad(of: { $0.prod() }, at: Tensor([2, 0, 3, 0.5], dtype: .float64))
    #expect(close(one, [0, 3, 0, 0], shape: [4]))
    let two = grad(of: { $0.prod() }, at: Tensor([2, 0, 3, 0], dtype: .float64))
    #expect(close(two, [0, 0, 0, 0], shape: [4]))
    let rows = grad(
      of: { $0.prod(axis: 0).sum() }, at: Tensor([[0, 2], [5, 3]], dtype: .float64))
    #expect(close(rows, [5, 3, 0, 2], shape: [2, 2]))
  }

  // MARK: variance / standard deviation

  @Test func varianceAndStandardDeviationMatchPyTorch() {
    // x.var(1), x.var(0, correction=0), x.std(), x.std(1)
    #expect(
      close(
        sample.variance(axis: 1), [1.791666666667, 3.348958333333, 2.807291666667], shape: [3],
        tolerance: 1e-11))
    #expect(
      close(
        sample.variance(axis: 0, correction: 0),
        [4.166666666667, 1.263888888889, 1.166666666667, 1.847222222222], shape: [4],
        tolerance: 1e-11))
    #expect(close(sample.standardDeviation(), [1.57333365434], shape: [], tolerance: 1e-10))
    #expect(
      close(
        sample.standardDeviation(axis: -1, keepDims: true),
        [1.338531533684, 1.830015938, 1.675497438574], shape: [3, 1], tolerance: 1e-10))
    let x = testTensor([3, 5], seed: 13)
    #expect(gradientCheckFailure([x]) { $0[0].variance(axis: 1) } == nil)
    #expect(gradientCheckFailure([x]) { $0[0].standardDeviation(axes: [0], correction: 0) } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].variance() } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].standardDeviation(axis: 0) } == nil)
  }

  // MARK: logSumExp

  @Test func logSumExpMatchesPyTorchAndIsStable() {
    #expect(
      close(
        sample.logSumExp(axis: 1), [2.437228058614, 3.739135921848, 2.29026088162], shape: [3],
        tolerance: 1e-11))
    #expect(
      close(sample.logSumExp(keepDims: true), [4.14915508054], shape: [1, 1], tolerance: 1e-11))
    // float32 near 1000: torch.logsumexp gives 1001.407592773438 (naive exp overflows).
    let big = Tensor([1000, 1001, 999]).logSumExp()
    #expect(abs(big.item - 1001.407592773438) < 1e-3)
    #expect(Tensor([-.infinity, -.infinity]).logSumExp().item == -.infinity)
    #expect(Tensor([.infinity, 1]).logSumExp().item == .infinity)
    #expect(
      Tensor.zeros([2, 0], dtype: .float64).logSumExp(axis: 1).doubles == [-.infinity, -.infinity])
    let x = testTensor([2, 3, 4], seed: 14, range: -3...3)
    #expect(gradientCheckFailure([x]) { $0[0].logSumExp(axes: [0, 2]) } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].logSumExp(axis: -1) } == nil)
  }

  @Test func sumAndLogSumExpAreBitIdenticalAcrossThreadCounts() {
    let n = 1 << 20
    let values = testRandomValues(count: n, seed: 15, range: -4...4).map { Float($0) }
    let x = Tensor(scalars: values, shape: [n])
    let one = withThreads(1) {
      (x.sum().item, x.logSumExp().item, x.reshaped([1024, 1024]).sum(axis: 0).doubles)
    }
    let two = withThreads(2) {
      (x.sum().item, x.logSumExp().item, x.reshaped([1024, 1024]).sum(axis: 0).doubles)
    }
    #expect(one.0.bitPattern == two.0.bitPattern)
    #expect(one.1.bitPattern == two.1.bitPattern)
    #expect(one.2 == two.2)
  }

  // MARK: norms

  @Test func normsMatchPyTorch() {
    // torch.linalg.vector_norm(x, 2, 1), (x, 1, 0), (x, inf, 1)
    #expect(
      close(
        sample.norm(axes: [1]), [2.524876234591, 4.279310692156, 2.92617497768], shape: [3],
        tolerance: 1e-11))
    #expect(close(sample.norm(p: 1, axes: [0]), [5.5, 3.0, 4.0, 4.0], shape: [4]))
    #expect(
      close(sample.norm(p: .infinity, axes: [-1], keepDims: true), [2, 3, 2], shape: [3, 1]))
    #expect(close(Tensor([3, 4], dtype: .float64).norm(), [5], shape: []))
  }

  @Test func normGradients() {
    let x = testTensor([3, 4], seed: 16)
    for p in [1.0, 2, .infinity] {
      #expect(gradientCheckFailure([x]) { $0[0].norm(p: p, axes: [1]) } == nil, "p = \(p)")
      #expect(secondOrderCheckFailure([x]) { $0[0].norm(p: p, axes: [0]).exp() } == nil, "p = \(p)")
    }
    #expect(secondOrderCheckFailure([x]) { $0[0].norm() } == nil)
    // L2 gradient is x/‖x‖, and 0 (not NaN) where the norm is 0, as in PyTorch.
    let g = grad(of: { $0.norm(axes: [1]).sum() }, at: Tensor([[3, 4], [0, 0]], dtype: .float64))
    #expect(close(g, [0.6, 0.8, 0, 0], shape: [2, 2], tolerance: 1e-12))
  }

  // MARK: softmax / logSoftmax

  @Test func softmaxAndLogSoftmaxMatchPyTorch() {
    // torch.softmax(x, 1), torch.log_softmax(x, 0)
    #expect(
      close(
        sample.softmax(axis: 1),
        [
          0.1441028413, 0.025041318995, 0.645824128859, 0.185031710846, 0.477526357397,
          0.030527238698, 0.014420046509, 0.477526357397, 0.013701350401, 0.45372641096,
          0.45372641096, 0.07884582768,
        ], shape: [3, 4], tolerance: 1e-10))
    #expect(
      close(
        sample.logSoftmax(axis: 0),
        [
          -2.585097246364, -3.050425028562, -0.52390905618, -2.38468248321, -0.085097246364,
          -1.550425028562, -3.02390905618, -0.13468248321, -5.085097246364, -0.300425028562,
          -1.02390905618, -3.38468248321,
        ], shape: [3, 4], tolerance: 1e-11))
    // Large float32 logits: torch gives these without overflow.
    let big = Tensor([1000, 1001, 999])
    #expect(
      close(
        big.softmax(), [0.244728475809, 0.665240943432, 0.090030573308], shape: [3], tolerance: 1e-6
      ))
    #expect(
      close(
        big.logSoftmax(), [-1.407605886459, -0.407605946064, -2.407605886459], shape: [3],
        tolerance: 1e-6))
    #expect(Tensor.zeros([0, 3]).softmax().shape == [0, 3])
    #expect(
      close(Tensor([2], shape: [1, 1], dtype: .float64).logSoftmax(axis: 0), [0], shape: [1, 1]))
  }

  @Test func float32SoftmaxAgreesWithFloat64() {
    // The float32 kernel uses its own vectorized exp; float64 uses libm. Rows of 1000 logits
    // spread over [-40, 40] (most probabilities tiny), along the last axis and along axis 0.
    let values = testRandomValues(count: 4000, seed: 9, range: -40...40)
    for axis in [1, 0] {
      let wide = Tensor(values, shape: [4, 1000], dtype: .float64)
      let reference = wide.softmax(axis: axis).doubles
      let single = Tensor(values, shape: [4, 1000], dtype: .float32).softmax(axis: axis).doubles
      let logReference = wide.logSoftmax(axis: axis).doubles
      let logSingle = Tensor(values, shape: [4, 1000], dtype: .float32).logSoftmax(axis: axis)
        .doubles
      for i in reference.indices where reference[i] > 1e-35 {
        #expect(abs(single[i] - reference[i]) <= 2e-5 * reference[i], "axis \(axis), element \(i)")
        #expect(abs(logSingle[i] - logReference[i]) <= 1e-5 * Swift.max(1, abs(logReference[i])))
      }
    }
    #expect(Tensor([-.infinity, 0]).softmax().doubles == [0, 1])
    #expect(Tensor([-.infinity, 0]).logSoftmax().doubles == [-.infinity, 0])
    #expect(Tensor([.nan, 0]).softmax().doubles.allSatisfy { $0.isNaN })
  }

  @Test func softmaxGradientsToSecondOrder() {
    let x = testTensor([2, 3, 4], seed: 17, range: -2...2)
    for axis in [0, 1, -1] {
      #expect(gradientCheckFailure([x]) { $0[0].softmax(axis: axis) } == nil, "axis \(axis)")
      #expect(gradientCheckFailure([x]) { $0[0].logSoftmax(axis: axis) } == nil, "axis \(axis)")
      #expect(secondOrderCheckFailure([x]) { $0[0].softmax(axis: axis) } == nil, "axis \(axis)")
      #expect(secondOrderCheckFailure([x]) { $0[0].logSoftmax(axis: axis) } == nil, "axis \(axis)")
    }
    // Third order through hvp of a gradient-of-softmax expression stays consistent with logSumExp.
    let v = testTensor([2, 3, 4], seed: 18)
    let viaSoftmax = hvp(of: { ($0.softmax(axis: 1) * v).sum() }, at: x, v: v)
    let viaLogSumExp = hvp(
      of: { x in grad(of: { $0.logSumExp(axis: 1).sum() }, at: x).multiplied(by: v) }, at: x, v: v)
    #expect(isClose(viaSoftmax, viaLogSumExp, relativeTolerance: 1e-9, absoluteTolerance: 1e-12))
  }

  // MARK: cumsum

  @Test func cumsumMatchesPyTorchAndDifferentiates() {
    #expect(
      close(
        sample.cumsum(axis: 1),
        [0.5, -0.75, 1.25, 2.0, 3.0, 3.25, 2.75, 5.75, -2.0, -0.5, 1.0, 0.75], shape: [3, 4]))
    #expect(
      close(
        sample.cumsum(axis: -2), [0.5, -1.25, 2.0, 0.75, 3.5, -1.0, 1.5, 3.75, 1.5, 0.5, 3.0, 3.5],
        shape: [3, 4]))
    #expect(Tensor.zeros([0, 2]).cumsum(axis: 0).shape == [0, 2])
    let x = testTensor([3, 4, 2], seed: 19)
    #expect(gradientCheckFailure([x]) { $0[0].cumsum(axis: 1) } == nil)
    #expect(gradientCheckFailure([x]) { $0[0].cumsum(axis: -1) } == nil)
    // d/dx Σ cumsum(x) = [n, n-1, …, 1]: the reverse running sum of ones.
    #expect(
      grad(of: { $0.cumsum(axis: 0).sum() }, at: testTensor([4], seed: 20)).doubles == [4, 3, 2, 1])
    #expect(secondOrderCheckFailure([x]) { ($0[0] * $0[0]).cumsum(axis: 0) } == nil)
  }
}

extension Tensor {
  fileprivate func multiplied(by other: Tensor) -> Tensor { (self * other).sum() }
}
