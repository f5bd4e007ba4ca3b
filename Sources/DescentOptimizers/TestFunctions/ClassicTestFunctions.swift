import Descent
import Foundation

private typealias M = TestFunctionMath

extension TestFunction {
  /// `f(x) = Σᵢ xᵢ²`, any dimension ≥ 1; minimum 0 at the origin.
  public static let sphere = TestFunction(
    name: "sphere", description: "Convex, isotropic quadratic bowl: the easiest problem.",
    formula: "f(x) = sum_i x_i^2", reference: "De Jong (1975), function F1",
    minimumDimension: 1, defaultStart: [-1.5, 2],
    minima: { d in [Minimum(point: Array(repeating: 0, count: d), value: 0)] },
    function: { x in (x * x).sum() })

  /// `f(x) = Σ_{i<d−1} 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`, any dimension ≥ 2; minimum 0 at `(1, …, 1)`.
  public static let rosenbrock = TestFunction(
    name: "rosenbrock",
    description: "Narrow curved valley: ill-conditioned, tests momentum and adaptivity.",
    formula: "f(x) = sum_{i<d-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2",
    reference: "Rosenbrock (1960), The Computer Journal 3(3)",
    minimumDimension: 2, defaultStart: [-1.2, 1],
    minima: { d in [Minimum(point: Array(repeating: 1, count: d), value: 0)] },
    function: { x in
      let head = M.slice(x, 0..<(x.count - 1))
      let tail = M.slice(x, 1..<x.count)
      let valley = tail - head * head
      let offset = 1 - head
      return (100 * valley * valley + offset * offset).sum()
    })

  /// `f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²`; minimum 0 at (3, 0.5).
  public static let beale = TestFunction(
    name: "beale", description: "Flat plateaus and sharp ridges in 2-D.",
    formula: "f(x,y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    reference: "Beale (1958), Princeton University report",
    dimensions: 2...2, defaultStart: [1, 1],
    minima: { _ in [Minimum(point: [3, 0.5], value: 0)] },
    function: { p in
      let x = M.component(p, 0)
      let y = M.component(p, 1)
      let a = 1.5 - x + x * y
      let b = 2.25 - x + x * y * y
      let c = 2.625 - x + x * y * y * y
      return a * a + b * b + c * c
    })

  /// `f(x, y) = (x + 2y − 7)² + (2x + y − 5)²`; minimum 0 at (1, 3).
  public static let booth = TestFunction(
    name: "booth", description: "Convex 2-D quadratic with correlated coordinates.",
    formula: "f(x,y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
    reference: "Booth (1949); see Jamil & Yang (2013), arXiv:1308.4008",
    dimensions: 2...2, defaultStart: [0, 0],
    minima: { _ in [Minimum(point: [1, 3], value: 0)] },
    function: { p in
      let x = M.component(p, 0)
      let y = M.component(p, 1)
      let a = x + 2 * y - 7
      let b = 2 * x + y - 5
      return a * a + b * b
    })

  /// `f(x) = 10d + Σᵢ (xᵢ² − 10 cos 2πxᵢ)`, any dimension ≥ 1; minimum 0 at the origin, with a
  /// local minimum near every integer point.
  public static let rastrigin = TestFunction(
    name: "rastrigin", description: "Highly multimodal: a regular grid of local minima on a bowl.",
    formula: "f(x) = 10 d + sum_i (x_i^2 - 10 cos(2 pi x_i))",
    reference: "Rastrigin (1974); Mühlenbein et al. (1991)",
    minimumDimension: 1, defaultStart: [2.5, -1.5],
    minima: { d in [Minimum(point: Array(repeating: 0, count: d), value: 0)] },
    function: { x in
      (x * x - 10 * M.cos(2 * Double.pi * x)).sum() + 10 * Double(x.count)
    })

  /// `f(x) = −20 exp(−0.2 √(mean xᵢ²)) − exp(mean cos 2πxᵢ) + 20 + e`, any dimension ≥ 1;
  /// minimum 0 at the origin, where the square root makes a cusp (no gradient there).
  public static let ackley = TestFunction(
    name: "ackley",
    description: "Nearly flat outer region with many shallow local minima around a deep funnel.",
    formula: "f(x) = -20 exp(-0.2 sqrt(mean_i x_i^2)) - exp(mean_i cos(2 pi x_i)) + 20 + e",
    reference: "Ackley (1987), A Connectionist Machine for Genetic Hillclimbing",
    minimumDimension: 1, defaultStart: [1.5, -2],
    minima: { d in [Minimum(point: Array(repeating: 0, count: d), value: 0, isStationary: false)] },
    function: { x in
      let radius = M.sqrt((x * x).mean())
      let wave = M.cos(2 * Double.pi * x).mean()
      return -20 * (-0.2 * radius).exp() - wave.exp() + (20 + M_E)
    })

  /// The root of `4x³ − 32x + 5 = 0` where each coordinate of the Styblinski–Tang minimum lies.
  public static let styblinskiTangMinimizer = -2.903534027771177
  /// The value of one coordinate's term at ``styblinskiTangMinimizer``.
  static let styblinskiTangMinimumPerDimension = -39.16616570377142

  /// `f(x) = ½ Σᵢ (xᵢ⁴ − 16xᵢ² + 5xᵢ)`, any dimension ≥ 1; global minimum `−39.16617·d` at
  /// `xᵢ = −2.903534…`. Each coordinate also has a local minimum at `2.746803` (term −25.02945), so
  /// there are `2ᵈ` minima.
  public static let styblinskiTang = TestFunction(
    name: "styblinski-tang",
    description: "Separable quartic with 2^d minima; only one corner is global.",
    formula: "f(x) = 1/2 sum_i (x_i^4 - 16 x_i^2 + 5 x_i)",
    reference: "Styblinski & Tang (1990), Neural Networks 3(4)",
    minimumDimension: 1, defaultStart: [0, 0],
    minima: { d in
      [
        Minimum(
          point: Array(repeating: styblinskiTangMinimizer, count: d),
          value: Double(d) * styblinskiTangMinimumPerDimension)
      ]
    },
    function: { x in
      let x2 = x * x
      return 0.5 * (x2 * x2 - 16 * x2 + 5 * x).sum()
    })
}
