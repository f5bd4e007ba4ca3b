import Descent

/// A symmetric linear map `v ↦ A v` on flat vectors of length ``dimension``, given only through its
/// action: every curvature tool (Hutchinson, power iteration, Lanczos, SLQ) takes one of these, so
/// the same code serves a model's loss Hessian (``HVPOracle``), a Gauss–Newton matrix
/// (``GaussNewtonOracle``) or an explicit matrix (``init(matrix:)``).
///
/// Vectors are 1-D tensors `[dimension]` of ``dtype`` (float32 or float64); the tools keep their
/// own vectors (Lanczos bases, Hutchinson accumulators) in that dtype, so a float32 model costs
/// half the memory of a float64 one. The map must be linear and symmetric: the tools do not check.
public struct LinearOperator {
  /// The length of the vectors the operator acts on.
  public let dimension: Int
  /// The dtype of those vectors.
  public let dtype: DType
  private let body: (Tensor) -> Tensor

  /// An operator from its action. `apply` receives a `[dimension]` vector of `dtype` and must
  /// return one.
  public init(dimension: Int, dtype: DType = .float64, _ apply: @escaping (Tensor) -> Tensor) {
    precondition(dimension >= 0, "LinearOperator: negative dimension \(dimension)")
    precondition(
      dtype == .float32 || dtype == .float64,
      "LinearOperator: dtype must be float32 or float64, got \(dtype)")
    self.dimension = dimension
    self.dtype = dtype
    body = apply
  }

  /// The operator `v ↦ A v` of an explicit symmetric matrix `A` `[n, n]` (one matrix-vector
  /// product per application).
  public init(matrix: Tensor) {
    precondition(
      matrix.rank == 2 && matrix.shape[0] == matrix.shape[1],
      "LinearOperator(matrix:): needs a square matrix, got shape \(matrix.shape)")
    let a = matrix.detached()
    self.init(dimension: a.shape[0], dtype: a.dtype) { a.matmul($0) }
  }

  /// `A v`, detached from any graph.
  public func callAsFunction(_ v: Tensor) -> Tensor {
    precondition(
      v.shape == [dimension] && v.dtype == dtype,
      "LinearOperator: expects a [\(dimension)] \(dtype) vector, got \(v.shape) \(v.dtype)")
    let result = body(v)
    precondition(
      result.shape == [dimension],
      "LinearOperator: the operator returned shape \(result.shape) for a [\(dimension)] vector")
    return (result.dtype == dtype ? result : result.cast(to: dtype)).detached()
  }

  /// `c · A`.
  public func scaled(by c: Double) -> LinearOperator {
    LinearOperator(dimension: dimension, dtype: dtype) { v in self(v) * v.scalar(c) }
  }
}

/// Where each tensor of a ``ParameterTree`` lives in one flat vector, to move between a tree and
/// the flat vectors that ``LinearOperator`` acts on. The order is the tree's visiting order and
/// each tensor is flattened row-major, like `torch.nn.utils.parameters_to_vector`.
///
/// Both directions are differentiable (concatenation, slices and reshapes), so a loss over a tree
/// can be written as a function of the flat vector and differentiated there.
public struct ParameterLayout: Sendable, Equatable {
  public let paths: [String]
  public let shapes: [[Int]]
  /// The start of each tensor in the flat vector.
  public let offsets: [Int]
  /// The common dtype of the tree's tensors.
  public let dtype: DType
  /// The length of the flat vector.
  public let scalarCount: Int

  /// The layout of `tree`, whose tensors must all have one floating-point dtype.
  public init(_ tree: ParameterTree) {
    let dtypes = Set(tree.tensors.map(\.dtype))
    precondition(
      dtypes.count <= 1,
      "ParameterLayout: the tree mixes dtypes \(dtypes.map(\.self)); cast it to one")
    dtype = dtypes.first ?? .float32
    precondition(
      dtype.isFloatingPoint, "ParameterLayout: parameters are \(dtype), not floating point")
    paths = tree.paths
    shapes = tree.tensors.map(\.shape)
    var offsets: [Int] = []
    var total = 0
    for tensor in tree.tensors {
      offsets.append(total)
      total += tensor.count
    }
    self.offsets = offsets
    scalarCount = total
  }

  /// The tree's tensors flattened and concatenated into one `[scalarCount]` vector.
  public func flatten(_ tree: ParameterTree) -> Tensor {
    precondition(
      tree.paths == paths, "ParameterLayout.flatten: the tree's paths differ from the layout's")
    for (tensor, shape) in zip(tree.tensors, shapes) {
      precondition(
        tensor.shape == shape,
        "ParameterLayout.flatten: shape \(tensor.shape) where the layout has \(shape)")
    }
    if tree.isEmpty { return Tensor.zeros([0], dtype: dtype) }
    return Tensor.concatenate(tree.tensors.map { $0.flattened() }, axis: 0)
  }

  /// The tree with the layout's paths and shapes whose tensors are the pieces of `vector`.
  public func unflatten(_ vector: Tensor) -> ParameterTree {
    precondition(
      vector.shape == [scalarCount],
      "ParameterLayout.unflatten: expects a [\(scalarCount)] vector, got \(vector.shape)")
    var entries: [(path: String, tensor: Tensor)] = []
    for index in paths.indices {
      let count = shapes[index].reduce(1, *)
      let piece = vector.slice(axis: 0, start: offsets[index], end: offsets[index] + count)
      entries.append((paths[index], piece.reshaped(shapes[index])))
    }
    return ParameterTree(entries)
  }
}

// MARK: - Vector helpers shared by the algorithms

/// `⟨a, b⟩` as a Double.
func inner(_ a: Tensor, _ b: Tensor) -> Double { a.dot(b).item }

/// `‖a‖₂`.
func norm(_ a: Tensor) -> Double { inner(a, a).squareRoot() }

/// `a − c·b`.
func subtracting(_ a: Tensor, _ c: Double, _ b: Tensor) -> Tensor { a - b * b.scalar(c) }

/// `c·a`.
func scaled(_ a: Tensor, _ c: Double) -> Tensor { a * a.scalar(c) }
