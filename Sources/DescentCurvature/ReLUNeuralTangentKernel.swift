import Descent
import Foundation

/// The infinite-width neural tangent kernel of a fully connected ReLU network in the NTK
/// parameterization (Jacot, Gabriel and Hongler, NeurIPS 2018, Theorem 1 and the ReLU
/// expectations of Cho and Saul 2009), as neural-tangents' `stax.serial(Dense(n, W_std=1,
/// b_std=β), Relu(), …, Dense(1, W_std=1, b_std=β))` computes with `kernel_fn(x, x, "ntk")`.
///
/// The network is z¹ = W⁰x/√n₀ + βb⁰, zˡ⁺¹ = Wˡ relu(zˡ)/√nₗ + βbˡ, all parameters N(0, 1), with
/// `hiddenLayers` ReLU layers and a scalar output. As every width → ∞, with Σ¹ = xᵀx′/n₀ + β²,
/// Θ¹ = Σ¹ and for each ReLU layer, with cos φ = Σˡ(x, x′)/√(Σˡ(x, x)Σˡ(x′, x′)),
///
///     E[relu(u)relu(v)] = √(Σˡ(x, x)Σˡ(x′, x′)) (sin φ + (π − φ) cos φ) / 2π
///     E[relu′(u)relu′(v)] = (π − φ) / 2π
///     Σˡ⁺¹ = E[relu(u)relu(v)] + β²,   Θˡ⁺¹ = Θˡ · E[relu′(u)relu′(v)] + Σˡ⁺¹,
///
/// the output's kernel being Θ after the last ReLU layer. Cost O(n² · (n₀ + layers)).
public struct ReLUNeuralTangentKernel: Sendable {
  /// The number of ReLU layers (hidden layers) between input and output.
  public let hiddenLayers: Int
  /// β, the scale of the biases.
  public let biasScale: Double

  public init(hiddenLayers: Int, biasScale: Double = 0.1) {
    precondition(hiddenLayers >= 0, "ReLUNeuralTangentKernel: hiddenLayers must be ≥ 0")
    precondition(
      biasScale >= 0 && biasScale.isFinite, "ReLUNeuralTangentKernel: biasScale must be ≥ 0")
    self.hiddenLayers = hiddenLayers
    self.biasScale = biasScale
  }

  /// Θ `[n, n]` (float64) of the rows of `inputs` `[n, n₀]`.
  public func kernel(_ inputs: Tensor) -> Tensor {
    precondition(inputs.rank == 2, "ReLUNeuralTangentKernel: inputs must be [n, n0]")
    let (n, n0) = (inputs.shape[0], inputs.shape[1])
    let x = inputs.cast(to: .float64)
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
    return Tensor(theta, shape: [n, n], dtype: .float64)
  }
}
