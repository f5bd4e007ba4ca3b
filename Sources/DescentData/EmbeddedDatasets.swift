import Descent
import Foundation

/// The small classification data sets bundled with DescentData (as resources of the package), so
/// that every command and test has data with no download. All come from the UCI Machine Learning
/// Repository (CC BY 4.0) in the files scikit-learn 1.9.1 ships in `sklearn/datasets/data/`; see
/// `Resources/ATTRIBUTION.md`.
///
/// | name | examples | features | classes |
/// |---|---|---|---|
/// | `digits` (default) | 1797 | 64 (8 × 8 pixels, integers 0–16) | 10 |
/// | `iris` | 150 | 4 | 3 |
/// | `wine` | 178 | 13 | 3 |
/// | `breast-cancer` | 569 | 30 | 2 |
///
/// Features are the raw values, as float32; call ``TensorDataset/standardized()`` to centre and
/// scale them. Loading checks the counts above and the examples per class, so a damaged resource
/// cannot pass silently.
public enum EmbeddedDataset: String, CaseIterable, Sendable {
  case digits
  case iris
  case wine
  case breastCancer = "breast-cancer"

  /// The default data set of every command: `digits`.
  public static let `default` = EmbeddedDataset.digits

  /// The data set called `name` (`"digits"`, `"iris"`, `"wine"`, `"breast-cancer"`).
  public static func named(_ name: String) throws -> EmbeddedDataset {
    guard let dataset = EmbeddedDataset(rawValue: name) else {
      throw DataError.unknownDataset(name: name, available: allCases.map(\.rawValue))
    }
    return dataset
  }

  /// (examples, features, classes) as published.
  public var expectedShape: (count: Int, features: Int, classes: Int) {
    switch self {
    case .digits: (1797, 64, 10)
    case .iris: (150, 4, 3)
    case .wine: (178, 13, 3)
    case .breastCancer: (569, 30, 2)
    }
  }

  /// Examples per class as published (UCI descriptions; DATASETS.md §4).
  public var expectedClassCounts: [Int] {
    switch self {
    case .digits: [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    case .iris: [50, 50, 50]
    case .wine: [59, 71, 48]
    case .breastCancer: [212, 357]
    }
  }

  var resource: (name: String, extension: String) {
    switch self {
    case .digits: ("digits.csv", "gz")
    case .iris: ("iris", "csv")
    case .wine: ("wine_data", "csv")
    case .breastCancer: ("breast_cancer", "csv")
    }
  }

  /// Parses the bundled file and checks its counts.
  public func load() throws -> TensorDataset {
    let (file, ext) = resource
    guard
      let url = Bundle.module.url(forResource: file, withExtension: ext, subdirectory: "Resources")
    else {
      throw DataError.cannotRead(
        file: "\(file).\(ext)", reason: "not found among DescentData's bundled resources")
    }
    let expected = expectedShape
    let lines = try LineReader(stream: ByteStream(url: url))
    let dataset: TensorDataset
    if self == .digits {
      // No header: 64 pixel values then the label on each line.
      let names = (0..<64).map { "pixel \($0)" } + ["label"]
      let table = try CSVReader.parseRows(
        lines, path: url.path, columnNames: names, labelIndex: 64, allowNaN: false)
      dataset = table.dataset(
        name: rawValue, classCount: expected.classes,
        classNames: (0..<10).map(String.init))
    } else {
      // First line: `examples,features,class names...`.
      guard let header = try lines.nextLine() else { throw DataError.emptyFile(file: url.path) }
      let cells = splitCells(header.bytes).map { String(decoding: trimmed($0), as: UTF8.self) }
      guard cells.count >= 3, let rows = Int(cells[0]), let features = Int(cells[1]) else {
        throw DataError.malformedHeader(
          file: url.path, offset: 0, detail: "line 1 is not `examples,features,class names...`")
      }
      let classNames = Array(cells[2...])
      let names = (0..<features).map { "feature \($0)" } + ["label"]
      let table = try CSVReader.parseRows(
        lines, path: url.path, columnNames: names, labelIndex: features, allowNaN: false)
      guard table.rows == rows else {
        throw DataError.unexpectedContents(
          file: url.path, detail: "line 1 announces \(rows) examples, the file has \(table.rows)")
      }
      guard table.classCount <= classNames.count else {
        throw DataError.unexpectedContents(
          file: url.path,
          detail: "label \(table.classCount - 1) but only \(classNames.count) class names")
      }
      dataset = table.dataset(
        name: rawValue, classCount: classNames.count, classNames: classNames)
    }
    let found = (dataset.count, dataset.featureCount, dataset.classCount)
    guard found == expected, dataset.classCounts == expectedClassCounts else {
      throw DataError.unexpectedContents(
        file: url.path,
        detail:
          "expected \(expected) (examples, features, classes), found \(found) with class "
          + "counts \(dataset.classCounts)")
    }
    return dataset
  }
}

/// Loads a bundled data set by name (see ``EmbeddedDataset``).
public func loadDataset(named name: String) throws -> TensorDataset {
  try EmbeddedDataset.named(name).load()
}
