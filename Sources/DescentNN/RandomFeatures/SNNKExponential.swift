import Descent

/// A scalable neural-network-kernel layer with exponential ("universal", URF) random features
/// (Sehanobish et al., "Scalable Neural Network Kernels", ICLR 2024, arXiv:2310.13225, eq. 6;
/// reference: `input_to_rfs_torch_vectorized` and `NNK` in arijitthegame/neural-network-kernels,
/// `src/nnk/nnk.py` at 45129f5).
///
/// With G `[m, d]`, per-feature rates a_r and amplitudes A_r (the reference's `ab_fun(ξ_r)` and
/// `AB_fun(ξ_r)` of sampled scalars ξ_r, precomputed here):
///
///     Φ(z)_r = A_r exp(a_r g_rᵀz − a_r² ‖z‖² / 2) / √m
///     y_j    = Φ(x) · Ψ_j,   Ψ `[out, m]` trained, initialized to Φ(W₀)
///
/// Since E_g[exp(a gᵀx − a²‖x‖²/2) exp(a gᵀw − a²‖w‖²/2)] = exp(a² xᵀw), Φ(x)·Φ(w) estimates
/// (1/m) Σ_r A_r² exp(a_r² xᵀw): any f(xᵀw) with such a Laplace-type representation. All
/// amplitudes and rates 1 give the softmax kernel exp(xᵀw) of the Performer's positive features.
/// Real a_r and A_r only: activations whose representation needs complex rates (cos, sin, the
/// reference's `a(ξ) = 2πiξ`) are not supported.
///
/// Paths: `weights` `[out, m]` (parameter), `projection` `[m, d]`, `rates` `[m]`, `amplitudes`
/// `[m]` (buffers).
public struct SNNKExponential: Layer {
  public var weights: Tensor
  public var projection: Tensor
  public var rates: Tensor
  public var amplitudes: Tensor

  /// A layer from `inputSize` to `outputSize` with `features` features, rates and amplitudes 1
  /// (the softmax kernel) unless given, Ψ = Φ(W₀) for a PyTorch-default `Linear` weight W₀.
  public init(
    _ inputSize: Int, _ outputSize: Int, features: Int,
    projection kind: RandomProjection = .gaussian, rates: [Double]? = nil,
    amplitudes: [Double]? = nil, dtype: DType = .float32, key: RandomKey
  ) {
    let (weightKey, projectionKey) = key.split()
    let initial = Linear(inputSize, outputSize, bias: false, dtype: dtype, key: weightKey).weight
    let g = kind.matrix(rows: features, columns: inputSize, dtype: dtype, key: projectionKey)
    self.init(
      initialWeight: initial, projection: g,
      rates: Tensor(rates ?? Array(repeating: 1, count: features), dtype: dtype),
      amplitudes: Tensor(amplitudes ?? Array(repeating: 1, count: features), dtype: dtype))
  }

  /// A layer whose Ψ is Φ(`initialWeight`) for the dense weight `[out, in]`, G = `projection`
  /// `[m, in]`, `rates` and `amplitudes` `[m]`.
  public init(initialWeight: Tensor, projection: Tensor, rates: Tensor, amplitudes: Tensor) {
    precondition(
      initialWeight.rank == 2 && projection.rank == 2
        && initialWeight.shape[1] == projection.shape[1],
      "SNNKExponential: the initial weight must be [out, in] and the projection [m, in], got "
        + "\(initialWeight.shape) and \(projection.shape)")
    precondition(
      rates.shape == [projection.shape[0]] && amplitudes.shape == [projection.shape[0]],
      "SNNKExponential: rates and amplitudes must be [\(projection.shape[0])], got "
        + "\(rates.shape) and \(amplitudes.shape)")
    self.projection = projection.detached()
    self.rates = rates.detached()
    self.amplitudes = amplitudes.detached()
    weights = Self.features(
      initialWeight.detached(), projection: projection, rates: rates, amplitudes: amplitudes)
  }

  public var inputSize: Int { projection.shape[1] }
  public var outputSize: Int { weights.shape[0] }
  public var featureCount: Int { projection.shape[0] }

  /// Φ(z) for the rows of `input` `[n, in]`: `[n, m]`, differentiable in `input`.
  public static func features(
    _ input: Tensor, projection: Tensor, rates: Tensor, amplitudes: Tensor
  ) -> Tensor {
    precondition(
      input.rank == 2 && projection.rank == 2 && input.shape[1] == projection.shape[1],
      "SNNKExponential.features: input must be [n, \(projection.shape.last ?? 0)], got "
        + "\(input.shape)")
    let dtype = input.dtype
    let a = rates.cast(to: dtype)
    let m = Double(projection.shape[0])
    let projected = input.matmulTransposed(projection.cast(to: dtype)) * a
    let halfSquaredNorms = (input * input).sum(axis: 1, keepDims: true) * input.scalar(0.5)
    let exponent = projected - halfSquaredNorms * (a * a)
    return exponent.exp() * amplitudes.cast(to: dtype) * input.scalar(1 / m.squareRoot())
  }

  /// Φ(x) for this layer.
  public func features(_ input: Tensor) -> Tensor {
    Self.features(input, projection: projection, rates: rates, amplitudes: amplitudes)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.mappingFeatureRows(
      inputSize: inputSize, outputSize: outputSize, layer: "SNNKExponential"
    ) { features($0).matmulTransposed(weights) }
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weights", &weights, .parameter)
    visit(prefix + "projection", &projection, .buffer)
    visit(prefix + "rates", &rates, .buffer)
    visit(prefix + "amplitudes", &amplitudes, .buffer)
  }
}
