extension Tensor {
  /// A tensor of `shape` with every element `value`.
  public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
    let out = Tensor.uninitialized(shape: shape, dtype: dtype)
    let n = out.count
    switch dtype {
    case .float32: out.pointer(Float.self).initialize(repeating: Float(value), count: n)
    case .float64: out.pointer(Double.self).initialize(repeating: value, count: n)
    case .int32: out.pointer(Int32.self).initialize(repeating: Int32(exactlyOrClamping: value), count: n)
    case .uint8: out.pointer(UInt8.self).initialize(repeating: UInt8(exactlyOrClamping: value), count: n)
    }
    return out
  }

  /// A tensor of zeros.
  public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
    Tensor(
      storage: .zeroed(byteCount: shapeElementCount(shape) * dtype.byteSize), shape: shape, dtype: dtype)
  }

  /// A tensor of ones.
  public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
    full(shape, value: 1, dtype: dtype)
  }

  /// Zeros with the shape and dtype of `other`.
  public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }
  /// Ones with the shape and dtype of `other`.
  public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }

  /// A rank-0 tensor of `value` with the dtype of this tensor.
  public func scalar(_ value: Double) -> Tensor { Tensor(value, dtype: dtype) }

  /// `start, start + step, …` up to but excluding `end`, like NumPy's `arange`.
  public static func arange(
    _ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32
  ) -> Tensor {
    precondition(step != 0 && step.isFinite, "arange: step must be finite and non-zero, got \(step)")
    let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
    return Tensor((0..<n).map { start + Double($0) * step }, shape: [n], dtype: dtype)
  }

  /// `count` evenly spaced values from `start` to `end` inclusive.
  public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32)
    -> Tensor
  {
    precondition(count >= 0, "linspace: count must be non-negative, got \(count)")
    if count == 1 { return Tensor([start], dtype: dtype) }
    let step = (end - start) / Double(Swift.max(count - 1, 1))
    return Tensor(
      (0..<count).map { $0 == count - 1 ? end : start + Double($0) * step }, shape: [count],
      dtype: dtype)
  }

  /// The `n × n` identity matrix (or `n × m` with ones on the main diagonal).
  public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
    let m = m ?? n
    var values = [Double](repeating: 0, count: n * m)
    for i in 0..<Swift.min(n, m) { values[i * m + i] = 1 }
    return Tensor(values, shape: [n, m], dtype: dtype)
  }
}
