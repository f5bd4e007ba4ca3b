import Descent
import DescentTestSupport
import Testing

// `where`, `clamp`, `maximum`, `minimum`, comparisons, `isNaN`/`isFinite` and casts. Gradient
// conventions at ties and bounds come from scripts/reference/elementwise.py (PyTorch 2.13.0).

extension ElementwiseTests {
  @Suite struct Selection {
    @Test func whereSelectsAndBroadcastsAllThree() {
      let condition = Tensor([1, 0, 1, 0, 0, 1], shape: [2, 1, 3], dtype: .uint8)
      let a = Tensor([10, 20, 30, 40], shape: [4, 1], dtype: .float64)
      let b = Tensor(-1, dtype: .float64)
      let out = `where`(condition, a, b)
      #expect(out.shape == [2, 4, 3])
      #expect(
        out[element: 0, 2, 0] == 30 && out[element: 0, 2, 1] == -1 && out[element: 1, 3, 2] == 40)
      #expect(out[element: 1, 0, 0] == -1 && out[element: 1, 0, 2] == 10)
      // Any dtype is a condition: nonzero (and NaN) is true.
      let floatCondition = Tensor([0, -0.5, .nan, 0], dtype: .float32)
      let picked = `where`(floatCondition, Tensor.ones([4]), Tensor.zeros([4]))
      #expect(picked.doubles == [0, 1, 1, 0])
      #expect(
        `where`(Tensor(indices: [3, 0]), Tensor(indices: [1, 2]), Tensor(indices: [7, 8])).ints == [
          1, 8,
        ])
      #expect(
        `where`(Tensor([1, 0], dtype: .uint8), Tensor([5, 6], dtype: .float64), 0).doubles == [
          5, 0,
        ])
      #expect(
        `where`(Tensor([1, 0], dtype: .uint8), 0, Tensor([5, 6], dtype: .float64)).doubles == [
          0, 6,
        ])
      // PyTorch's method form, which needs no backticks.
      let mask = Tensor([1, 0], dtype: .uint8)
      #expect(Tensor([1, 2]).where(mask, Tensor([3, 4])).doubles == [1, 4])
      #expect(Tensor([1, 2]).where(mask, -1).doubles == [1, -1])
    }

    @Test func whereGradientsGoToTheChosenOperand() {
      let condition = Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3], dtype: .uint8)
      let a = testTensor([2, 3], seed: 41)
      let b = testTensor([1, 3], seed: 42)
      let g = grad(of: { `where`(condition, $0[0], $0[1]).sum() }, at: [a, b])
      #expect(g[0].doubles == [1, 0, 0, 1, 1, 0])
      #expect(g[1].doubles == [0, 1, 2])
      #expect(
        gradientCheckFailure([a, b]) { `where`(condition, $0[0] * $0[1], $0[1].exp()) } == nil)
      #expect(
        secondOrderCheckFailure([a, b]) { `where`(condition, $0[0] * $0[1], $0[1].exp()) } == nil)
      let empty = Tensor.zeros([0, 3], dtype: .float64)
      #expect(`where`(Tensor.zeros([0, 1], dtype: .uint8), empty, b).shape == [0, 3])
    }

    @Test func clampValuesAndPyTorchGradientAtTheBounds() {
      let x = Tensor([-1, 0, 0.5, 1, 2, .nan], dtype: .float64)
      let y = x.clamp(min: 0, max: 1).doubles
      #expect(Array(y.prefix(5)) == [0, 0, 0.5, 1, 1] && y[5].isNaN)
      #expect(x.clamp(min: 0.25).doubles.prefix(5) == [0.25, 0.25, 0.5, 1, 2])
      #expect(x.clamp(max: 0.25).doubles.prefix(5) == [-1, 0, 0.25, 0.25, 0.25])
      #expect(x.clamp(min: 2, max: 1).doubles.prefix(5) == [1, 1, 1, 1, 1])  // min > max: all max
      // torch.clamp(c, 0, 1) gradient at [-1, 0, 0.5, 1, 2]: [0, 1, 1, 1, 0].
      let c = Tensor([-1, 0, 0.5, 1, 2], dtype: .float32)
      #expect(grad(of: { $0.clamp(min: 0, max: 1).sum() }, at: c).doubles == [0, 1, 1, 1, 0])
      let t = testTensor([3, 4], seed: 43, range: -2...2)
      #expect(unaryCheckFailure(t) { $0.clamp(min: -0.5, max: 0.7) * $0 } == nil)
      #expect(unaryCheckFailure(t) { $0.clamp(max: 0.3).exp() } == nil)
      #expect(Tensor(indices: [-5, 3, 9]).clamp(min: 0, max: 4).ints == [0, 3, 4])
      #expect(
        Tensor([0, 100, 250], dtype: .uint8).clamp(min: 50, max: 200).ints == [50, 100, 200])
    }

    @Test func maximumAndMinimumSplitTiesLikePyTorch() {
      for dtype in [DType.float64, .float32] {
        let a = Tensor([1, 2, 3, -1], dtype: dtype)
        let b = Tensor([1, 1, 4, -1], dtype: dtype)
        #expect(maximum(a, b).doubles == [1, 2, 4, -1])
        #expect(minimum(a, b).doubles == [1, 1, 3, -1])
        // torch.maximum / torch.minimum gradients of the sum.
        let gMax = grad(of: { maximum($0[0], $0[1]).sum() }, at: [a, b])
        #expect(gMax[0].doubles == [0.5, 1, 0, 0.5] && gMax[1].doubles == [0.5, 0, 1, 0.5])
        let gMin = grad(of: { minimum($0[0], $0[1]).sum() }, at: [a, b])
        #expect(gMin[0].doubles == [0.5, 0, 1, 0.5] && gMin[1].doubles == [0.5, 1, 0, 0.5])
      }
      // NaN propagates from either side.
      let withNaN = Tensor([.nan, 1], dtype: .float32)
      let other = Tensor([0, .nan], dtype: .float32)
      #expect(maximum(withNaN, other).doubles.allSatisfy { $0.isNaN })
      #expect(minimum(withNaN, other).doubles.allSatisfy { $0.isNaN })
      #expect(maximum(Tensor(indices: [-3, 5]), Tensor(indices: [2, 2])).ints == [2, 5])
      #expect(minimum(Tensor(indices: [-3, 5]), 0).ints == [-3, 0])
    }

    @Test func maximumAndMinimumBroadcastWithGradients() {
      let a = testTensor([2, 1, 3], seed: 44)
      let b = testTensor([4, 1], seed: 45)
      #expect(maximum(a, b).shape == [2, 4, 3])
      for op in [{ (x: Tensor, y: Tensor) in maximum(x, y) }, { minimum($0, $1) }] {
        #expect(gradientCheckFailure([a, b]) { op($0[0], $0[1]) } == nil)
        #expect(secondOrderCheckFailure([a, b]) { op($0[0], $0[1]) * $0[0] * $0[1] } == nil)
      }
      #expect(gradientCheckFailure([a]) { maximum($0[0], 0.1) * $0[0] } == nil)
      #expect(
        maximum(Tensor.zeros([0, 3], dtype: .float64), b.reshaped([4, 1, 1])).shape == [4, 0, 3])
    }

    @Test func comparisonsGiveUInt8MasksWithBroadcasting() {
      let a = Tensor([1, 2, 3], dtype: .float64)
      let b = Tensor([[2], [3]], dtype: .float64)
      #expect((a .< b).dtype == .uint8 && (a .< b).shape == [2, 3])
      #expect((a .< b).ints == [1, 0, 0, 1, 1, 0])
      #expect((a .<= b).ints == [1, 1, 0, 1, 1, 1])
      #expect((a .> b).ints == [0, 0, 1, 0, 0, 0])
      #expect((a .>= b).ints == [0, 1, 1, 0, 0, 1])
      #expect((a .== b).ints == [0, 1, 0, 0, 0, 1])
      #expect((a .!= b).ints == [1, 0, 1, 1, 1, 0])
      #expect((a .> 1.5).ints == [0, 1, 1] && (1.5 .> a).ints == [1, 0, 0])
      #expect((a .== 2).ints == [0, 1, 0] && (2 .!= a).ints == [1, 0, 1])
      #expect((a .<= 2).ints == [1, 1, 0] && (2 .<= a).ints == [0, 1, 1])
      #expect((a .>= 3).ints == [0, 0, 1] && (3 .< a).ints == [0, 0, 0])
      let nan = Tensor([.nan], dtype: .float32)
      #expect((nan .== nan).ints == [0] && (nan .!= nan).ints == [1] && (nan .< 1).ints == [0])
      // Integers compare exactly with a fractional scalar.
      let i = Tensor(indices: [-1, 0, 1])
      #expect((i .< 0.5).ints == [1, 1, 0] && (i .> -0.5).ints == [0, 1, 1])
      #expect((i .== Tensor(indices: [-1, 5, 1])).ints == [1, 0, 1])
      #expect(
        (Tensor([3, 200], dtype: .uint8) .> Tensor([100, 100], dtype: .uint8)).ints == [0, 1])
      #expect((Tensor.zeros([0, 2]) .< Tensor.zeros([1, 2])).shape == [0, 2])
    }

    @Test func isNaNAndIsFinite() {
      let x = Tensor([1, .nan, .infinity, -.infinity, 0], dtype: .float32)
      #expect(x.isNaN().ints == [0, 1, 0, 0, 0] && x.isNaN().dtype == .uint8)
      #expect(x.isFinite().ints == [1, 0, 0, 0, 1])
      #expect(x.cast(to: .float64).isFinite().ints == [1, 0, 0, 0, 1])
      #expect(Tensor(indices: [1, 2]).isNaN().ints == [0, 0])
      #expect(Tensor(indices: [1, 2]).isFinite().ints == [1, 1])
    }

    @Test func castBetweenAllDTypes() {
      // torch .to(): float → int32 truncates; float → uint8 and int32 → uint8 wrap.
      #expect(
        Tensor([-1.7, -0.5, 0.5, 2.9], dtype: .float64).cast(to: .int32).ints == [-1, 0, 0, 2])
      #expect(Tensor([-1.5, 2.7, 300], dtype: .float32).cast(to: .uint8).ints == [255, 2, 44])
      #expect(Tensor(indices: [300, -1, 7]).cast(to: .uint8).ints == [44, 255, 7])
      #expect(Tensor([200, 7], dtype: .uint8).cast(to: .int32).ints == [200, 7])
      #expect(
        Tensor([.nan, 1e12, -1e12], dtype: .float64).cast(to: .int32).ints == [
          0, 2_147_483_647, -2_147_483_648,
        ])
      let values: [Double] = [0, 1, 7, 100]
      for source in DType.allCases {
        for target in DType.allCases {
          let cast = Tensor(values, shape: [2, 2], dtype: source).cast(to: target)
          #expect(
            cast.dtype == target && cast.shape == [2, 2] && cast.doubles == values,
            "\(source) → \(target)")
          #expect(Tensor.zeros([0, 2], dtype: source).cast(to: target).shape == [0, 2])
        }
      }
      #expect(Tensor([0.1], dtype: .float64).cast(to: .float32).doubles == [Double(Float(0.1))])
      let x = Tensor([0.5, 2], dtype: .float64)
      #expect(x.cast(to: .float64).sharesStorage(with: x))
    }

    @Test func castIsDifferentiableBetweenFloatDTypes() {
      let x = testTensor([2, 3], seed: 46)
      let g = grad(of: { $0.cast(to: .float32).square().cast(to: .float64).sum() }, at: x)
      #expect(g.dtype == .float64)
      #expect(mismatch(g, x * 2, relativeTolerance: 1e-6) == nil)
      let (value, gradient) = valueAndGrad(
        of: { ($0.cast(to: .float64) * 3).sum() }, at: Tensor([1, 2], dtype: .float32))
      #expect(value.dtype == .float64 && value.item == 9)
      #expect(gradient.dtype == .float32 && gradient.doubles == [3, 3])
      // Round trips through float64 are exact, so the float64 checks apply.
      #expect(unaryCheckFailure(x) { $0.cast(to: .float64).sin() } == nil)
    }
  }
}
