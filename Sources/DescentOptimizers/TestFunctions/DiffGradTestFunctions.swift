import Descent

private typealias M = TestFunctionMath

// The three 1-D functions of diffGrad's synthetic experiment (Dubey et al., "diffGrad: An
// Optimization Method for Convolutional Neural Networks", IEEE TNNLS 2019, arXiv:1909.11015).
// The authors' notebook (shivram1987/diffGrad, diffGrad_analytical.ipynb) defines them only by
// their gradient oracles; the values here are the continuous antiderivatives of exactly those
// oracles (same pieces, same `x <= b` boundaries), fixed so that the stated minima have the stated
// values. Its experiment: x₀ = −1, lr 0.1, β1 0.95, β2 0.999, ε 1e-8, 300 iterations.

extension TestFunction {
  /// F1, gradient `2x + 0.6` for `x ≤ 0`, else `2x − 0.4`:
  /// `f(x) = x² + 0.6x` (x ≤ 0), `x² − 0.4x` (x > 0). Global minimum −0.09 at −0.3, local
  /// minimum −0.04 at 0.2, separated by a kink at 0.
  public static let diffGradF1 = TestFunction(
    name: "diffgrad-f1",
    description: "diffGrad paper's F1: two quadratic wells; Adam from -1 ends in the local one.",
    formula: "f(x) = x^2 + 0.6 x if x <= 0, else x^2 - 0.4 x",
    reference: "Dubey et al., diffGrad, IEEE TNNLS 2019 (arXiv:1909.11015), analytical notebook",
    dimensions: 1...1, defaultStart: [-1],
    minima: { _ in
      [
        Minimum(point: [-0.3], value: -0.09),
        Minimum(point: [0.2], value: -0.04, isGlobal: false),
      ]
    },
    function: { x in
      M.piecewise(x, boundaries: [0], [{ x in x * x + 0.6 * x }, { x in x * x - 0.4 * x }]).sum()
    })

  /// `F2(x) = x·sin(8x)/8 + 7(1 − cos 8x)/64 + x³` for `x > −0.9` (gradient `x·cos 8x + sin 8x +
  /// 3x²`), continued by the line of slope −40 for `x ≤ −0.9`.
  static func diffGradF2Smooth(_ x: Tensor) -> Tensor {
    x * M.sin(8 * x) / 8 + 7.0 / 64 * (1 - M.cos(8 * x)) + x * x * x
  }

  /// F2(−0.9) = −0.9·sin(−7.2)/8 + 7(1 − cos 7.2)/64 − 0.729 (30-digit value from mpmath).
  static let diffGradF2AtKink = -0.596875790343935636238905374541

  /// F2, gradient `−40` for `x ≤ −0.9`, else `x·cos 8x + sin 8x + 3x²`. Global minimum
  /// −0.596876 at the kink −0.9, local minimum 0 at 0.
  public static let diffGradF2 = TestFunction(
    name: "diffgrad-f2",
    description:
      "diffGrad paper's F2: oscillating cubic with a steep wall; global minimum at a kink.",
    formula:
      "f(x) = -40 (x + 0.9) + f(-0.9) if x <= -0.9, else x sin(8x)/8 + 7 (1 - cos 8x)/64 + x^3",
    reference: "Dubey et al., diffGrad, IEEE TNNLS 2019 (arXiv:1909.11015), analytical notebook",
    dimensions: 1...1, defaultStart: [-1],
    minima: { _ in
      [
        Minimum(point: [-0.9], value: diffGradF2AtKink, isStationary: false),
        Minimum(point: [0], value: 0, isGlobal: false),
      ]
    },
    function: { x in
      M.piecewise(
        x, boundaries: [-0.9],
        [{ x in -40 * (x + 0.9) + diffGradF2AtKink }, { x in diffGradF2Smooth(x) }]
      ).sum()
    })

  /// F3, gradient `2x` (x ≤ −0.5), `1` (≤ −0.4), `−7/8` (≤ 0), `7/8` (≤ 0.4), `−1` (≤ 0.5), `2x`
  /// above: `x²` outside [−0.5, 0.5], piecewise linear inside. Global minimum 0 at the kink 0,
  /// local minima 0.25 at the kinks ±0.5.
  public static let diffGradF3 = TestFunction(
    name: "diffgrad-f3",
    description: "diffGrad paper's F3: a V-shaped global minimum between two kinked local minima.",
    formula:
      "f(x) = x^2 for |x| >= 0.5; 0.75 + x on (-0.5,-0.4]; -7x/8 on (-0.4,0]; 7x/8 on (0,0.4]; 0.75 - x on (0.4,0.5)",
    reference: "Dubey et al., diffGrad, IEEE TNNLS 2019 (arXiv:1909.11015), analytical notebook",
    dimensions: 1...1, defaultStart: [-1],
    minima: { _ in
      [
        Minimum(point: [0], value: 0, isStationary: false),
        Minimum(point: [-0.5], value: 0.25, isGlobal: false, isStationary: false),
        Minimum(point: [0.5], value: 0.25, isGlobal: false, isStationary: false),
      ]
    },
    function: { x in
      M.piecewise(
        x, boundaries: [-0.5, -0.4, 0, 0.4, 0.5],
        [
          { x in x * x }, { x in 0.75 + x }, { x in -0.875 * x }, { x in 0.875 * x },
          { x in 0.75 - x }, { x in x * x },
        ]
      ).sum()
    })
}
