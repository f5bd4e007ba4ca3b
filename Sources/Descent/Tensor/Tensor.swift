/// An n-dimensional array with a run-time element type and reverse-mode automatic differentiation.
///
/// `Tensor` is a value type: contiguous row-major storage shared copy-on-write, so a tensor can be
/// passed around freely and mutated in place (an optimizer step) without copying when its storage is
/// uniquely referenced.
///
/// A tensor produced by a differentiable op while gradients are being recorded holds a node of the
/// autodiff graph (see ``GradNode``); ``detached()`` drops it. Shapes follow NumPy: a scalar has
/// shape `[]`, and binary ops broadcast.
public struct Tensor: @unchecked Sendable {
  @usableFromInline var storage: TensorStorage
  /// The extent of each dimension, outermost first.
  public let shape: [Int]
  /// The element type.
  public let dtype: DType
  /// The autodiff node that produced this tensor, if it is being differentiated.
  public internal(set) var gradNode: GradNode?

  /// Wraps an existing storage. `storage` must hold at least `shape.product * dtype.byteSize` bytes.
  public init(storage: TensorStorage, shape: [Int], dtype: DType) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
    precondition(
      storage.byteCount >= shapeElementCount(shape) * dtype.byteSize,
      "Tensor: storage of \(storage.byteCount) bytes is too small for \(dtype) \(shape)")
    self.storage = storage
    self.shape = shape
    self.dtype = dtype
    self.gradNode = nil
  }

  @usableFromInline init(storage: TensorStorage, shape: [Int], dtype: DType, gradNode: GradNode?) {
    self.storage = storage
    self.shape = shape
    self.dtype = dtype
    self.gradNode = gradNode
  }

  /// An uninitialized tensor; every element must be written before it is read.
  @usableFromInline static func uninitialized(shape: [Int], dtype: DType) -> Tensor {
    Tensor(
      storage: TensorStorage(byteCount: shapeElementCount(shape) * dtype.byteSize), shape: shape,
      dtype: dtype, gradNode: nil)
  }

  /// Number of dimensions.
  public var rank: Int { shape.count }
  /// Number of elements.
  public var count: Int { shapeElementCount(shape) }
  /// Row-major strides in elements.
  public var strides: [Int] { contiguousStrides(shape) }
  /// Whether this tensor is part of a graph being differentiated.
  public var isTracked: Bool { gradNode != nil }

  /// The same values with no autodiff history: gradients do not flow through the result.
  public func detached() -> Tensor {
    Tensor(storage: storage, shape: shape, dtype: dtype, gradNode: nil)
  }

  /// Whether two tensors share the same storage (no copy was made between them).
  public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }
}

// MARK: - Construction from values

extension Tensor {
  /// A tensor of the given scalars, with the dtype of `T`.
  public init<T: TensorScalar>(scalars: [T], shape: [Int]) {
    precondition(
      scalars.count == shapeElementCount(shape),
      "Tensor(scalars:shape:): \(scalars.count) values do not fill shape \(shape)")
    self = .uninitialized(shape: shape, dtype: T.dtype)
    let p = storage.pointer.assumingMemoryBound(to: T.self)
    scalars.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: scalars.count) }
  }

  /// A tensor of `values` converted to `dtype` (default `float32`). `shape` defaults to `[count]`.
  public init(_ values: [Double], shape: [Int]? = nil, dtype: DType = .float32) {
    let shape = shape ?? [values.count]
    precondition(
      values.count == shapeElementCount(shape),
      "Tensor(_:shape:): \(values.count) values do not fill shape \(shape)")
    switch dtype {
    case .float32: self.init(scalars: values.map { Float($0) }, shape: shape)
    case .float64: self.init(scalars: values, shape: shape)
    case .int32: self.init(scalars: values.map { Int32(exactlyOrClamping: $0) }, shape: shape)
    case .uint8: self.init(scalars: values.map { UInt8(exactlyOrClamping: $0) }, shape: shape)
    }
  }

  /// A tensor from nested rows, e.g. `Tensor([[1, 2], [3, 4]])`.
  public init(_ rows: [[Double]], dtype: DType = .float32) {
    let columns = rows.first?.count ?? 0
    precondition(
      rows.allSatisfy { $0.count == columns }, "Tensor(_:): rows of unequal length")
    self.init(rows.flatMap { $0 }, shape: [rows.count, columns], dtype: dtype)
  }

  /// A rank-0 tensor holding `value`.
  public init(_ value: Double, dtype: DType = .float32) {
    self.init([value], shape: [], dtype: dtype)
  }

  /// Integer class indices or labels, stored as `int32`.
  public init(indices: [Int], shape: [Int]? = nil) {
    self.init(scalars: indices.map { Int32(truncatingIfNeeded: $0) }, shape: shape ?? [indices.count])
  }
}

// MARK: - Reading values

extension Tensor {
  /// The elements in row-major order as `T`, which must be this tensor's scalar type.
  public func scalars<T: TensorScalar>(as type: T.Type) -> [T] {
    precondition(T.dtype == dtype, "scalars(as:): tensor is \(dtype), asked for \(T.dtype)")
    return withUnsafeBufferPointer(as: T.self) { Array($0) }
  }

  /// The elements in row-major order converted to `Double`.
  public var doubles: [Double] {
    switch dtype {
    case .float32: scalars(as: Float.self).map(Double.init)
    case .float64: scalars(as: Double.self)
    case .int32: scalars(as: Int32.self).map(Double.init)
    case .uint8: scalars(as: UInt8.self).map(Double.init)
    }
  }

  /// The elements in row-major order converted to `Float`.
  public var floats: [Float] { doubles.map { Float($0) } }

  /// The elements converted to `Int` (truncating floats toward zero).
  public var ints: [Int] {
    switch dtype {
    case .int32: scalars(as: Int32.self).map(Int.init)
    case .uint8: scalars(as: UInt8.self).map(Int.init)
    default: doubles.map { Int($0) }
    }
  }

  /// The single value of a one-element tensor, as `Double`.
  public var item: Double {
    precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
    return element(atFlatIndex: 0)
  }

  /// The element at a flat row-major index, as `Double`.
  public func element(atFlatIndex index: Int) -> Double {
    precondition(index >= 0 && index < count, "element(atFlatIndex:): \(index) out of 0..<\(count)")
    let p = storage.pointer
    switch dtype {
    case .float32: return Double(p.load(fromByteOffset: index * 4, as: Float.self))
    case .float64: return p.load(fromByteOffset: index * 8, as: Double.self)
    case .int32: return Double(p.load(fromByteOffset: index * 4, as: Int32.self))
    case .uint8: return Double(p.load(fromByteOffset: index, as: UInt8.self))
    }
  }

  /// The element at a multi-dimensional index, as `Double`.
  public subscript(element indices: Int...) -> Double {
    precondition(indices.count == rank, "subscript(element:): \(indices.count) indices for rank \(rank)")
    var flat = 0
    for (i, index) in indices.enumerated() {
      precondition(index >= 0 && index < shape[i], "subscript(element:): index \(indices) out of \(shape)")
      flat = flat * shape[i] + index
    }
    return element(atFlatIndex: flat)
  }
}

// MARK: - Raw access

extension Tensor {
  /// Calls `body` with the elements as `T`, which must be this tensor's scalar type.
  @inlinable
  public func withUnsafeBufferPointer<T: TensorScalar, R>(
    as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
  ) rethrows -> R {
    precondition(T.dtype == dtype, "withUnsafeBufferPointer: tensor is \(dtype), asked for \(T.dtype)")
    return try body(
      UnsafeBufferPointer(start: storage.pointer.assumingMemoryBound(to: T.self), count: count))
  }

  /// Calls `body` with the elements as mutable `T`, copying the storage first if it is shared.
  ///
  /// Mutating a tensor in place detaches it from any autodiff graph.
  public mutating func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
    as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
  ) rethrows -> R {
    precondition(T.dtype == dtype, "withUnsafeMutableBufferPointer: tensor is \(dtype), asked for \(T.dtype)")
    makeUnique()
    return try body(
      UnsafeMutableBufferPointer(start: storage.pointer.assumingMemoryBound(to: T.self), count: count))
  }

  /// Copies the storage if another tensor shares it, and drops the autodiff node.
  public mutating func makeUnique() {
    gradNode = nil
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
  }

  /// The raw bytes, row-major, little-endian as in memory.
  public var bytes: [UInt8] {
    Array(UnsafeRawBufferPointer(start: storage.pointer, count: count * dtype.byteSize))
  }

  /// A tensor holding a copy of `bytes` interpreted as `dtype` elements of `shape`.
  public init(bytes: some Collection<UInt8>, shape: [Int], dtype: DType) {
    precondition(
      bytes.count == shapeElementCount(shape) * dtype.byteSize,
      "Tensor(bytes:): \(bytes.count) bytes do not fill \(dtype) \(shape)")
    self = .uninitialized(shape: shape, dtype: dtype)
    let p = storage.pointer.assumingMemoryBound(to: UInt8.self)
    var i = 0
    for b in bytes {
      p[i] = b
      i += 1
    }
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let values = count <= 64 ? doubles.map { "\($0)" }.joined(separator: ", ") : "… \(count) values"
    return "Tensor(\(dtype), shape: \(shape), [\(values)])"
  }
}

@usableFromInline func shapeElementCount(_ shape: [Int]) -> Int {
  var n = 1
  for d in shape { n &*= d }
  return n
}

@usableFromInline func contiguousStrides(_ shape: [Int]) -> [Int] {
  var strides = [Int](repeating: 1, count: shape.count)
  var s = 1
  for i in stride(from: shape.count - 1, through: 0, by: -1) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}
