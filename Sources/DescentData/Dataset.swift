import Descent

/// A labelled classification data set held as two tensors.
///
/// `features` is float32 of shape `[count, featureShape...]`; `labels` is int32 of shape `[count]`
/// with values in `0..<classCount`. Row `i` of both is example `i`.
public protocol Dataset: Sendable {
  /// A short name for logs and run records (`"digits"`, `"iris"`, a file name, …).
  var name: String { get }
  /// float32 `[count, featureShape...]`.
  var features: Tensor { get }
  /// int32 `[count]`, class indices.
  var labels: Tensor { get }
  /// Number of classes; every label lies in `0..<classCount`.
  var classCount: Int { get }
}

extension Dataset {
  /// Number of examples.
  public var count: Int { labels.shape[0] }
  /// Shape of one example's features (`[64]` for digits, `[28, 28]` for MNIST).
  public var featureShape: [Int] { Array(features.shape.dropFirst()) }
  /// Number of feature values per example.
  public var featureCount: Int { featureShape.reduce(1, *) }
}

/// An in-memory ``Dataset``.
public struct TensorDataset: Dataset {
  public var name: String
  public let features: Tensor
  public let labels: Tensor
  public let classCount: Int
  /// Names of the classes, index by index, when known (`["setosa", "versicolor", "virginica"]`).
  public var classNames: [String]?

  /// Wraps `features` (float32 `[N, ...]`) and `labels` (int32 `[N]`, values in
  /// `0..<classCount`; `classCount` defaults to the largest label + 1).
  ///
  /// Mismatched shapes, dtypes or labels out of range are programmer errors (preconditions);
  /// readers validate files and throw ``DataError`` before building a `TensorDataset`.
  public init(
    name: String, features: Tensor, labels: Tensor, classCount: Int? = nil,
    classNames: [String]? = nil
  ) {
    precondition(
      features.dtype == .float32 && features.rank >= 1,
      "TensorDataset(\(name)): features must be float32 of rank >= 1, got \(features.dtype) "
        + "\(features.shape)")
    precondition(
      labels.dtype == .int32 && labels.rank == 1 && labels.shape[0] == features.shape[0],
      "TensorDataset(\(name)): labels must be int32 [\(features.shape[0])], got \(labels.dtype) "
        + "\(labels.shape)")
    let values = labels.scalars(as: Int32.self)
    let largest = Int(values.max() ?? -1)
    let classCount = classCount ?? (largest + 1)
    precondition(
      values.allSatisfy { $0 >= 0 } && largest < classCount,
      "TensorDataset(\(name)): labels must lie in 0..<\(classCount), got \(values.min() ?? 0)..."
        + "\(largest)")
    precondition(
      classNames == nil || classNames!.count == classCount,
      "TensorDataset(\(name)): \(classNames?.count ?? 0) class names for \(classCount) classes")
    self.name = name
    self.features = features
    self.labels = labels
    self.classCount = classCount
    self.classNames = classNames
  }

  /// The examples at `indices`, in that order (indices may repeat).
  public func subset(_ indices: [Int], name: String? = nil) -> TensorDataset {
    TensorDataset(
      name: name ?? self.name, features: gatherRows(features, indices),
      labels: gatherRows(labels, indices), classCount: classCount, classNames: classNames)
  }

  /// Number of examples of each class.
  public var classCounts: [Int] {
    var counts = [Int](repeating: 0, count: classCount)
    for label in labels.scalars(as: Int32.self) { counts[Int(label)] += 1 }
    return counts
  }
}

/// Rows `indices` of `tensor` (along its first axis), copied into a new tensor.
func gatherRows(_ tensor: Tensor, _ indices: [Int]) -> Tensor {
  precondition(tensor.rank >= 1, "gatherRows: tensor of rank 0")
  let rows = tensor.shape[0]
  for i in indices {
    precondition(i >= 0 && i < rows, "gatherRows: index \(i) out of 0..<\(rows)")
  }
  var shape = tensor.shape
  shape[0] = indices.count
  let rowSize = tensor.shape.dropFirst().reduce(1, *)
  switch tensor.dtype {
  case .float32: return gatherRows(tensor, indices, shape, rowSize, Float.self)
  case .float64: return gatherRows(tensor, indices, shape, rowSize, Double.self)
  case .int32: return gatherRows(tensor, indices, shape, rowSize, Int32.self)
  case .uint8: return gatherRows(tensor, indices, shape, rowSize, UInt8.self)
  }
}

private func gatherRows<T: TensorScalar>(
  _ tensor: Tensor, _ indices: [Int], _ shape: [Int], _ rowSize: Int, _ type: T.Type
) -> Tensor {
  var out = Tensor.zeros(shape, dtype: T.dtype)
  tensor.withUnsafeBufferPointer(as: T.self) { source in
    out.withUnsafeMutableBufferPointer(as: T.self) { target in
      for (row, index) in indices.enumerated() where rowSize > 0 {
        (target.baseAddress! + row * rowSize).update(
          from: source.baseAddress! + index * rowSize, count: rowSize)
      }
    }
  }
  return out
}
