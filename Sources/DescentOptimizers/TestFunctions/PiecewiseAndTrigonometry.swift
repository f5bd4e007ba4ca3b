import Descent
import Foundation

// Differentiable building blocks the test functions need that this branch's core does not have
// yet (`sin`, `cos`, `sqrt`, comparisons and `where` are being added to `Descent` in parallel).
// Each is composed only of existing differentiable ops (+, −, ·, /, exp, log, matmul), so
// gradients of every order come from the core's autodiff. Once the core ops exist, these bodies
// become one-line calls to them; the test functions and their tests do not change.
enum TestFunctionMath {
  /// `cos(x)` elementwise: the argument is reduced to `r = x − 2πk ∈ [−π, π]` (`k` a constant, so
  /// `∂r/∂x = 1`), then the Taylor series to `r³⁴/34!` (truncation error below 1e-19 on [−π, π],
  /// for the value and every derivative) is evaluated by Horner's rule.
  static func cos(_ x: Tensor) -> Tensor {
    let r = reduced(x)
    let r2 = r * r
    var p = r.scalar(0)
    for j in stride(from: 17, through: 0, by: -1) {
      p = r.scalar(alternatingInverseFactorial(2 * j)) + r2 * p
    }
    return p
  }

  /// `sin(x)` elementwise, as ``cos(_:)`` (series to `r³⁵/35!`).
  static func sin(_ x: Tensor) -> Tensor {
    let r = reduced(x)
    let r2 = r * r
    var p = r.scalar(0)
    for j in stride(from: 17, through: 0, by: -1) {
      p = r.scalar(alternatingInverseFactorial(2 * j + 1)) + r2 * p
    }
    return r * p
  }

  /// `√x` elementwise for `x > 0`, as `exp(½ log x)` (0 at 0, where the derivative is undefined).
  static func sqrt(_ x: Tensor) -> Tensor { (x.log() * 0.5).exp() }

  /// Elementwise selection among `pieces` by the values of `x`: piece `i` applies where
  /// `boundaries[i−1] < x ≤ boundaries[i]` (the last piece above the last boundary), the
  /// convention of the diffGrad notebook's `if x <= b` chains. Gradients flow through the chosen
  /// piece only: the selection masks are constants.
  static func piecewise(
    _ x: Tensor, boundaries: [Double], _ pieces: [(Tensor) -> Tensor]
  ) -> Tensor {
    precondition(
      pieces.count == boundaries.count + 1, "piecewise: need one more piece than boundaries")
    let values = x.doubles
    var result: Tensor?
    for (i, piece) in pieces.enumerated() {
      let lower = i == 0 ? -Double.infinity : boundaries[i - 1]
      let upper = i == boundaries.count ? Double.infinity : boundaries[i]
      let mask = values.map { $0 > lower && $0 <= upper ? 1.0 : 0.0 }
      guard mask.contains(1) else { continue }
      let term = Tensor(mask, shape: x.shape, dtype: x.dtype) * piece(x)
      result = result.map { $0 + term } ?? term
    }
    return result ?? x * 0
  }

  /// `x[i]` of a vector, as a scalar (a dot product with the i-th unit vector).
  static func component(_ x: Tensor, _ i: Int) -> Tensor {
    var unit = [Double](repeating: 0, count: x.count)
    unit[i] = 1
    return x.dot(Tensor(unit, shape: [x.count], dtype: x.dtype))
  }

  /// `x[range]` of a vector (a product with a selection matrix).
  static func slice(_ x: Tensor, _ range: Range<Int>) -> Tensor {
    let n = x.count
    var selection = [Double](repeating: 0, count: n * range.count)
    for (column, row) in range.enumerated() { selection[row * range.count + column] = 1 }
    return x.matmul(Tensor(selection, shape: [n, range.count], dtype: x.dtype))
  }

  private static func reduced(_ x: Tensor) -> Tensor {
    let turns = x.doubles.map { ($0 / (2 * Double.pi)).rounded() * 2 * Double.pi }
    guard turns.contains(where: { $0 != 0 }) else { return x }
    return x - Tensor(turns, shape: x.shape, dtype: x.dtype)
  }

  /// `(−1)^⌊n/2⌋ / n!`: the Taylor coefficients of cos (even n) and sin (odd n).
  private static func alternatingInverseFactorial(_ n: Int) -> Double {
    var factorial = 1.0
    if n > 1 { for k in 2...n { factorial *= Double(k) } }
    return ((n / 2) % 2 == 0 ? 1 : -1) / factorial
  }
}
