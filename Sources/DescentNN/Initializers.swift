import Descent

/// Weight initialization schemes with PyTorch's `torch.nn.init` definitions, all seeded by a
/// ``RandomKey`` (the values differ from PyTorch's, whose generator is different; the
/// distributions are the same).
///
/// Fans follow `torch.nn.init._calculate_fan_in_and_fan_out`: for a weight `[out, in, k…]`,
/// `fanIn = in · ∏k` and `fanOut = out · ∏k`.
public enum Initializer {
  /// Which fan scales a Kaiming initialization: `fanIn` preserves the forward pass's variance,
  /// `fanOut` the backward pass's.
  public enum FanMode: Sendable {
    case fanIn
    case fanOut
  }

  /// The nonlinearities of `torch.nn.init.calculate_gain`.
  public enum Nonlinearity: Sendable {
    case linear
    case sigmoid
    case tanh
    case relu
    case leakyRelu(negativeSlope: Double)
    case selu
  }

  /// PyTorch's recommended gain: 1 (linear, sigmoid), 5/3 (tanh), √2 (ReLU), `√(2/(1 + a²))`
  /// (leaky ReLU with slope `a`), 3/4 (SELU).
  public static func gain(_ nonlinearity: Nonlinearity) -> Double {
    switch nonlinearity {
    case .linear, .sigmoid: 1
    case .tanh: 5.0 / 3
    case .relu: 2.0.squareRoot()
    case .leakyRelu(let a): (2 / (1 + a * a)).squareRoot()
    case .selu: 0.75
    }
  }

  /// `(fanIn, fanOut)` of a weight shape (rank ≥ 2; a vector has fan-in = fan-out = its length,
  /// which PyTorch rejects for these schemes).
  public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    precondition(!shape.isEmpty, "Initializer.fans: needs a rank ≥ 1 shape, got \(shape)")
    if shape.count == 1 { return (shape[0], shape[0]) }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  /// `U(low, high)`.
  public static func uniform(
    _ shape: [Int], low: Double, high: Double, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, dtype: dtype, key: key)
  }

  /// `N(mean, std²)`.
  public static func normal(
    _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    Tensor.normal(shape, mean: mean, std: std, dtype: dtype, key: key)
  }

  /// Xavier/Glorot uniform (Glorot & Bengio 2010): `U(±gain·√(6/(fanIn + fanOut)))`.
  public static func xavierUniform(
    _ shape: [Int], gain: Double = 1, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    let (fanIn, fanOut) = fans(shape)
    let bound = gain * (6 / Double(fanIn + fanOut)).squareRoot()
    return uniform(shape, low: -bound, high: bound, dtype: dtype, key: key)
  }

  /// Xavier/Glorot normal: `N(0, gain²·2/(fanIn + fanOut))`.
  public static func xavierNormal(
    _ shape: [Int], gain: Double = 1, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    let (fanIn, fanOut) = fans(shape)
    return normal(
      shape, std: gain * (2 / Double(fanIn + fanOut)).squareRoot(), dtype: dtype, key: key)
  }

  /// Kaiming/He uniform (He et al. 2015): `U(±gain·√(3/fan))`. The default gain is ReLU's (√2),
  /// as PyTorch's `kaiming_uniform_(a=0)`; `nn.Linear` and `nn.Conv2d` use
  /// `gain(.leakyRelu(negativeSlope: √5))`, which gives `U(±1/√fanIn)`.
  public static func kaimingUniform(
    _ shape: [Int], gain: Double = 2.0.squareRoot(), mode: FanMode = .fanIn,
    dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    let (fanIn, fanOut) = fans(shape)
    let fan = Double(mode == .fanIn ? fanIn : fanOut)
    let bound = gain * (3 / fan).squareRoot()
    return uniform(shape, low: -bound, high: bound, dtype: dtype, key: key)
  }

  /// Kaiming/He normal: `N(0, gain²/fan)`.
  public static func kaimingNormal(
    _ shape: [Int], gain: Double = 2.0.squareRoot(), mode: FanMode = .fanIn,
    dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    let (fanIn, fanOut) = fans(shape)
    let fan = Double(mode == .fanIn ? fanIn : fanOut)
    return normal(shape, std: gain / fan.squareRoot(), dtype: dtype, key: key)
  }

  /// A (semi-)orthogonal matrix times `gain` (Saxe et al. 2013), as PyTorch's `orthogonal_`: the
  /// weight is viewed as `[shape[0], rest]`; a standard normal matrix of that shape (transposed
  /// when it has fewer rows than columns) is factored `QR` with `R`'s diagonal positive — here by
  /// modified Gram–Schmidt in float64 — and `Q` (transposed back) is the result. Rows are
  /// orthonormal when `shape[0] ≤ rest`, columns otherwise.
  public static func orthogonal(
    _ shape: [Int], gain: Double = 1, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    precondition(shape.count >= 2, "Initializer.orthogonal: needs rank ≥ 2, got \(shape)")
    let rows = shape[0]
    let columns = shape.dropFirst().reduce(1, *)
    let (m, n) = rows < columns ? (columns, rows) : (rows, columns)
    // a is m × n (m ≥ n), stored by column for Gram–Schmidt.
    let g = Tensor.normal([n, m], dtype: .float64, key: key).doubles
    var q = (0..<n).map { Array(g[($0 * m)..<(($0 + 1) * m)]) }
    for j in 0..<n {
      for i in 0..<j {
        var dot = 0.0
        for r in 0..<m { dot += q[i][r] * q[j][r] }
        for r in 0..<m { q[j][r] -= dot * q[i][r] }
      }
      var norm = 0.0
      for r in 0..<m { norm += q[j][r] * q[j][r] }
      norm = norm.squareRoot()
      precondition(norm > 0, "Initializer.orthogonal: degenerate random matrix")
      for r in 0..<m { q[j][r] /= norm }
    }
    var values = [Double](repeating: 0, count: rows * columns)
    for j in 0..<n {
      for r in 0..<m {
        // Q is m × n with column j = q[j]; the result is Q (rows ≥ columns) or Qᵀ.
        if rows >= columns {
          values[r * columns + j] = gain * q[j][r]
        } else {
          values[j * columns + r] = gain * q[j][r]
        }
      }
    }
    return Tensor(values, shape: shape, dtype: dtype)
  }

  /// PyTorch's default for `nn.Linear` and `nn.Conv*` weights: `kaiming_uniform_(a=√5)`, which is
  /// `U(±1/√fanIn)`.
  static func torchDefaultWeight(_ shape: [Int], dtype: DType, key: RandomKey) -> Tensor {
    kaimingUniform(
      shape, gain: gain(.leakyRelu(negativeSlope: 5.0.squareRoot())), dtype: dtype, key: key)
  }

  /// PyTorch's default for their biases: `U(±1/√fanIn)` of the weight's fan-in.
  static func torchDefaultBias(_ count: Int, fanIn: Int, dtype: DType, key: RandomKey) -> Tensor {
    let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
    if bound == 0 { return Tensor.zeros([count], dtype: dtype) }
    return uniform([count], low: -bound, high: bound, dtype: dtype, key: key)
  }
}
