import Descent
import DescentData
import Foundation

/// Where `--data` points: an embedded dataset's name (`digits`, `iris`, `wine`,
/// `breast-cancer`) or a path.
///
/// Paths: `*.csv` (a header, a column named `label`); an IDX image file (`*-images-idx3-ubyte`,
/// gzip too) whose labels file is found by the MNIST naming (`images-idx3` → `labels-idx1`);
/// a CIFAR-10 binary batch (`*.bin`) or a folder of them (`data_batch_*.bin`); a pair of NPY
/// files `FEATURES.npy,LABELS.npy` (features float32 `[N, ...]`, labels integers `[N]`).
public enum DataSource {
  /// Loads the dataset; a missing or unusable file throws ``TrainingError/data(_:)``, an
  /// unknown name ``TrainingError/usage(_:)``.
  /// NaN and infinite features are refused unless `allowNonFiniteFeatures`.
  public static func load(_ spec: String, allowNonFiniteFeatures: Bool = false) throws
    -> TensorDataset
  {
    let dataset = try loadUnchecked(spec, allowNonFiniteFeatures: allowNonFiniteFeatures)
    try wrap { try ClassificationChecks.checkShape(dataset, file: spec) }
    return dataset
  }

  /// `spec` with every file it names made absolute (standardized against the current folder), so
  /// that a checkpoint or a run record finds the data from any folder (`descent train --resume`
  /// elsewhere). Embedded names and parts that name no existing file are kept as they are.
  public static func absoluteSpec(_ spec: String) -> String {
    if EmbeddedDataset(rawValue: spec) != nil { return spec }
    let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    return parts.map { part in
      guard !part.isEmpty, FileManager.default.fileExists(atPath: part) else { return part }
      return URL(fileURLWithPath: part).standardizedFileURL.path
    }.joined(separator: ",")
  }

  static func loadUnchecked(_ spec: String, allowNonFiniteFeatures: Bool) throws -> TensorDataset {
    if EmbeddedDataset(rawValue: spec) != nil { return try wrap { try loadDataset(named: spec) } }
    let paths = spec.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
    guard !paths.contains(where: \.isEmpty), paths.count <= 2 else {
      throw TrainingError.usage(
        "--data '\(spec)': give an embedded name, one file or folder, or FEATURES.npy,LABELS.npy "
          + "(no empty parts)")
    }
    for path in paths where !FileManager.default.fileExists(atPath: path) {
      if paths.count == 1, !path.contains("/"), !path.contains(".") {
        throw TrainingError.usage(
          "--data \(spec): no embedded dataset of that name and no such file; embedded: "
            + EmbeddedDataset.allCases.map(\.rawValue).joined(separator: ", "))
      }
      throw TrainingError.data("--data: file \(path) does not exist; check the path")
    }
    for path in paths {
      switch FileKind(path: path) {
      case .regular: continue
      case .directory where paths.count == 1: continue
      default:
        throw TrainingError.data(
          "--data \(path): not a regular file (a device, pipe or socket cannot be read as data)")
      }
    }
    let url = URL(fileURLWithPath: paths[0])
    if paths.count == 2 {
      return try wrap {
        let features = try NPYReader.read(contentsOf: url)
        let labels = try NPYReader.read(contentsOf: URL(fileURLWithPath: paths[1]))
        guard features.rank >= 2, labels.rank == 1, labels.shape[0] == features.shape[0] else {
          throw TrainingError.data(
            "--data \(spec): features \(features.shape) and labels \(labels.shape) do not pair "
              + "(need [N, ...] and [N])")
        }
        return TensorDataset(
          name: url.deletingPathExtension().lastPathComponent,
          features: allowNonFiniteFeatures
            ? features.cast(to: .float32)
            : try ClassificationChecks.finiteFeatures(features, file: url.path),
          labels: try ClassificationChecks.classLabels(labels, file: paths[1]))
      }
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      let files = try FileManager.default.contentsOfDirectory(atPath: url.path)
        .filter { $0.hasPrefix("data_batch_") && $0.hasSuffix(".bin") }.sorted()
      guard !files.isEmpty else {
        throw TrainingError.data(
          "--data \(url.path): a folder without CIFAR-10 data_batch_*.bin files")
      }
      return try wrap {
        try CIFARReader.read(contentsOf: files.map { url.appendingPathComponent($0) })
      }
    }
    let name = url.lastPathComponent.lowercased()
    if name.hasSuffix(".csv") || name.hasSuffix(".csv.gz") {
      return try wrap { try CSVReader.read(contentsOf: url, allowNaN: allowNonFiniteFeatures) }
    }
    if name.hasSuffix(".bin") { return try wrap { try CIFARReader.read(contentsOf: [url]) } }
    if name.contains("idx3") {
      let labels = url.deletingLastPathComponent().appendingPathComponent(
        url.lastPathComponent.replacingOccurrences(of: "images-idx3", with: "labels-idx1"))
      guard FileManager.default.fileExists(atPath: labels.path) else {
        throw TrainingError.data(
          "--data \(url.path): its labels file \(labels.lastPathComponent) is not beside it")
      }
      return try wrap {
        try IDXReader.readClassification(images: url, labels: labels, name: url.lastPathComponent)
      }
    }
    throw TrainingError.data(
      "--data \(url.path): unknown format; give a .csv, an IDX *-images-idx3-ubyte file, a "
        + "CIFAR-10 .bin or folder, or FEATURES.npy,LABELS.npy")
  }

  static func wrap<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as DataError {
      if case .unknownDataset = error { throw TrainingError.usage(error.description) }
      throw TrainingError.data(error.description)
    }
  }
}
