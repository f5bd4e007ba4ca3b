import CDescentKernels
import Descent

/// AdaGrad-Norm: gradient descent with one scalar AdaGrad step size for all parameters, the base
/// optimizer of AdAdaGrad's adaptive batch sizes.
///
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// if weightDecay ≠ 0:  g ← g + weightDecay · θₜ₋₁
/// v ← v + ‖g‖²                              (the squared norm over all parameters; v₀ = initialAccumulatorValue)
/// θₜ ← θₜ₋₁ − learningRate · g / (√v + ε)
/// ```
///
/// Papers: Ward, Wu & Bottou, "AdaGrad stepsizes: sharp convergence over nonconvex landscapes"
/// (ICML 2019, arXiv:1806.01811), where bₜ² = v; Lau, Liu & Kolar, "AdAdaGrad: Adaptive Batch Size
/// Schemes for Adaptive Gradient Methods" (2024, arXiv:2402.11215).
///
/// Defaults: learningRate 1e-2, initialAccumulatorValue 0, epsilon 1e-10, weightDecay 0,
/// maximize false — those of `torch.optim.Adagrad`, which AdAdaGrad's experiments run. With
/// v₀ = 0 the first step is `−learningRate · g/‖g‖` (a normalized gradient step of length
/// learningRate); ε only guards a zero first gradient. Ward et al. write v₀ = b₀² > 0: set
/// `initialAccumulatorValue` to b₀² for their form.
///
/// Deviations: there is no PyTorch implementation; the golden reference is the rule above written
/// in PyTorch ops (scripts/golden/make_optimizer_golden.py). AdAdaGrad's `adagradnorm.py` is
/// row-wise rather than global and decays weights by the gradient; neither is reproduced.
///
/// Not elementwise: a norm pass over the gradients precedes the update pass.
///
/// State: the step count and the scalar accumulator v (a Double).
public struct AdaGradNorm: FusedOptimizer, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var initialAccumulatorValue: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var maximize: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var accumulator: Double
  }

  public init(
    learningRate: Hyperparameter = 1e-2, initialAccumulatorValue: Double = 0,
    epsilon: Double = 1e-10, weightDecay: Double = 0, maximize: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.initialAccumulatorValue = initialAccumulatorValue
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.maximize = maximize
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<AdaGradNorm>(
    name: "adagradnorm",
    summary: "one scalar AdaGrad step size: v ← v + ‖g‖², θ ← θ − η·g/(√v + ε)",
    paper:
      "Ward, Wu & Bottou, AdaGrad stepsizes, ICML 2019, arXiv:1806.01811; base of AdAdaGrad (Lau, Liu & Kolar, arXiv:2402.11215, 2024)",
    reference: "the rule written in PyTorch ops (scripts/golden/make_optimizer_golden.py)",
    hyperparameters: [
      .learningRate(\.learningRate),
      .number(
        "initialAccumulatorValue", \.initialAccumulatorValue, .nonNegative,
        "v₀; with 0 the first step is −η·g/‖g‖ (Ward et al.'s b₀²)"),
      .number("epsilon", \.epsilon, .nonNegative, "added to √v"),
      .coupledWeightDecay(\.weightDecay),
      .maximize(\.maximize),
    ]
  ) { try AdaGradNorm() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(step: 0, accumulator: initialAccumulatorValue)
  }

  /// One step as a single fused pass (``FusedOptimizer`` derives `update` and `apply` from it).
  public func fusedStep(
    _ target: inout ParameterTree, _ mode: FusedTarget, _ gradients: ParameterTree,
    _ state: inout State, context: UpdateContext
  ) {
    state.step += 1
    // In its own function, so that no second reference to the parameters outlives the norm pass
    // (the update pass below then writes them in place).
    if case .updates(let parameters) = mode {
      state.accumulator += squaredNorm(gradients, parameters)
    } else {
      state.accumulator += squaredNorm(gradients, target)
    }
    let kernel = Kernel(
      stepSize: learningRate.value(atStep: context.step - 1),
      denominator: state.accumulator.squareRoot() + epsilon, weightDecay: weightDecay,
      maximize: maximize)
    var buffers: [ParameterTree] = []
    runFusedKernel(
      kernel, name: "adagradnorm", into: &target, mode: mode, gradients: gradients,
      state: &buffers)
  }

  /// ‖g + weightDecay·θ‖² over all tensors, in a fixed order.
  private func squaredNorm(_ gradients: ParameterTree, _ parameters: ParameterTree) -> Double {
    var total = 0.0
    for i in 0..<gradients.count {
      total += effectiveGradientSquaredNorm(gradients[index: i], parameters[index: i])
    }
    return total
  }

  /// ‖g + weightDecay·θ‖² of one tensor, accumulated in Double: fixed blocks of
  /// ``normBlock`` elements, summed in parallel and combined in index order, so the result does not
  /// depend on the thread count.
  private func effectiveGradientSquaredNorm(_ gradient: Tensor, _ parameter: Tensor) -> Double {
    let decay = weightDecay != 0
    func sum<T: TensorFloat>(
      _: T.Type, _ block: (UnsafePointer<T>, UnsafePointer<T>, Int) -> Double
    )
      -> Double
    {
      gradient.withUnsafeBufferPointer(as: T.self) { g in
        parameter.withUnsafeBufferPointer(as: T.self) { p in
          let count = g.count
          let blocks = (count + Self.normBlock - 1) / Self.normBlock
          if blocks == 0 { return 0 }
          let partial = UnsafeMutablePointer<Double>.allocate(capacity: blocks)
          defer { partial.deallocate() }
          Parallelism.forEachChunk(count: blocks, grain: 4) { chunk in
            for k in chunk {
              let start = k * Self.normBlock
              let n = Swift.min(Self.normBlock, count - start)
              partial[k] = block(g.baseAddress! + start, p.baseAddress! + start, n)
            }
          }
          var total = 0.0
          for k in 0..<blocks { total += partial[k] }
          return total
        }
      }
    }
    switch gradient.dtype {
    case .float32:
      return sum(Float.self) { g, p, n in
        descent_sum_squares_f32(g, p, n, decay ? 1 : 0, Float(weightDecay))
      }
    case .float64:
      return sum(Double.self) { g, p, n in
        Self.sumOfSquares(g, p, n, decay: decay, weightDecay: weightDecay)
      }
    default: preconditionFailure("adagradnorm: \(gradient.dtype) gradients are not trainable")
    }
  }

  /// Elements per block of the norm pass (fixed: the sum must not depend on the thread count).
  static let normBlock = 1 << 14

  /// Σ (g + wd·p)² of one block of doubles, in the order of CDescentKernels'
  /// `descent_sum_squares_f32`: element i into accumulator i mod 32 (four vectors of eight), the
  /// vectors added pairwise and then their lanes.
  private static func sumOfSquares(
    _ g: UnsafePointer<Double>, _ p: UnsafePointer<Double>, _ n: Int, decay: Bool,
    weightDecay: Double
  ) -> Double {
    func load(_ i: Int) -> SIMD8<Double> {
      let x = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Double>.self)
      if !decay { return x }
      return x + weightDecay * UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Double>.self)
    }
    var acc = (SIMD8<Double>(), SIMD8<Double>(), SIMD8<Double>(), SIMD8<Double>())
    var i = 0
    while i + 32 <= n {
      let (e0, e1, e2, e3) = (load(i), load(i + 8), load(i + 16), load(i + 24))
      acc.0 += e0 * e0
      acc.1 += e1 * e1
      acc.2 += e2 * e2
      acc.3 += e3 * e3
      i += 32
    }
    var lanes = [acc.0, acc.1, acc.2, acc.3]
    while i < n {
      let e = decay ? g[i] + weightDecay * p[i] : g[i]
      lanes[(i >> 3) & 3][i & 7] += e * e
      i += 1
    }
    let s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
  }

  struct Kernel: FusedKernel {
    let stepSize, denominator, weightDecay: Double
    let maximize: Bool

    func run<T: TensorFloat>(_ b: FusedBuffers<T>, _ range: Range<Int>) {
      let wd = T(weightDecay)
      let negStep = T(-stepSize)
      let d = T(denominator)
      if let c = b.inPlaceFloat32(range), !maximize, float32DecayIsExact(weightDecay) {
        descent_adagradnorm_step_f32(
          c.parameter, c.gradient, c.count, Float(-stepSize), Float(denominator),
          weightDecay != 0 ? 1 : 0, Float(weightDecay))
        return
      }
      for i in range {
        let p = b.parameter[i]
        var g = maximize ? -b.gradient[i] : b.gradient[i]
        if weightDecay != 0 { g = g + wd * p }
        b.store(p + negStep * g / d, at: i)
      }
    }
  }
}
