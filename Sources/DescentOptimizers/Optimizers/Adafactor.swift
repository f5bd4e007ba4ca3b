import Descent
import Foundation

/// Adafactor: Adam-like steps without a first moment and with a factored second moment (one row
/// and one column vector per matrix instead of a full matrix), relative step sizes and update
/// clipping. Step for step as PyTorch's `torch.optim.Adafactor`.
///
/// Per tensor, at step t (ε1 = the dtype's machine epsilon unless set):
/// ```
/// g ← ∇f(θₜ₋₁)                              (−∇f when maximize)
/// β̂ ← t^beta2Decay                          (the weight of the new statistics; 1 at t = 1)
/// ρ ← min(learningRate, 1/√t)
/// a ← max(epsilon2, ‖θₜ₋₁‖/√n) · ρ           (n elements; the norm before weight decay)
/// if weightDecay ≠ 0:  θ ← θ · (1 − learningRate · weightDecay)
/// matrices (≥ 2 dimensions, factored over the last two, R × C, leading ones batched):
///   r ← lerp(r, mean over columns of g², β̂)     c ← lerp(c, mean over rows of g², β̂)
///   v̂ ← r cᵀ / max(mean(r), ε1)
/// vectors and scalars:  v ← lerp(v, g², β̂),  v̂ ← v
/// u ← g / √max(v̂, ε1²)
/// θₜ ← θ − a / max(1, ‖u‖ / (√n · clipThreshold)) · u
/// ```
///
/// Paper: Shazeer & Stern, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"
/// (ICML 2018, arXiv:1804.04235).
///
/// Defaults (PyTorch 2.13): learningRate 1e-2, beta2Decay −0.8, epsilon1 nil (machine epsilon
/// of the parameter's dtype; `--set epsilon1=0` selects it), epsilon2 1e-3, clipThreshold
/// (torch's `d`) 1, weightDecay 0 (decoupled, scaled by the learning rate), maximize false.
///
/// Deviations: none from PyTorch (which, like the paper's Algorithm 4 without β1, has no first
/// moment). Other Adafactors differ and are not reproduced:
/// - MLX-Swift's `Adafactor` (MLXOptimizers, after the paper and Hugging Face's port) adds ε1
///   (default 1e-30) to g² instead of clamping v̂, clips by the RMS of the update
///   (`u / max(1, rms(u)/clipThreshold)`), uses relative steps `min(1e-2, 1/√t)` only when no
///   learning rate is given (`relativeStep`, `warmupInit`), scales by the parameter RMS only with
///   `scaleParameter`, has an optional first moment (`beta1`), and factors only 2-D-or-more
///   tensors with its `decayRate` −0.8 on `t` (`1 − t^decayRate` as the *old* weight).
/// - Optax's `optax.adafactor` factors only when two dimensions have at least 128 elements
///   (`min_dim_size_to_factor`), uses `decay_rate` 0.8 as `1 − t^−0.8`, adds `eps` 1e-30 to g²,
///   clips by the update's RMS, multiplies by the parameter scale (`max(1e-3, rms(θ))`), has an
///   optional momentum, and takes the learning rate from the caller (no 1/√t cap).
///
/// Not elementwise: each tensor's norms and row/column means precede its update.
///
/// State: the step count; per parameter, for matrices the row factor r (shape […, R, 1]) and
/// column factor c (shape […, 1, C]), for vectors and scalars the full v (the unused ones are
/// empty tensors).
public struct Adafactor: GradientTransformation, CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var beta2Decay: Double
  /// Clamps v̂ from below (squared) and the mean of the row factor; nil: the dtype's epsilon.
  public var epsilon1: Double?
  public var epsilon2: Double
  public var clipThreshold: Double
  public var weightDecay: Double
  public var maximize: Bool

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    /// The row factor r of each matrix (empty for vectors).
    public var rowVariance: ParameterTree
    /// The column factor c of each matrix (empty for vectors).
    public var columnVariance: ParameterTree
    /// The full second moment v of each vector or scalar (empty for matrices).
    public var variance: ParameterTree
  }

  public init(
    learningRate: Hyperparameter = 1e-2, beta2Decay: Double = -0.8, epsilon1: Double? = nil,
    epsilon2: Double = 1e-3, clipThreshold: Double = 1, weightDecay: Double = 0,
    maximize: Bool = false
  ) throws {
    self.learningRate = learningRate
    self.beta2Decay = beta2Decay
    self.epsilon1 = epsilon1
    self.epsilon2 = epsilon2
    self.clipThreshold = clipThreshold
    self.weightDecay = weightDecay
    self.maximize = maximize
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<Adafactor>(
    name: "adafactor",
    summary: "factored second moment (row and column means), relative step min(lr, 1/√t)·rms(θ), update clipping",
    paper:
      "Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost, ICML 2018, arXiv:1804.04235",
    reference: "torch.optim.Adafactor (PyTorch 2.13)",
    hyperparameters: [
      .learningRate(\.learningRate, "caps the relative step ρ = min(learningRate, 1/√t)"),
      .number(
        "beta2Decay", \.beta2Decay, .finite,
        "≤ 0: the new statistics weigh t^beta2Decay (1 at the first step)"),
      HyperparameterDeclaration(
        name: "epsilon1", constraint: .nonNegative,
        description: "floor of v̂ (squared) and of mean(r); 0 = the dtype's machine epsilon",
        read: { .number($0.epsilon1 ?? 0) },
        write: { optimizer, value in optimizer.epsilon1 = value.number == 0 ? nil : value.number }
      ),
      .number("epsilon2", \.epsilon2, .nonNegative, "floor of the parameter RMS in the step size"),
      .number(
        "clipThreshold", \.clipThreshold, .positive,
        "torch's d: the update is scaled down when its RMS exceeds this"),
      .decoupledWeightDecay(\.weightDecay),
      .maximize(\.maximize),
    ]
  ) { try Adafactor() }

  public func validate() throws {
    try Self.catalogueEntry.check(self)
    try Validate.check(
      beta2Decay <= 0, in: "adafactor",
      "beta2Decay = \(Validate.format(beta2Decay)) is invalid: must be ≤ 0")
  }

  public func initialState(for parameters: ParameterTree) -> State {
    func empty(_ p: Tensor) -> Tensor { Tensor.zeros([0], dtype: p.dtype) }
    return State(
      step: 0,
      rowVariance: parameters.map { p in
        p.shape.count > 1 ? Tensor.zeros(Array(p.shape.dropLast()) + [1], dtype: p.dtype) : empty(p)
      },
      columnVariance: parameters.map { p in
        guard p.shape.count > 1 else { return empty(p) }
        var shape = p.shape
        shape[shape.count - 2] = 1
        return Tensor.zeros(shape, dtype: p.dtype)
      },
      variance: parameters.map { p in p.shape.count > 1 ? empty(p) : Tensor.zeros(like: p) })
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
    state.step += 1
    let t = Double(state.step)
    let lr = learningRate.value(atStep: context.step - 1)
    let kernel = Kernel(
      learningRate: lr, newWeight: pow(t, beta2Decay), rho: Swift.min(lr, 1 / pow(t, 0.5)),
      epsilon1: epsilon1, epsilon2: epsilon2, clipThreshold: clipThreshold,
      weightDecay: weightDecay, maximize: maximize)
    var buffers = [state.rowVariance, state.columnVariance, state.variance]
    state.rowVariance = ParameterTree()
    state.columnVariance = ParameterTree()
    state.variance = ParameterTree()
    runTensorKernel(
      kernel, name: "adafactor", into: &target, mode: mode, gradients: gradients, state: &buffers)
    state.rowVariance = buffers[0]
    state.columnVariance = buffers[1]
    state.variance = buffers[2]
  }

  struct Kernel: TensorKernel {
    let learningRate, newWeight, rho: Double
    let epsilon1: Double?
    let epsilon2, clipThreshold, weightDecay: Double
    let maximize: Bool

    func run<T: TensorFloat>(_ b: TensorBuffers<T>) {
      let n = b.count
      let eps1 = T(epsilon1 ?? Double(T.ulpOfOne))
      let floor = eps1 * eps1
      let w = T(newWeight)
      let small = abs(newWeight) < 0.5
      // torch's lerp(old, new, w).
      @inline(__always) func lerp(_ old: T, _ new: T) -> T {
        small ? old + w * (new - old) : new - (new - old) * (1 - w)
      }
      @inline(__always) func gradient(_ i: Int) -> T { maximize ? -b.gradient[i] : b.gradient[i] }
      let rootN = pow(Double(n), 0.5)
      let alpha = Swift.max(epsilon2, euclideanNorm(b.parameter, n) / rootN) * rho
      // v̂ at element i: from the factors (matrices) or the full v.
      let estimate: (Int) -> T
      if b.shape.count > 1 {
        let rows = b.shape[b.shape.count - 2]
        let columns = b.shape[b.shape.count - 1]
        let r = b.state[0]
        let c = b.state[1]
        let batches = rows * columns == 0 ? 0 : n / (rows * columns)
        var rowMeans = [T](repeating: 0, count: batches)
        for batch in 0..<batches {
          let base = batch * rows * columns
          for row in 0..<rows {
            var sum = T(0)
            for col in 0..<columns {
              let g = gradient(base + row * columns + col)
              sum += g * g
            }
            // ‖g_row‖² / C, as torch's norm(…).square_().div_(C).
            let norm = sum.squareRoot()
            r[batch * rows + row] = lerp(r[batch * rows + row], norm * norm / T(columns))
          }
          for col in 0..<columns {
            var sum = T(0)
            for row in 0..<rows {
              let g = gradient(base + row * columns + col)
              sum += g * g
            }
            let norm = sum.squareRoot()
            c[batch * columns + col] = lerp(c[batch * columns + col], norm * norm / T(rows))
          }
          var total = T(0)
          for row in 0..<rows { total += r[batch * rows + row] }
          rowMeans[batch] = Swift.max(total / T(rows), eps1)
        }
        estimate = { i in
          let batch = i / (rows * columns)
          let within = i - batch * rows * columns
          let row = within / columns
          let col = within - row * columns
          return r[batch * rows + row] * c[batch * columns + col] / rowMeans[batch]
        }
      } else {
        let v = b.state[2]
        for i in 0..<n {
          let g = gradient(i)
          v[i] = lerp(v[i], g * g)
        }
        estimate = { i in v[i] }
      }
      // u = g / √max(v̂, ε1²): its norm first (the clipping factor), then the step.
      var sum = 0.0
      for i in 0..<n {
        let u = gradient(i) * (1 / Swift.max(estimate(i), floor).squareRoot())
        sum += Double(u) * Double(u)
      }
      let denom = Swift.max(1, sum.squareRoot() / (rootN * clipThreshold))
      let scale = T(-alpha / denom)
      let decay = T(1 - learningRate * weightDecay)
      for i in 0..<n {
        let u = gradient(i) * (1 / Swift.max(estimate(i), floor).squareRoot())
        var p = b.parameter[i]
        if weightDecay != 0 { p = p * decay }
        b.store(p + scale * u, at: i)
      }
    }
  }
}
