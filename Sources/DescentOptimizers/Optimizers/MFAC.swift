import Descent

/// M-FAC: preconditioned gradient descent with the inverse of an empirical Fisher built from the
/// last m gradients (the dynamic algorithm).
///
/// ```
/// g ← ∇f(θₜ₋₁) + weightDecay · θₜ₋₁                  (over all parameters, flattened)
/// push g into the ring buffer of the last m gradients (the oldest is dropped)
/// u ← F̂⁻¹ g,   F̂ = damping · I + (1/m) Σᵢ gᵢ gᵢᵀ      (``MFACInverseFisher``, O(dm + m²))
/// if momentum > 0:  v ← momentum · v + (1 − momentum) · u;  u ← v      (v₀ = 0)
/// θₜ ← θₜ₋₁ − learningRate · u
/// ```
///
/// The buffer starts as m zero gradients and the 1/m is always the capacity m, also while fewer
/// than m gradients have arrived (the first step is u = g / (damping + ‖g‖²/m)).
///
/// Paper: Frantar, Kurtic & Alistarh, "M-FAC: Efficient Matrix-Free Approximations of
/// Second-Order Information" (NeurIPS 2021, arXiv:2107.03356). Reference: IST-DASLab/M-FAC
/// `optim.py` (commit 835320e, MIT), class `MFAC` with `HInvFastUpMulti`: this type matches it step
/// for step in float64 (MFACTests, Golden/mfac.json from scripts/golden/make_mfac_golden.py).
///
/// Defaults (the reference's): learningRate 1e-3, numGradients 1024 (`ngrads`), damping 1e-5
/// (`damp`), momentum 0, weightDecay 0.
///
/// Deviations: the buffer and the arithmetic are in float64 (the reference keeps float32 on the
/// GPU); the coefficient refresh runs on the CPU. Memory is m·d doubles: lower `numGradients`
/// for large models. Not implemented: the reference's `sparse` mask (weights that start at exactly
/// zero stay out of the buffer). Extra, off by default: `momentumStyle: .heavyBall`
/// (v ← momentum · v + u, Descent's earlier rule).
///
/// State: the step count, the ``MFACInverseFisher`` and the momentum buffer (flat, float64).
public struct MFAC: CataloguedOptimizer {
  public var learningRate: Hyperparameter
  public var numGradients: Int
  public var damping: Double
  public var momentum: Double
  public var weightDecay: Double
  public var momentumStyle: MomentumStyle

  /// How momentum accumulates the preconditioned direction u = F̂⁻¹g (v₀ = 0 in both).
  public enum MomentumStyle: String, Codable, Sendable, CaseIterable {
    /// v ← momentum · v + (1 − momentum) · u: the reference `MFAC`'s rule (the default).
    case average
    /// v ← momentum · v + u: heavy ball without dampening, as `torch.optim.SGD`.
    case heavyBall
  }

  public struct State: Codable, Sendable, Equatable {
    public var step: Int
    public var inverse: MFACInverseFisher
    public var momentumBuffer: [Double]
  }

  public init(
    learningRate: Hyperparameter = 1e-3, numGradients: Int = 1024, damping: Double = 1e-5,
    momentum: Double = 0, weightDecay: Double = 0, momentumStyle: MomentumStyle = .average
  ) throws {
    self.learningRate = learningRate
    self.numGradients = numGradients
    self.damping = damping
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.momentumStyle = momentumStyle
    try validate()
  }

  public static let catalogueEntry = OptimizerDescription<MFAC>(
    name: "mfac",
    summary: "gradient preconditioned by the inverse empirical Fisher of the last m gradients",
    paper:
      "Frantar, Kurtic & Alistarh, M-FAC: Efficient Matrix-Free Approximations of Second-Order Information, NeurIPS 2021, arXiv:2107.03356",
    reference:
      "IST-DASLab/M-FAC optim.py MFAC @835320e, scripts/golden/make_mfac_golden.py (float64 parity)",
    group: .curvature,
    hyperparameters: [
      .learningRate(\.learningRate),
      .integer(
        "numGradients", \.numGradients, atLeast: 1,
        "m, gradients in the ring buffer (memory m·d doubles)"),
      .number("damping", \.damping, .positive, "λ in F̂ = λI + (1/m)Σ gᵢgᵢᵀ"),
      .number(
        "momentum", \.momentum, .unitInterval,
        "μ in v ← μv + (1 − μ)F̂⁻¹g, the step −learningRate·v"),
      .number(
        "weightDecay", \.weightDecay, .nonNegative,
        "added to the gradient before preconditioning"),
    ]
  ) { try MFAC() }

  public func initialState(for parameters: ParameterTree) -> State {
    State(
      step: 0,
      inverse: MFACInverseFisher(
        dimension: parameters.scalarCount, capacity: numGradients, damping: damping),
      momentumBuffer: [])
  }

  public func update(_ updates: inout ParameterTree, state: inout State, context: UpdateContext)
    throws
  {
    state.step += 1
    var g = flatten(updates)
    if weightDecay > 0 {
      let theta = flatten(context.parameters)
      for k in g.indices { g[k] += weightDecay * theta[k] }
    }
    state.inverse.add(g)
    var direction = state.inverse.multiply(g)
    if momentum > 0 {
      if state.momentumBuffer.isEmpty {
        state.momentumBuffer = [Double](repeating: 0, count: direction.count)
      }
      let decay = momentum
      let gain = momentumStyle == .average ? 1 - momentum : 1
      for k in direction.indices {
        state.momentumBuffer[k] = decay * state.momentumBuffer[k] + gain * direction[k]
      }
      direction = state.momentumBuffer
    }
    let scale = -learningRate.value(atStep: context.step - 1)
    var offset = 0
    for i in 0..<updates.count {
      let tensor = updates[index: i]
      let n = tensor.count
      let slice = direction[offset..<(offset + n)].map { $0 * scale }
      updates[index: i] = Tensor(slice, shape: tensor.shape, dtype: tensor.dtype)
      offset += n
    }
  }

  private func flatten(_ tree: ParameterTree) -> [Double] {
    var flat: [Double] = []
    flat.reserveCapacity(tree.scalarCount)
    for tensor in tree.tensors {
      switch tensor.dtype {
      case .float64: flat += tensor.scalars(as: Double.self)
      case .float32: flat += tensor.scalars(as: Float.self).map(Double.init)
      default: preconditionFailure("mfac: \(tensor.dtype) parameters are not trainable")
      }
    }
    return flat
  }
}
