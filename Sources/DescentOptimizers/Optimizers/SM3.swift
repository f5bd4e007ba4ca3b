import Descent

/// SM3: an AdaGrad whose sum of squared gradients is covered by one accumulator vector per axis
/// (memory Σ dims instead of Π dims), with momentum. Step for step as Optax's `optax.sm3`
/// (`scale_by_sm3(b1: momentum)` with b2 = 1, then `scale(−learningRate)`).
///
/// Per tensor of rank k ≥ 2 with per-axis accumulators μ⁽¹⁾…μ⁽ᵏ⁾ (zeros at first):
/// ```
/// ν[i₁…iₖ] ← g[i₁…iₖ]² + minⱼ μ⁽ʲ⁾[iⱼ]
/// μ⁽ʲ⁾[a] ← max of ν over the elements with iⱼ = a
/// u ← g · (ν > 0 ? 1/√(ν + 1e-8) : 0)
/// m ← (1 − momentum) · u + momentum · m
/// θₜ ← θₜ₋₁ + (−learningRate) · m
/// ```
/// Vectors keep one full accumulator: ν ← g² + μ, μ ← ν (AdaGrad).
///
/// Paper: Anil, Gupta, Koren & Singer, "Memory-Efficient Adaptive Optimization" (NeurIPS 2019,
/// arXiv:1901.11150).
///
/// Defaults (Optax 0.2.8): learningRate 1e-2 (Optax has none), momentum 0.9; ε 1e-8 is fixed
/// (Optax's `sm3` does not expose it).
///
/// Deviations: Optax fails on scalar (rank-0) parameters; here a scalar is a one-element vector.
///
/// Not elementwise: each accumulator reduces over the other axes.
///
/// State: per parameter, the accumulators concatenated axis by axis (Σ dims values; a vector's
/// or scalar's single accumulator has its element count) and the momentum m.
public struct SM3: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var momentum: Double

  /// Optax's `eps` of `scale_by_sm3`, fixed by `optax.sm3`.
  static let epsilon = 1e-8

  public struct State: Codable, Sendable, Equatable {
    /// Each parameter's per-axis accumulators μ⁽¹⁾…μ⁽ᵏ⁾, concatenated.
    public var accumulators: ParameterTree
    public var momentum: ParameterTree
  }

  public init(learningRate: Hyperparameter = 1e-2, momentum: Double = 0.9) throws {
    self.learningRate = learningRate
    self.momentum = momentum
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<SM3>(
    name: "sm3",
    summary: "AdaGrad with one accumulator vector per axis (min over axes, max back), with momentum",
    paper:
      "Anil, Gupta, Koren & Singer, Memory-Efficient Adaptive Optimization, NeurIPS 2019, arXiv:1901.11150",
    reference: "optax.sm3 (Optax 0.2.8)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number("momentum", \.momentum, .unitInterval, "decay of the momentum m"),
    ]
  ) { try SM3() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      accumulators: parameters.map { p in
        let size = p.shape.count < 2 ? Swift.max(p.count, 1) : p.shape.reduce(0, +)
        return Tensor.zeros([size], dtype: p.dtype)
      },
      momentum: zerosLike(parameters))
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    let gradients = updates
    step(&updates, .updates(parameters: context.parameters), gradients, &state, context: context)
  }

  public func apply(
    to parameters: inout ParameterTree, gradients: ParameterTree, state: inout State,
    context: UpdateContext
  ) throws {
    step(&parameters, .parameters, gradients, &state, context: context)
  }

  private func step(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    let kernel = Kernel(
      learningRate: learningRate.value(atStep: context.step - 1), momentum: momentum)
    var buffers = [state.accumulators, state.momentum]
    state.accumulators = ParameterTree()
    state.momentum = ParameterTree()
    runTensorKernel(
      kernel, name: "sm3", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.accumulators = buffers[0]
    state.momentum = buffers[1]
  }

  struct Kernel: TensorKernel {
    let learningRate, momentum: Double

    func run<T: TensorFloat>(_ b: TensorBuffers<T>) {
      let accumulators = b.state[0]
      let m = b.state[1]
      let eps = T(SM3.epsilon)
      let (w1, b1, negLR) = (T(1 - momentum), T(momentum), T(-learningRate))
      @inline(__always) func finish(_ i: Int, _ nu: T) {
        let g = b.gradient[i]
        let u = g * (nu > 0 ? 1 / (nu + eps).squareRoot() : 0)
        let mNew = w1 * u + b1 * m[i]
        m[i] = mNew
        b.store(b.parameter[i] + negLR * mNew, at: i)
      }
      let dims = b.shape
      if dims.count < 2 {
        for i in 0..<b.count {
          let g = b.gradient[i]
          let nu = g * g + accumulators[i]
          accumulators[i] = nu
          finish(i, nu)
        }
        return
      }
      // Offsets of each axis's accumulator in the concatenation, and the new maxima.
      var offsets = [Int](repeating: 0, count: dims.count)
      for axis in 1..<dims.count { offsets[axis] = offsets[axis - 1] + dims[axis - 1] }
      var maxima = [T](repeating: -T.infinity, count: accumulators.count)
      var index = [Int](repeating: 0, count: dims.count)
      for i in 0..<b.count {
        let g = b.gradient[i]
        var smallest = accumulators[offsets[0] + index[0]]
        for axis in 1..<dims.count {
          smallest = Swift.min(smallest, accumulators[offsets[axis] + index[axis]])
        }
        let nu = g * g + smallest
        for axis in 0..<dims.count {
          let k = offsets[axis] + index[axis]
          maxima[k] = Swift.max(maxima[k], nu)
        }
        finish(i, nu)
        // Next multi-index, last axis fastest (row-major).
        var axis = dims.count - 1
        while axis >= 0 {
          index[axis] += 1
          if index[axis] < dims[axis] { break }
          index[axis] = 0
          axis -= 1
        }
      }
      for k in 0..<accumulators.count { accumulators[k] = maxima[k] }
    }
  }
}
