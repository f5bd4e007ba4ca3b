import Descent

/// A scalable neural-network-kernel layer with ReLU features, SNNK-ReLU (Sehanobish, Choromanski,
/// Zhao, Dubey and Likhosherstov, "Scalable Neural Network Kernels", ICLR 2024, arXiv:2310.13225;
/// reference: `NNK_Relu` and `phi_relu_mapping_torch` in arijitthegame/neural-network-kernels,
/// `src/nnk/nnk.py` at 45129f5).
///
/// A dense layer x ↦ relu(Wx) is replaced by one in which the input and the parameters meet only
/// in a dot product of random features:
///
///     φ(z) = max(G z, c) / √m          G `[m, d]` fixed (a buffer), c = 0 by default
///     y_j  = φ(x) · Ψ_j                 Ψ `[out, m]` trained, initialized to φ(W₀) row by row
///
/// φ(x)·φ(w) is an unbiased estimate of E_g[relu(gᵀx) relu(gᵀw)] = ‖x‖‖w‖(sin θ + (π − θ) cos θ)/2π,
/// the order-1 arc-cosine kernel (``arcCosineKernel(_:_:)``), so at initialization y_j estimates
/// that kernel between x and the dense weight row w_j. The layer has out·m trainable parameters
/// against out·(d + 1) for `Linear(d, out)`: fewer whenever m ≤ d. Because the output is linear
/// in φ(x), a network that ends in this layer is linear in feature space and a squared-error head
/// has the closed form of ``bundledRidge(features:targets:penalty:)`` — the paper's "bundling".
///
/// `c` (the reference's `constant`) lets negative pre-activations through as in leaky ReLU;
/// inputs are used as given (the reference's `normalize` option is not carried over).
///
/// Paths: `weights` `[out, m]` (parameter, the reference's name), `projection` `[m, d]` (buffer,
/// saved with the model so a reloaded layer computes the same features; the reference keeps it in
/// a plain attribute, lost on reload).
public struct SNNKReLU: Layer {
  public var weights: Tensor
  public var projection: Tensor
  public let floor: Double

  /// A layer from `inputSize` to `outputSize` with `features` random features, Ψ = φ(W₀) for the
  /// weight W₀ `[out, in]` a `Linear` of these sizes would start from (PyTorch's default, the
  /// paper's "mam" initialization), G drawn by `projection`.
  public init(
    _ inputSize: Int, _ outputSize: Int, features: Int,
    projection kind: RandomProjection = .gaussian, floor: Double = 0, dtype: DType = .float32,
    key: RandomKey
  ) {
    let (weightKey, projectionKey) = key.split()
    let initial = Linear(inputSize, outputSize, bias: false, dtype: dtype, key: weightKey).weight
    let g = kind.matrix(rows: features, columns: inputSize, dtype: dtype, key: projectionKey)
    self.init(initialWeight: initial, projection: g, floor: floor)
  }

  /// A layer whose Ψ is φ(`initialWeight`) for the dense weight `[out, in]` and G = `projection`
  /// `[m, in]`.
  public init(initialWeight: Tensor, projection: Tensor, floor: Double = 0) {
    precondition(
      initialWeight.rank == 2 && projection.rank == 2
        && initialWeight.shape[1] == projection.shape[1],
      "SNNKReLU: the initial weight must be [out, in] and the projection [m, in], got "
        + "\(initialWeight.shape) and \(projection.shape)")
    self.projection = projection.detached()
    self.floor = floor
    weights = Self.features(initialWeight.detached(), projection: projection, floor: floor)
  }

  /// A layer with trained feature weights Ψ `[out, m]` and G `[m, in]`.
  public init(weights: Tensor, projection: Tensor, floor: Double = 0) {
    precondition(
      weights.rank == 2 && projection.rank == 2 && weights.shape[1] == projection.shape[0],
      "SNNKReLU: weights must be [out, m] and the projection [m, in], got \(weights.shape) and "
        + "\(projection.shape)")
    self.weights = weights
    self.projection = projection
    self.floor = floor
  }

  public var inputSize: Int { projection.shape[1] }
  public var outputSize: Int { weights.shape[0] }
  public var featureCount: Int { projection.shape[0] }

  /// φ(z) = max(z Gᵀ, c)/√m for the rows of `input` `[n, in]`: `[n, m]`. Differentiable in `input`
  /// (the reference's `phi_relu_mapping_torch` with `proj_matrix` given).
  public static func features(_ input: Tensor, projection: Tensor, floor: Double = 0) -> Tensor {
    precondition(
      input.rank == 2 && projection.rank == 2 && input.shape[1] == projection.shape[1],
      "SNNKReLU.features: input must be [n, \(projection.shape.last ?? 0)], got \(input.shape)")
    let m = Double(projection.shape[0])
    let z = input.matmulTransposed(projection.cast(to: input.dtype))
    let rectified = floor == 0 ? z.relu() : (z - z.scalar(floor)).relu() + z.scalar(floor)
    return rectified * z.scalar(1 / m.squareRoot())
  }

  /// φ(x) for this layer's projection.
  public func features(_ input: Tensor) -> Tensor {
    Self.features(input, projection: projection, floor: floor)
  }

  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    input.mappingFeatureRows(inputSize: inputSize, outputSize: outputSize, layer: "SNNKReLU") {
      features($0).matmulTransposed(weights)
    }
  }

  public mutating func visitParameters(prefix: String, _ visit: ParameterVisitor) {
    visit(prefix + "weights", &weights, .parameter)
    visit(prefix + "projection", &projection, .buffer)
  }
}
