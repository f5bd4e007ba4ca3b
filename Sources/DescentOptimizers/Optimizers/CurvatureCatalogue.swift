import Descent

extension OptimizerCatalogue {
  /// `mfac`, `sophia` (SophiaG) and `sophiah`: resolved by ``info(named:)`` but kept out of
  /// ``all``, whose entries share the gradient-only golden parity table and are `descent
  /// compare`'s default set. Their parity evidence is MFACTests' and SophiaTests' golden files
  /// (IST-DASLab M-FAC, the official Sophia equations, pytorch_optimizer's SophiaH); `mfac` and
  /// `sophiah` have rows in the shared convergence table (ConvergenceTableTests), `sophia` cannot
  /// (it needs labels sampled from a model's softmax).
  ///
  /// `sophia` runs on the plain ``Optimizer/step(_:gradients:loss:lossFunction:curvature:)`` path, but
  /// without its one extra call (``SophiaG/updateHessianEstimate(gradientOnSampledLabels:)``,
  /// reached through `optimizer.transformation as? SophiaG`) h stays zero and every step is the
  /// clipped sign step `−learningRate·sign(m)`. `sophiah` needs `lossFunction:` on every step.
  public static let curvatureOptimizers: [OptimizerInfo] = [mfac, sophia, sophiah]

  private static func numberInfo(_ name: String, _ value: Double, _ text: String, _ valid: String)
    -> HyperparameterInfo
  {
    HyperparameterInfo(
      name: name, defaultValue: .number(value), description: text, validValues: valid)
  }

  private static func flagInfo(_ name: String, _ value: Bool, _ text: String)
    -> HyperparameterInfo
  {
    HyperparameterInfo(
      name: name, defaultValue: .boolean(value), description: text, validValues: "true|false")
  }

  private static func integer(_ s: OptimizerSettings, _ name: String, in optimizer: String) throws
    -> Int
  {
    let x = s.number(name)
    guard x == x.rounded(), x >= 1, x <= 1e9 else {
      throw OptimizerError.invalidHyperparameter(
        "\(optimizer): \(name)=\(Validate.format(x)) is invalid: must be a positive integer")
    }
    return Int(x)
  }

  static let mfac = OptimizerInfo(
    name: "mfac",
    summary: "gradient preconditioned by the inverse empirical Fisher of the last m gradients",
    paper:
      "Frantar, Kurtic & Alistarh, M-FAC: Efficient Matrix-Free Approximations of Second-Order Information, NeurIPS 2021, arXiv:2107.03356",
    reference:
      "IST-DASLab/M-FAC optim.py MFAC @835320e, scripts/golden/make_mfac_golden.py (float64 parity)",
    hyperparameters: [
      numberInfo("learningRate", 1e-3, "step size (a schedule in code; a constant here)", "≥ 0"),
      numberInfo(
        "numGradients", 1024, "m, gradients in the ring buffer (memory m·d doubles)", "integer ≥ 1"),
      numberInfo("damping", 1e-5, "λ in F̂ = λI + (1/m)Σ gᵢgᵢᵀ", "> 0"),
      numberInfo(
        "momentum", 0, "μ in v ← μv + (1 − μ)F̂⁻¹g, the step −learningRate·v", "[0, 1)"),
      numberInfo("weightDecay", 0, "added to the gradient before preconditioning", "≥ 0"),
    ]
  ) { s in
    try MFAC(
      learningRate: Hyperparameter(s.number("learningRate")),
      numGradients: integer(s, "numGradients", in: "mfac"), damping: s.number("damping"),
      momentum: s.number("momentum"), weightDecay: s.number("weightDecay"))
  }

  static let sophia = OptimizerInfo(
    name: "sophia",
    summary: "SophiaG: clipped m/(ρ·bs·h) with the Gauss–Newton–Bartlett Hessian estimate",
    paper:
      "Liu, Li, Hall, Liang & Ma, Sophia: A Scalable Stochastic Second-order Optimizer for Language Model Pre-training, ICLR 2024, arXiv:2305.14342",
    reference:
      "official SophiaG (Liuhong99/Sophia sophia.py), scripts/golden/make_sophia_golden.py",
    hyperparameters: [
      numberInfo("learningRate", 1e-4, "step size (a schedule in code; a constant here)", "≥ 0"),
      numberInfo("beta1", 0.965, "decay of the gradient EMA m", "[0, 1)"),
      numberInfo("beta2", 0.99, "decay of the Hessian-estimate EMA h", "[0, 1)"),
      numberInfo("rho", 0.04, "ρ, scale of h in the clipped ratio", "≥ 0"),
      numberInfo("weightDecay", 0.1, "decoupled decay θ·(1 − lr·weightDecay)", "≥ 0"),
      numberInfo("batchSize", 5120, "bs, examples (tokens) per batch in ρ·bs·h", "> 0"),
      numberInfo(
        "hessianUpdateInterval", 10, "k: estimate h after every k-th step", "integer ≥ 1"),
    ]
  ) { s in
    try SophiaG(
      learningRate: Hyperparameter(s.number("learningRate")), beta1: s.number("beta1"),
      beta2: s.number("beta2"), rho: s.number("rho"), weightDecay: s.number("weightDecay"),
      batchSize: s.number("batchSize"),
      hessianUpdateInterval: integer(s, "hessianUpdateInterval", in: "sophia"))
  }

  static let sophiah = OptimizerInfo(
    name: "sophiah",
    summary: "Sophia with the Hutchinson estimate u ⊙ Hu of the Hessian diagonal",
    paper: sophia.paper,
    reference:
      "pytorch_optimizer 4.1.0 SophiaH (defaults and update; injected probes), scripts/golden/make_sophia_golden.py",
    hyperparameters: [
      numberInfo("learningRate", 6e-2, "step size (a schedule in code; a constant here)", "≥ 0"),
      numberInfo("beta1", 0.96, "decay of the gradient EMA m", "[0, 1)"),
      numberInfo("beta2", 0.99, "decay of the Hessian-estimate EMA h", "[0, 1)"),
      numberInfo("weightDecay", 0, "decoupled decay θ·(1 − lr·weightDecay)", "≥ 0"),
      flagInfo("decoupledWeightDecay", true, "decoupled decay (false: g + weightDecay·θ)"),
      flagInfo("fixedDecay", false, "decoupled decay θ·(1 − weightDecay), not scaled by lr"),
      numberInfo("clip", 1e-2, "the update m/max(h, ε) is clamped to [−clip, clip]", "≥ 0"),
      numberInfo(
        "hessianUpdateInterval", 10, "k: a Hutchinson estimate every k steps", "integer ≥ 1"),
      numberInfo("samples", 1, "probes per Hutchinson estimate (averaged)", "integer ≥ 1"),
      flagInfo("rademacher", false, "Rademacher (±1) probes instead of Gaussian"),
      numberInfo("epsilon", 1e-12, "floor of h in the ratio", "≥ 0"),
      flagInfo("maximize", false, "ascend the objective (gradient negated first)"),
    ]
  ) { s in
    try SophiaH(
      learningRate: Hyperparameter(s.number("learningRate")), beta1: s.number("beta1"),
      beta2: s.number("beta2"), weightDecay: s.number("weightDecay"),
      decoupledWeightDecay: s.flag("decoupledWeightDecay"), fixedDecay: s.flag("fixedDecay"),
      clip: s.number("clip"),
      hessianUpdateInterval: integer(s, "hessianUpdateInterval", in: "sophiah"),
      samples: integer(s, "samples", in: "sophiah"),
      probeDistribution: s.flag("rademacher") ? .rademacher : .gaussian,
      epsilon: s.number("epsilon"), maximize: s.flag("maximize"))
  }
}
