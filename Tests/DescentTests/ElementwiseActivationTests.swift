import Descent
import DescentTestSupport
import Testing

// Reference values: scripts/reference/elementwise.py (PyTorch 2.13.0, CPU, float64), on
// `referenceX` = [-3, -1.5, -0.5, -0.1, 0.2, 0.7, 1.3, 2.5].

extension ElementwiseTests {
  @Suite struct Activations {
    @Test func relu() {
      #expect(forwardMismatch(referenceX, [0, 0, 0, 0, 0.2, 0.7, 1.3, 2.5]) { $0.relu() } == nil)
      // F.relu gradient at -1, 0, 2: [0, 0, 1].
      #expect(
        grad(of: { $0.relu().sum() }, at: Tensor([-1, 0, 2], dtype: .float64)).doubles == [0, 0, 1])
      #expect(unaryCheckFailure(testTensor([3, 4], seed: 21)) { $0.relu() } == nil)
      #expect(unaryCheckFailure(testTensor([3, 4], seed: 22)) { $0.relu() * $0 } == nil)
      #expect(Tensor(indices: [-3, 0, 4]).relu().ints == [0, 0, 4])
      #expect(Tensor([.nan], dtype: .float32).relu().item.isNaN)
    }

    @Test func leakyRelu() {
      // F.leaky_relu(x, 0.2).
      #expect(
        forwardMismatch(
          referenceX,
          [
            -0.60000000000000009, -0.30000000000000004, -0.10000000000000001, -0.020000000000000004,
            0.2, 0.7, 1.3, 2.5,
          ]
        ) { $0.leakyRelu(negativeSlope: 0.2) } == nil)
      #expect(mismatch(Tensor([-1, 1], dtype: .float64).leakyRelu().doubles, [-0.01, 1]) == nil)
      #expect(
        unaryCheckFailure(testTensor([3, 4], seed: 23)) { $0.leakyRelu(negativeSlope: 0.3) * $0 }
          == nil)
    }

    @Test func eluAndSelu() {
      // F.elu(x, 0.5), F.selu(x).
      #expect(
        forwardMismatch(
          referenceX,
          [
            -0.47510646581606802, -0.3884349199257851, -0.19673467014368329, -0.047581290982020213,
            0.2, 0.7, 1.3, 2.5,
          ]
        ) { $0.elu(alpha: 0.5) } == nil)
      #expect(
        forwardMismatch(
          referenceX,
          [
            -1.6705687287671118, -1.3658143533672527, -0.69175818780287135, -0.16730527262431394,
            0.21014019747109611, 0.73549069114883625, 1.3659112835621245, 2.6267524683887009,
          ]
        ) { $0.selu() } == nil)
      #expect(unaryCheckFailure(testTensor([3, 4], seed: 24, range: -2...2)) { $0.elu() } == nil)
      #expect(
        unaryCheckFailure(testTensor([3, 4], seed: 25, range: -2...2)) { $0.elu(alpha: 0.5) } == nil
      )
      #expect(unaryCheckFailure(testTensor([3, 4], seed: 26, range: -2...2)) { $0.selu() } == nil)
    }

    @Test func geluExactAndTanh() {
      // F.gelu(x), F.gelu(x, approximate="tanh").
      #expect(
        forwardMismatch(
          referenceX,
          [
            -0.0040496940948903104, -0.10021080190328704, -0.15426876936299344,
            -0.046017216272297101, 0.11585194188782061, 0.53062544344384888, 1.1741593700387067,
            2.4844758366855597,
          ]
        ) { $0.gelu() } == nil)
      #expect(
        forwardMismatch(
          referenceX,
          [
            -0.0036373920817729943, -0.10042842301976707, -0.15428599017485606,
            -0.046017248954564841, 0.11585142978210627, 0.53057013470511671, 1.1739290123173094,
            2.4849157339100012,
          ]
        ) { $0.gelu(approximation: .tanh) } == nil)
      #expect(unaryCheckFailure(testTensor([3, 4], seed: 27, range: -3...3)) { $0.gelu() } == nil)
      #expect(
        unaryCheckFailure(testTensor([3, 4], seed: 28, range: -3...3)) {
          $0.gelu(approximation: .tanh)
        }
          == nil)
    }

    @Test func geluHasThirdDerivatives() {
      // The rules of the fused derivative ops are differentiated once more: the gradient of a
      // Hessian-vector product must agree with its finite differences.
      let x = testTensor([5], seed: 29, range: -2...2)
      let v = testTensor([5], seed: 30)
      for approximation in [GELUApproximation.none, .tanh] {
        let hessianVector: ([Tensor]) -> Tensor = { xs in
          hvp(of: { $0.gelu(approximation: approximation).sum() }, at: xs[0], v: v)
        }
        #expect(gradientCheckFailure([x], hessianVector) == nil)
      }
    }

    @Test func float32GELUDerivativeKernel() {
      // The float32 derivative runs in a vectorized C kernel: against float64 (libm) on a grid.
      let grid = (0...8_000).map { -10 + Double($0) * 0.0025 }
      let x32 = Tensor(grid, dtype: .float32)
      let single = grad(of: { $0.gelu().sum() }, at: x32).doubles
      let double = grad(of: { $0.gelu().sum() }, at: x32.cast(to: .float64)).doubles
      var worst = 0.0
      // Relative error, absolute below 0.01: Φ(x) + xφ(x) cancels where it crosses 0 (x ≈ −0.75)
      // in any float32 evaluation of the formula.
      for (s, d) in zip(single, double) { worst = max(worst, Swift.abs(s - d) / max(Swift.abs(d), 1e-2)) }
      #expect(worst < 2e-5, "gelu derivative: worst relative error \(worst)")
    }

    @Test func softplus() {
      // F.softplus(x) and F.softplus(x, beta=2, threshold=4).
      #expect(
        forwardMismatch(
          referenceX,
          [
            0.048587351573742062, 0.20141327798275241, 0.47407698418010669, 0.64439666007357088,
            0.79813886938159184, 1.1031860488854579, 1.5410084538329922, 2.5788897342925496,
          ]
        ) { $0.softplus() } == nil)
      #expect(
        forwardMismatch(
          referenceX,
          [
            0.0012378425688652247, 0.024293675786871031, 0.15663084375911143, 0.29906943469079589,
            0.45650762619997631, 0.81020870495922548, 1.335822345983835, 2.5,
          ]
        ) { $0.softplus(beta: 2, threshold: 4) } == nil)
      #expect(
        unaryCheckFailure(testTensor([3, 4], seed: 31, range: -3...3)) { $0.softplus() } == nil)
      // Both sides of the threshold, away from the jump at βx = 4.
      let x = Tensor([-1, 0.3, 1.2, 3, 4.5], dtype: .float64)
      #expect(unaryCheckFailure(x) { $0.softplus(beta: 2, threshold: 4) } == nil)
      #expect(grad(of: { $0.softplus(beta: 2, threshold: 4).sum() }, at: x).doubles[3] == 1)
      // No overflow far beyond the threshold or far below zero.
      let extreme = Tensor([-200, 200], dtype: .float32).softplus().doubles
      #expect(extreme[0] >= 0 && extreme[0] < 1e-30 && extreme[1] == 200)
    }

    @Test func silu() {
      // F.silu(x).
      #expect(
        forwardMismatch(
          referenceX,
          [
            -0.14227761953270035, -0.27363828570953452, -0.1887703343990727, -0.047502081252106004,
            0.1099667994624956, 0.46773144051771626, 1.0215854779553264, 2.3103545499468914,
          ]
        ) { $0.silu() } == nil)
      #expect(unaryCheckFailure(testTensor([3, 4], seed: 32, range: -4...4)) { $0.silu() } == nil)
      let x = testTensor([4], seed: 33, range: -2...2)
      let v = testTensor([4], seed: 34)
      #expect(gradientCheckFailure([x]) { hvp(of: { $0.silu().sum() }, at: $0[0], v: v) } == nil)
    }

    @Test func float32KernelsMatchFloat64AcrossTheRange() {
      // float32 activations use vectorizable exp/expm1/tanh/erfc/log1p (VectorizableMath.swift):
      // compare with the float64 (libm) results on a dense grid.
      let grid =
        (0...40_000).map { -100 + Double($0) * 0.005 } + [1e-30, -1e-6, 3e-4, -0.624, 0.626]
      // `floor`: below it, absolute instead of relative error. For tanh-GELU the formula itself
      // cancels (`1 + tanh u` with `tanh u ≈ −1`) in any float32 implementation, PyTorch's too;
      // silu multiplies a subnormal σ(x) by x. (PyTorch 2.13 float32 on the same grid: sigmoid
      // relative error 0.24 at x = −88.7, silu 1.0 at −91.8: it flushes these to 0.)
      let ops: [(String, Double, (Tensor) -> Tensor)] = [
        ("sigmoid", 1.2e-38, { $0.sigmoid() }), ("tanh", 1.2e-38, { $0.tanh() }),
        ("silu", 1e-36, { $0.silu() }), ("gelu tanh", 1, { $0.gelu(approximation: .tanh) }),
      ]
      let more: [(String, Double, (Tensor) -> Tensor)] = [
        ("gelu", 1e-36, { $0.gelu() }), ("elu", 1e-36, { $0.elu() }), ("selu", 1e-36, { $0.selu() }),
        ("softplus", 1e-36, { $0.softplus() }),
        ("softplus β 2", 1e-36, { $0.softplus(beta: 2, threshold: 4) }),
      ]
      for (name, floor, op) in ops + more {
        // Each float32 input is exactly representable in float64, so both see the same x.
        let x32 = Tensor(grid, dtype: .float32)
        let single = op(x32).doubles
        let double = op(x32.cast(to: .float64)).doubles
        var worst = 0.0
        for (s, d) in zip(single, double) {
          worst = max(worst, Swift.abs(s - d) / max(Swift.abs(d), floor))
        }
        // Exact GELU: the float32 rounding of x²/2 inside erfc's exp gives a tail error of about
        // x²·1e-7 (1.6e-5 at x = −13, where gelu ≈ −1e-37). PyTorch 2.13's float32 gelu: relative
        // error up to 9e-4 already at x = −3.5.
        let bound = name == "gelu" ? 2.5e-5 : 4e-7
        #expect(worst < bound, "\(name): worst relative error \(worst)")
      }
      let special = Tensor([.nan, .infinity, -.infinity, 89, 88.7, -88, -95], dtype: .float32)
      let sigmoid = special.sigmoid().doubles
      #expect(sigmoid[0].isNaN && sigmoid[1] == 1 && sigmoid[2] == 0 && sigmoid[3] == 1)
      #expect(Swift.abs(sigmoid[5] - 6.05460149e-39) < 1e-44)  // e⁻⁸⁸, near the smallest normal
      #expect(sigmoid[6] > 0 && Swift.abs(sigmoid[6] - 5.5211e-42) < 1e-44)  // subnormal
      let tanh = special.tanh().doubles
      #expect(tanh[0].isNaN && tanh[1] == 1 && tanh[2] == -1 && tanh[3] == 1 && tanh[5] == -1)
    }

    @Test func tanhAndSigmoidHaveThirdDerivatives() {
      // Their backward passes are fused ops with their own rules: differentiate an HVP once more.
      let x = testTensor([6], seed: 36, range: -2...2)
      let v = testTensor([6], seed: 37)
      #expect(gradientCheckFailure([x]) { hvp(of: { $0.tanh().sum() }, at: $0[0], v: v) } == nil)
      #expect(gradientCheckFailure([x]) { hvp(of: { $0.sigmoid().sum() }, at: $0[0], v: v) } == nil)
    }

    @Test func activationsOnEmptyTensorsAndSizeOneDimensions() {
      let ops: [(Tensor) -> Tensor] = [
        { $0.relu() }, { $0.leakyRelu() }, { $0.elu() }, { $0.selu() }, { $0.gelu() },
        { $0.gelu(approximation: .tanh) }, { $0.softplus() }, { $0.silu() },
      ]
      for (i, op) in ops.enumerated() {
        let empty = Tensor.zeros([3, 0], dtype: .float64)
        #expect(op(empty).shape == [3, 0], "op \(i)")
        #expect(grad(of: { op($0).sum() }, at: empty).shape == [3, 0], "op \(i)")
        #expect(
          unaryCheckFailure(testTensor([1, 3, 1], seed: 35, range: -2...2), op) == nil, "op \(i)")
      }
    }
  }
}
