import Descent
import DescentTestSupport
import Testing

// Elementwise ops: unary math here; activations, selection, comparisons and casts in the
// `ElementwiseTests` extensions of the other Elementwise*Tests files. Reference values come from
// scripts/reference/elementwise.py (PyTorch 2.13.0, CPU, float64).

/// The inputs of scripts/reference/elementwise.py.
let referenceX: [Double] = [-3, -1.5, -0.5, -0.1, 0.2, 0.7, 1.3, 2.5]
let referencePositive: [Double] = [0.05, 0.3, 1, 2.5, 7]
let referenceSmall: [Double] = [-0.9, -0.3, 1e-8, 0.5, 3]

/// Applies `op` to `input` in float64 and float32 and compares with `expected` (float64 within
/// `1e-12` relative, float32 within `2e-6` relative: a few ulps of single precision).
func forwardMismatch(
  _ input: [Double], _ expected: [Double], absoluteTolerance: Double = 1e-300,
  _ op: (Tensor) -> Tensor
) -> String? {
  let double = op(Tensor(input, dtype: .float64))
  if double.dtype != .float64 { return "float64 input gave \(double.dtype)" }
  if let problem = mismatch(
    double, Tensor(expected, dtype: .float64), relativeTolerance: 1e-12,
    absoluteTolerance: absoluteTolerance)
  {
    return "float64: \(problem)"
  }
  let single = op(Tensor(input, dtype: .float32))
  if single.dtype != .float32 { return "float32 input gave \(single.dtype)" }
  if let problem = mismatch(
    single, Tensor(expected, dtype: .float64), relativeTolerance: 2e-6,
    absoluteTolerance: max(absoluteTolerance, 1e-7))
  {
    return "float32: \(problem)"
  }
  return nil
}

/// First- and second-order checks of a unary op on `x`, plus its composition with a broadcast
/// product (so the rule is exercised with a non-trivial incoming gradient).
func unaryCheckFailure(_ x: Tensor, _ op: @escaping (Tensor) -> Tensor) -> String? {
  if let problem = gradientCheckFailure([x], { op($0[0]) }) { return "first order: \(problem)" }
  if let problem = secondOrderCheckFailure([x], { op($0[0]) }) { return "second order: \(problem)" }
  let w = testTensor([x.shape.last ?? 1], seed: 77, range: 0.5...1.5)
  if let problem = secondOrderCheckFailure([x, w], { op($0[0]) * $0[1] * $0[1] }) {
    return "second order with weights: \(problem)"
  }
  return nil
}

@Suite struct ElementwiseTests {
  @Test func log1pAndExpm1() {
    // scripts/reference/elementwise.py: torch.log1p, torch.expm1 of `small`.
    #expect(
      forwardMismatch(
        referenceSmall,
        [
          -2.3025850929940459, -0.35667494393873234, 9.999999950000001e-09, 0.40546510810816438,
          1.3862943611198906,
        ]
      ) { $0.log1p() } == nil)
    #expect(
      forwardMismatch(
        referenceSmall,
        [
          -0.59343034025940089, -0.25918177931828212, 1.0000000050000001e-08, 0.64872127070012819,
          19.085536923187668,
        ]
      ) { $0.expm1() } == nil)
    #expect(unaryCheckFailure(testTensor([2, 3], seed: 1, range: -0.5...2)) { $0.log1p() } == nil)
    #expect(unaryCheckFailure(testTensor([2, 3], seed: 2, range: -2...2)) { $0.expm1() } == nil)
  }

  @Test func sqrtAndRsqrt() {
    // torch.sqrt, torch.rsqrt of `positive`.
    #expect(
      forwardMismatch(
        referencePositive,
        [0.22360679774997896, 0.54772255750516607, 1, 1.5811388300841898, 2.6457513110645907]
      ) { $0.sqrt() } == nil)
    #expect(
      forwardMismatch(
        referencePositive,
        [4.4721359549995796, 1.8257418583505538, 1, 0.63245553203367588, 0.3779644730092272]
      ) { $0.rsqrt() } == nil)
    #expect(unaryCheckFailure(testTensor([3, 2], seed: 3, range: 0.5...2)) { $0.sqrt() } == nil)
    #expect(unaryCheckFailure(testTensor([3, 2], seed: 4, range: 0.5...2)) { $0.rsqrt() } == nil)
    #expect(Tensor([-1], dtype: .float64).sqrt().item.isNaN)
  }

  @Test func absAndSign() {
    // torch.abs, torch.sign of x.
    #expect(
      forwardMismatch(referenceX, [3, 1.5, 0.5, 0.1, 0.2, 0.7, 1.3, 2.5]) { $0.abs() } == nil)
    #expect(forwardMismatch(referenceX, [-1, -1, -1, -1, 1, 1, 1, 1]) { $0.sign() } == nil)
    // PyTorch: sign(0) = 0 and sign(NaN) = 0; the derivative of abs at 0 is 0.
    #expect(Tensor([0, .nan, -0.0], dtype: .float64).sign().doubles == [0, 0, 0])
    #expect(
      grad(of: { $0.abs().sum() }, at: Tensor([-2, 0, 3], dtype: .float64)).doubles == [-1, 0, 1])
    #expect(unaryCheckFailure(testTensor([2, 4], seed: 5)) { $0.abs() } == nil)
    #expect(unaryCheckFailure(testTensor([2, 4], seed: 6)) { $0.sign() * $0 } == nil)
    #expect(grad(of: { $0.sign().sum() }, at: Tensor([-2, 3], dtype: .float64)).doubles == [0, 0])
  }

  @Test func absSignSquareOnIntegers() {
    let x = Tensor(indices: [-5, 0, 7, -2_147_483_648])
    #expect(x.abs().dtype == .int32)
    #expect(x.abs().ints == [5, 0, 7, -2_147_483_648])  // int32.min wraps, as in PyTorch
    #expect(x.sign().ints == [-1, 0, 1, -1])
    #expect(Tensor(indices: [-3, 4]).square().ints == [9, 16])
    // Wraps like PyTorch's int32 (65536² = 2³² ≡ 0, 46341² = 2147488281 ≡ −2147479015).
    #expect(Tensor(indices: [65536, 46341]).square().ints == [0, -2_147_479_015])
    #expect(Tensor([16, 3], dtype: .uint8).square().ints == [0, 9])
    let bytes = Tensor([0, 3, 255], dtype: .uint8)
    #expect(bytes.abs().ints == [0, 3, 255])
    #expect(bytes.sign().ints == [0, 1, 1])
  }

  @Test func trigonometricAndHyperbolic() {
    // torch.sin, torch.cos, torch.tanh, torch.sigmoid of x.
    #expect(
      forwardMismatch(
        referenceX,
        [
          -0.14112000805986721, -0.99749498660405445, -0.47942553860420301, -0.099833416646828155,
          0.19866933079506122, 0.64421768723769102, 0.96355818541719296, 0.59847214410395655,
        ]
      ) { $0.sin() } == nil)
    #expect(
      forwardMismatch(
        referenceX,
        [
          -0.98999249660044542, 0.070737201667702906, 0.87758256189037276, 0.99500416527802582,
          0.98006657784124163, 0.7648421872844885, 0.26749882862458735, -0.8011436155469337,
        ]
      ) { $0.cos() } == nil)
    #expect(
      forwardMismatch(
        referenceX,
        [
          -0.99505475368673046, -0.9051482536448664, -0.46211715726000974, -0.099667994624955819,
          0.19737532022490401, 0.6043677771171635, 0.86172315931330634, 0.98661429815143031,
        ]
      ) { $0.tanh() } == nil)
    #expect(
      forwardMismatch(
        referenceX,
        [
          0.047425873177566781, 0.18242552380635635, 0.37754066879814541, 0.47502081252105999,
          0.54983399731247795, 0.66818777216816616, 0.78583498304255861, 0.92414181997875655,
        ]
      ) { $0.sigmoid() } == nil)
    for (seed, op) in [
      (7, { (x: Tensor) in x.sin() }), (8, { $0.cos() }), (9, { $0.tanh() }),
      (10, { $0.sigmoid() }),
    ] {
      #expect(unaryCheckFailure(testTensor([2, 3], seed: UInt64(seed), range: -2...2), op) == nil)
    }
  }

  @Test func sigmoidSaturatesWithoutOverflow() {
    let y = Tensor([-1000, -40, 40, 1000], dtype: .float32).sigmoid().doubles
    #expect(y[0] == 0 && y[3] == 1)
    #expect(y.allSatisfy { $0.isFinite })
    #expect(Swift.abs(y[1] - 4.248354255291589e-18) < 1e-22)
  }

  @Test func squareAndReciprocal() {
    // torch.square, torch.reciprocal of x.
    #expect(
      forwardMismatch(
        referenceX,
        [
          9, 2.25, 0.25, 0.010000000000000002, 0.040000000000000008, 0.48999999999999994,
          1.6900000000000002, 6.25,
        ]
      ) { $0.square() } == nil)
    #expect(
      forwardMismatch(
        referenceX,
        [
          -0.33333333333333331, -0.66666666666666663, -2, -10, 5, 1.4285714285714286,
          0.76923076923076916, 0.40000000000000002,
        ]
      ) { $0.reciprocal() } == nil)
    #expect(unaryCheckFailure(testTensor([2, 3], seed: 11)) { $0.square() } == nil)
    #expect(
      unaryCheckFailure(testTensor([2, 3], seed: 12, range: 0.5...2)) { $0.reciprocal() } == nil)
  }

  @Test func powWithScalarExponent() {
    // torch.pow(positive, 2.5), torch.pow(x, 3.0), torch.pow(x, -2.0).
    #expect(
      forwardMismatch(
        referencePositive,
        [0.00055901699437494747, 0.049295030175464945, 1, 9.8821176880261863, 129.64181424216494]
      ) { $0.pow(2.5) } == nil)
    #expect(
      forwardMismatch(
        referenceX,
        [
          -27, -3.375, -0.125, -0.0010000000000000002, 0.0080000000000000019, 0.34299999999999992,
          2.1970000000000005, 15.625,
        ]
      ) { $0.pow(3) } == nil)
    #expect(
      forwardMismatch(
        referenceX,
        [
          0.1111111111111111, 0.44444444444444442, 4, 99.999999999999986, 24.999999999999996,
          2.0408163265306127, 0.59171597633136086, 0.16,
        ]
      ) { $0.pow(-2) } == nil)
    #expect(Tensor([-2, 0], dtype: .float64).pow(0.5).doubles[0].isNaN)
    #expect(Tensor([-2, 0], dtype: .float64).pow(0).doubles == [1, 1])
    // PyTorch: the derivative of x⁰ is 0, even at x = 0.
    #expect(grad(of: { $0.pow(0).sum() }, at: Tensor([0, 2], dtype: .float64)).doubles == [0, 0])
    for exponent in [3.0, 2, 1, 0.5, -1, -1.5, 2.5] {
      let x = testTensor([2, 3], seed: 13, range: 0.5...2)
      #expect(unaryCheckFailure(x) { $0.pow(exponent) } == nil, "exponent \(exponent)")
    }
    #expect(unaryCheckFailure(testTensor([4], seed: 14)) { $0.pow(3) } == nil)
  }

  @Test func powWithTensorExponentBroadcasts() {
    // torch.pow(a, b) with a [2, 3] and b [3].
    let a = Tensor([[0.5, 1.5, 2], [3, 0.2, 1.1]], dtype: .float64)
    let b = Tensor([1.3, -0.7, 2], dtype: .float64)
    let expected = Tensor(
      [
        0.40612619817811774, 0.75289795697123696, 4, 4.1711675109477282, 3.0851693136000478,
        1.2100000000000002,
      ], shape: [2, 3], dtype: .float64)
    #expect(mismatch(a.pow(b), expected, relativeTolerance: 1e-12) == nil)
    #expect(
      mismatch(a.cast(to: .float32).pow(b.cast(to: .float32)), expected, relativeTolerance: 2e-6)
        == nil)
    let base = testTensor([2, 1, 3], seed: 15, range: 0.5...2)
    let exponent = testTensor([4, 1], seed: 16, range: -1.5...1.5)
    #expect(gradientCheckFailure([base, exponent]) { $0[0].pow($0[1]) } == nil)
    #expect(secondOrderCheckFailure([base, exponent]) { $0[0].pow($0[1]) } == nil)
    #expect(secondOrderCheckFailure([base, exponent]) { $0[0].pow($0[1]) * $0[1] * $0[0] } == nil)
  }

  @Test func powGradientConventionsAtZeroBase() {
    // scripts/reference/elementwise.py: torch.pow(z, e) with z = [0, 0, 2], e = [0, 1.5, 0].
    let z = Tensor([0, 0, 2], dtype: .float64)
    let e = Tensor([0, 1.5, 0], dtype: .float64)
    let g = grad(of: { $0[0].pow($0[1]).sum() }, at: [z, e])
    #expect(g[0].doubles == [0, 0, 0])
    #expect(mismatch(g[1].doubles, [0, 0, 0.69314718055994529], relativeTolerance: 1e-15) == nil)
  }

  @Test func unaryOpsOnEmptyAndScalarTensors() {
    let ops: [(Tensor) -> Tensor] = [
      { $0.log1p() }, { $0.expm1() }, { $0.sqrt() }, { $0.rsqrt() }, { $0.abs() }, { $0.sign() },
      { $0.sin() }, { $0.cos() }, { $0.tanh() }, { $0.sigmoid() }, { $0.square() },
      { $0.reciprocal() }, { $0.pow(2.5) }, { $0.pow($0) },
    ]
    for (i, op) in ops.enumerated() {
      for shape in [[0], [2, 0, 3]] {
        let empty = Tensor.zeros(shape, dtype: .float64)
        #expect(op(empty).shape == shape, "op \(i)")
        #expect(grad(of: { op($0).sum() }, at: empty).shape == shape, "op \(i)")
      }
      let scalar = Tensor(0.7, dtype: .float64)
      #expect(op(scalar).shape == [], "op \(i)")
      #expect(
        unaryCheckFailure(Tensor([0.7], shape: [1, 1], dtype: .float64), op) == nil, "op \(i)")
    }
  }

  @Test func largeTensorsMatchSmallOnesAcrossThreads() {
    // Above the elementwise grain the kernels split over threads; values must not depend on it.
    let x = Tensor(testRandomValues(count: 300_001, seed: 17, range: -3...3), dtype: .float32)
    let one = withThreads(1) { x.gelu().doubles }
    let two = withThreads(2) { x.gelu().doubles }
    #expect(one == two)
    #expect(Swift.abs(one[12345] - Tensor([x.doubles[12345]], dtype: .float64).gelu().item) < 1e-6)
  }
}
