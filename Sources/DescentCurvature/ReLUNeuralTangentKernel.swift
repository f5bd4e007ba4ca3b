import Descent
import Foundation

/// The infinite-width neural tangent kernel (and NNGP kernel) of a fully connected ReLU network
/// in the NTK parameterization (Jacot, Gabriel and Hongler, NeurIPS 2018, Theorem 1, with the ReLU
/// expectations of Cho and Saul 2009), as neural-tangents' `stax.serial(Dense(n, W_std=1,
/// b_std=β), Relu(), …, Dense(1, W_std=1, b_std=β))` computes with `kernel_fn(x, x, ("ntk",
/// "nngp"))`.
///
/// The network is z¹ = W⁰x/√n₀ + βb⁰, zˡ⁺¹ = Wˡ relu(zˡ)/√nₗ + βbˡ, all parameters N(0, 1), with
/// `hiddenLayers` ReLU layers and a scalar output. As every width → ∞, with Σ¹ = xᵀx′/n₀ + β²,
/// Θ¹ = Σ¹ and for each ReLU layer, with cos φ = Σˡ(x, x′)/√(Σˡ(x, x)Σˡ(x′, x′)),
///
///     E[relu(u)relu(v)] = √(Σˡ(x, x)Σˡ(x′, x′)) (sin φ + (π − φ) cos φ) / 2π
///     E[relu′(u)relu′(v)] = (π − φ) / 2π
///     Σˡ⁺¹ = E[relu(u)relu(v)] + β²,   Θˡ⁺¹ = Θˡ · E[relu′(u)relu′(v)] + Σˡ⁺¹,
///
/// the output's kernels being Σ (NNGP: the covariance of the outputs at initialization) and Θ
/// (NTK) after the last ReLU layer. Cost O(n² · (n₀ + layers)).
public struct ReLUNeuralTangentKernel: Sendable {
  /// The number of ReLU layers (hidden layers) between input and output.
  public let hiddenLayers: Int
  /// β, the scale of the biases.
  public let biasScale: Double

  /// - Throws: ``KernelError/invalidArgument(_:)`` for `hiddenLayers` < 0 or β negative or not
  ///   finite.
  public init(hiddenLayers: Int, biasScale: Double = 0.1) throws {
    guard hiddenLayers >= 0 else {
      throw KernelError.invalidArgument(
        "ReLUNeuralTangentKernel: hiddenLayers = \(hiddenLayers) is invalid: must be ≥ 0")
    }
    guard biasScale >= 0, biasScale.isFinite else {
      throw KernelError.invalidArgument(
        "ReLUNeuralTangentKernel: biasScale = \(biasScale) is invalid: must be finite and ≥ 0")
    }
    self.hiddenLayers = hiddenLayers
    self.biasScale = biasScale
  }

  /// Θ `[n, n]` (float64) of the rows of `inputs` `[n, n₀]`.
  public func kernel(_ inputs: Tensor) throws -> Tensor { try kernels(inputs).ntk }

  /// Θ and Σ `[n, n]` (float64) of the rows of `inputs` `[n, n₀]`.
  public func kernels(_ inputs: Tensor) throws -> (ntk: Tensor, nngp: Tensor) {
    guard inputs.rank == 2, inputs.shape[0] >= 1, inputs.shape[1] >= 1 else {
      throw KernelError.invalidArgument(
        "ReLUNeuralTangentKernel: inputs must be [n, n0] with n, n0 ≥ 1, got \(inputs.shape)")
    }
    let (n, n0) = (inputs.shape[0], inputs.shape[1])
    let x = inputs.cast(to: .float64)
    let values = x.doubles
    guard values.allSatisfy(\.isFinite) else {
      throw KernelError.invalidArgument(
        "ReLUNeuralTangentKernel: inputs contain NaN or infinity")
    }
    let beta2 = biasScale * biasScale
    var sigma = (x.matmulTransposed(x) * x.scalar(1 / Double(n0))).doubles.map { $0 + beta2 }
    var theta = sigma
    for _ in 0..<hiddenLayers {
      var nextSigma = sigma
      for i in 0..<n {
        for j in 0..<n {
          let scale = (sigma[i * n + i] * sigma[j * n + j]).squareRoot()
          let cosine = scale > 0 ? min(1, max(-1, sigma[i * n + j] / scale)) : 1
          let angle = acos(cosine)
          let expectation = scale * (sin(angle) + (Double.pi - angle) * cosine) / (2 * Double.pi)
          let derivative = (Double.pi - angle) / (2 * Double.pi)
          nextSigma[i * n + j] = expectation + beta2
          theta[i * n + j] = theta[i * n + j] * derivative + nextSigma[i * n + j]
        }
      }
      sigma = nextSigma
    }
    return (
      Tensor(theta, shape: [n, n], dtype: .float64), Tensor(sigma, shape: [n, n], dtype: .float64)
    )
  }

  /// Kernel regression with Θ: Θ(test, train) (Θ(train, train) + ridge·I)⁻¹ y `[m]` — the mean
  /// prediction of the infinite-width network trained to convergence by gradient flow on the
  /// squared loss (the paper's Section 5, with f₀'s contribution averaged out).
  ///
  /// - Throws: ``KernelError/invalidArgument(_:)`` when the shapes do not fit or `ridge` < 0;
  ///   `LinearAlgebraError` when Θ(train, train) + ridge·I is singular.
  public func regression(train: Tensor, targets: Tensor, test: Tensor, ridge: Double = 0) throws
    -> Tensor
  {
    guard train.rank == 2, test.rank == 2, train.shape[1] == test.shape[1],
      targets.shape == [train.shape[0]]
    else {
      throw KernelError.invalidArgument(
        "ReLUNeuralTangentKernel.regression: needs train [n, n0], targets [n] and test [m, n0], "
          + "got \(train.shape), \(targets.shape) and \(test.shape)")
    }
    guard ridge >= 0, ridge.isFinite else {
      throw KernelError.invalidArgument(
        "ReLUNeuralTangentKernel.regression: ridge = \(ridge) is invalid: must be finite and ≥ 0")
    }
    let (n, m) = (train.shape[0], test.shape[0])
    let all = try kernel(
      Tensor.concatenate([train.cast(to: .float64), test.cast(to: .float64)], axis: 0)
    ).doubles
    let size = n + m
    var gram = [Double](repeating: 0, count: n * n)
    var cross = [Double](repeating: 0, count: m * n)
    for i in 0..<n {
      for j in 0..<n { gram[i * n + j] = all[i * size + j] }
      gram[i * n + i] += ridge
    }
    for i in 0..<m {
      for j in 0..<n { cross[i * n + j] = all[(n + i) * size + j] }
    }
    let weights = try solve(
      Tensor(gram, shape: [n, n], dtype: .float64), targets.cast(to: .float64))
    return Tensor(cross, shape: [m, n], dtype: .float64).matmul(weights)
  }
}
