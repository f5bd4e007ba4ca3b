import Descent
import Foundation

/// Adam's preconditioner alone, Optax-style: bias-corrected moments, no learning rate, no sign.
///
/// ```
/// m ← β1 · m + (1 − β1) · u
/// v ← β2 · v + (1 − β2) · u²
/// u ← (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ) + εroot) + ε)
/// ```
///
/// Optax's `scale_by_adam`; follow it with ``ScaleByLearningRate``. Paper: Kingma & Ba, "Adam: A
/// Method for Stochastic Optimization" (ICLR 2015, arXiv:1412.6980). Defaults: beta1 0.9,
/// beta2 0.999, epsilon 1e-8, epsilonRoot 0. ε is added to √v̂ (Optax), which equals PyTorch's
/// form; ``Adam`` is the fused PyTorch-exact optimizer.
public struct ScaleByAdam: GradientTransformation {
  public struct State: Codable, Sendable, Equatable {
    public var count: Int
    public var mu: ParameterTree
    public var nu: ParameterTree
  }

  public let beta1, beta2, epsilon, epsilonRoot: Double

  /// Betas in [0, 1), epsilons ≥ 0 (a programmer error otherwise).
  public init(
    beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, epsilonRoot: Double = 0
  ) {
    precondition(
      (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon >= 0 && epsilonRoot >= 0,
      "ScaleByAdam: beta1 = \(beta1), beta2 = \(beta2) must be in [0, 1), epsilon = \(epsilon) and epsilonRoot = \(epsilonRoot) ≥ 0"
    )
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.epsilonRoot = epsilonRoot
  }

  public func initialState(for parameters: ParameterTree) -> State {
    State(count: 0, mu: zerosLike(parameters), nu: zerosLike(parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    state.count += 1
    let t = Double(state.count)
    let kernel = Kernel(
      beta1: beta1, beta2: beta2, epsilon: epsilon, epsilonRoot: epsilonRoot,
      biasCorrection1: 1 - pow(beta1, t), biasCorrection2: 1 - pow(beta2, t))
    var buffers = [state.mu, state.nu]
    state.mu = ParameterTree()
    state.nu = ParameterTree()
    let gradients = updates
    runFusedKernel(
      kernel, name: "ScaleByAdam", into: &updates, mode: .values(parameters: nil),
      gradients: gradients, state: &buffers)
    state.mu = buffers[0]
    state.nu = buffers[1]
  }

  struct Kernel: FusedKernel {
    let beta1, beta2, epsilon, epsilonRoot, biasCorrection1, biasCorrection2: Double

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let m = b.state[0]
      let v = b.state[1]
      let b1 = T(beta1)
      let w1 = T(1 - beta1)
      let b2 = T(beta2)
      let w2 = T(1 - beta2)
      let bc1 = T(biasCorrection1)
      let bc2 = T(biasCorrection2)
      let eps = T(epsilon)
      let epsRoot = T(epsilonRoot)
      for i in range {
        let g = b.gradient[i]
        let mNew = b1 * m[i] + w1 * g
        let vNew = b2 * v[i] + w2 * g * g
        m[i] = mNew
        v[i] = vNew
        b.store((mNew / bc1) / ((vNew / bc2 + epsRoot).vectorizableSquareRoot + eps), at: i)
      }
    }
  }
}
