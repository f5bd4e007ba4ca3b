import Descent
import Foundation

/// The order-1 arc-cosine kernel as the expectation SNNK-ReLU features estimate (Cho and Saul
/// 2009, "Kernel Methods for Deep Learning"; half their k₁):
///
///     k(x, w) = E_{g ~ N(0, I)}[relu(gᵀx) relu(gᵀw)] = ‖x‖‖w‖ (sin θ + (π − θ) cos θ) / 2π
///
/// with θ the angle between x and w (0 when either is zero). For the rows of `x` `[n, d]` and `w`
/// `[k, d]`: `[n, k]`, in float64, not differentiable.
public func arcCosineKernel(_ x: Tensor, _ w: Tensor) -> Tensor {
  precondition(
    x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[1],
    "arcCosineKernel: x must be [n, d] and w [k, d], got \(x.shape) and \(w.shape)")
  let a = x.cast(to: .float64).detached()
  let b = w.cast(to: .float64).detached()
  let dots = a.matmulTransposed(b).doubles
  let aNorms = (a * a).sum(axis: 1).doubles.map { $0.squareRoot() }
  let bNorms = (b * b).sum(axis: 1).doubles.map { $0.squareRoot() }
  let (n, k) = (x.shape[0], w.shape[0])
  var values = [Double](repeating: 0, count: n * k)
  for i in 0..<n {
    for j in 0..<k {
      let scale = aNorms[i] * bNorms[j]
      guard scale > 0 else { continue }
      let cosine = min(1, max(-1, dots[i * k + j] / scale))
      let angle = acos(cosine)
      values[i * k + j] = scale * (sin(angle) + (Double.pi - angle) * cosine) / (2 * Double.pi)
    }
  }
  return Tensor(values, shape: [n, k], dtype: .float64)
}
