import Descent
import Foundation

/// One policy for the labels and features of a classification data set, whatever reader made
/// them (CSV, NPY, IDX, CIFAR): labels are integer-valued class indices in `0..<2²⁴`, features
/// are finite float32 numbers, there is at least one feature, and the class count (largest label
/// + 1) is plausible for the labels that actually occur.
///
/// Each check throws a `DataError` naming the file and the first offending example.
public enum ClassificationChecks {
  /// Labels above this are refused (as by `CSVReader`): an int32 class index that float32 logits
  /// can still address exactly.
  public static let labelLimit = 16_777_216

  /// A class count above this is refused unless at least half of its classes occur in the data.
  public static let sparseClassCountLimit = 1000

  /// `labels` (any numeric dtype, shape `[N]`) as int32 class indices; throws for a NaN,
  /// infinite, negative, non-integer or too-large value, naming its index.
  public static func classLabels(_ labels: Tensor, file: String) throws -> Tensor {
    if labels.dtype == .int32 {
      let values = labels.scalars(as: Int32.self)
      if let bad = values.firstIndex(where: { $0 < 0 || Int($0) >= labelLimit }) {
        throw invalid(file, bad, "\(values[bad])")
      }
      return labels
    }
    let values = labels.cast(to: .float64).scalars(as: Double.self)
    if let bad = values.firstIndex(where: {
      !$0.isFinite || $0 < 0 || $0 != $0.rounded() || $0 >= Double(labelLimit)
    }) {
      throw invalid(file, bad, formatted(values[bad]))
    }
    return Tensor(scalars: values.map { Int32($0) }, shape: labels.shape)
  }

  /// `features` as float32, or a `DataError.notFinite` naming the first NaN or infinity (a
  /// float64 value too large for float32 counts as infinite) and its example.
  public static func finiteFeatures(_ features: Tensor, file: String) throws -> Tensor {
    let converted = features.dtype == .float32 ? features : features.cast(to: .float32)
    let values = converted.scalars(as: Float.self)
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      let perExample = max(1, values.count / max(1, features.shape.first ?? 1))
      let original = features.dtype == .float64
        ? formatted(features.scalars(as: Double.self)[bad]) : formatted(Double(values[bad]))
      throw DataError.notFinite(
        file: file, position: "example \(bad / perExample), value \(bad % perExample)",
        value: original.hasPrefix("nan") || original.contains("inf")
          ? original : "\(original) (too large for float32)")
    }
    return converted
  }

  /// Refuses a data set with no feature columns, or whose largest label would build a model with
  /// far more classes than occur (a stray label 1000000 among 0, 1, 2).
  public static func checkShape(_ dataset: TensorDataset, file: String) throws {
    let featureCount = dataset.features.shape.dropFirst().reduce(1, *)
    guard featureCount >= 1 else {
      throw DataError.unexpectedShape(
        file: file, detail: "the examples have no features (shape \(dataset.features.shape))",
        fix: "give at least one feature column besides the label")
    }
    let labels = dataset.labels.scalars(as: Int32.self)
    let distinct = Set(labels).count
    if dataset.classCount > sparseClassCountLimit && distinct * 2 < dataset.classCount {
      // The largest label occurring (the class count may also have been given explicitly).
      let largest = labels.max() ?? 0
      throw DataError.invalidLabel(
        file: file, position: "example \(labels.firstIndex(of: largest) ?? 0)",
        value: "\(largest)",
        detail: "would make a \(dataset.classCount)-class model while only \(distinct) distinct "
          + "labels occur")
    }
  }

  private static func invalid(_ file: String, _ index: Int, _ value: String) -> DataError {
    DataError.invalidLabel(
      file: file, position: "example \(index)", value: value,
      detail: "is not an integer in 0..<\(labelLimit)")
  }

  /// `nan`, `inf`, `-inf` (never `-nan`), otherwise the shortest exact text.
  static func formatted(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
  }
}
