import Descent

extension SNNKReLU {
  /// The closed-form squared-error head of a network that is linear in feature space — SNNK's
  /// "bundling" (arXiv:2310.13225, §4): for features Φ `[n, m]` and targets Y `[n, k]`,
  ///
  ///     W = argmin ‖Φ Wᵀ − Y‖² + λ‖W‖²  =  ((ΦᵀΦ + λI)⁻¹ ΦᵀY)ᵀ     `[k, m]`
  ///
  /// (no intercept), computed in float64 by one m×m solve (LAPACK `gesv`). The result is the weight of
  /// a bias-free `Linear(m, k)` trained to convergence on that loss, with no backpropagation.
  /// Throws ``LinearAlgebraError`` when ΦᵀΦ + λI is singular (λ = 0 with fewer independent
  /// examples than features).
  public static func bundledRidge(features: Tensor, targets: Tensor, penalty: Double) throws
    -> Tensor
  {
    precondition(
      features.rank == 2 && targets.rank == 2 && features.shape[0] == targets.shape[0],
      "SNNKReLU.bundledRidge: features must be [n, m] and targets [n, k], got "
        + "\(features.shape) and \(targets.shape)")
    precondition(
      penalty >= 0 && penalty.isFinite,
      "SNNKReLU.bundledRidge: penalty must be finite and ≥ 0, got \(penalty)")
    let phi = features.cast(to: .float64).detached()
    let y = targets.cast(to: .float64).detached()
    let m = phi.shape[1]
    let identity = Tensor(
      (0..<(m * m)).map { $0 % (m + 1) == 0 ? penalty : 0 }, shape: [m, m], dtype: .float64)
    let gram = phi.transposed().matmul(phi) + identity
    return try solve(gram, phi.transposed().matmul(y)).transposed()
  }
}
