/// An error in a data file or a data request that the user can fix.
///
/// Every case names the file, the position (byte offset, line and column, record, field or
/// tensor) and says how to fix it, in one line (see ``description``). Readers throw these instead
/// of crashing, reading out of bounds or returning data they could not validate.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file could not be opened or read (missing, permissions, I/O error).
  case cannotRead(file: String, reason: String)
  /// The file could not be written.
  case cannotWrite(file: String, reason: String)
  /// The file holds no data at all.
  case emptyFile(file: String)
  /// The first bytes are not those of the expected format.
  case badMagic(file: String, format: String, expected: String, found: String)
  /// The file ended before the data its header announced.
  case truncated(file: String, offset: Int, expected: String)
  /// The header's sizes disagree with the data that follows (too much, or an impossible size).
  case sizeMismatch(file: String, offset: Int, detail: String)
  /// A header is not well-formed (NPY dictionary, safetensors JSON, CSV header line).
  case malformedHeader(file: String, offset: Int, detail: String)
  /// The file is valid but uses a feature this reader does not support.
  case unsupported(file: String, position: String, feature: String, fix: String)
  /// The compressed stream is corrupt.
  case corruptCompressedData(file: String, offset: Int, detail: String)
  /// A data set made of two files whose record counts differ (e.g. images and labels).
  case countMismatch(first: String, firstCount: Int, second: String, secondCount: Int)
  /// A CSV cell that is not a number.
  case nonNumericCell(file: String, line: Int, column: Int, columnName: String, text: String)
  /// A CSV row with a different number of cells from the header.
  case raggedRow(file: String, line: Int, expected: Int, found: Int)
  /// A NaN (or infinity) where the reader was told not to accept one.
  case notFinite(file: String, position: String, value: String)
  /// A class label that is not a non-negative integer in range.
  case invalidLabel(file: String, position: String, value: String, detail: String)
  /// An integer that does not fit the target type (e.g. int64 → int32).
  case outOfRange(file: String, position: String, value: String, target: String)
  /// No data set with this name.
  case unknownDataset(name: String, available: [String])
  /// A saved data-loader state that does not belong to this loader.
  case incompatibleLoaderState(detail: String)
  /// A bundled data file has other contents than expected (a damaged build).
  case unexpectedContents(file: String, detail: String)
  /// The data parsed but has a shape a model cannot be trained on (no features, no examples).
  case unexpectedShape(file: String, detail: String, fix: String)

  public var description: String {
    switch self {
    case .cannotRead(let file, let reason):
      return "\(file): cannot read (\(reason)); check that the path exists and is readable"
    case .cannotWrite(let file, let reason):
      return "\(file): cannot write (\(reason)); check that the folder exists and is writable"
    case .emptyFile(let file):
      return "\(file): the file is empty; re-download or re-export it"
    case .badMagic(let file, let format, let expected, let found):
      return
        "\(file): byte 0: not a \(format) file (expected \(expected), found \(found)); "
        + "check that the path points at a \(format) file"
    case .truncated(let file, let offset, let expected):
      return
        "\(file): byte \(offset): file ends early, expected \(expected); "
        + "the file is truncated, re-download or re-export it"
    case .sizeMismatch(let file, let offset, let detail):
      return
        "\(file): byte \(offset): \(detail); the file is damaged or its header is wrong, "
        + "re-download or re-export it"
    case .malformedHeader(let file, let offset, let detail):
      return
        "\(file): byte \(offset): malformed header: \(detail); re-export the file with the "
        + "reference writer"
    case .unsupported(let file, let position, let feature, let fix):
      return "\(file): \(position): \(feature) is not supported; \(fix)"
    case .corruptCompressedData(let file, let offset, let detail):
      return
        "\(file): compressed byte \(offset): corrupt gzip data (\(detail)); "
        + "re-download the file or check it with `gzip -t`"
    case .countMismatch(let first, let firstCount, let second, let secondCount):
      return
        "\(first) holds \(firstCount) records but \(second) holds \(secondCount); "
        + "pass files from the same split (e.g. both train or both test)"
    case .nonNumericCell(let file, let line, let column, let columnName, let text):
      return
        "\(file): line \(line), column \(column) (\(columnName)): \"\(text)\" is not a number; "
        + "fix the cell or drop the column"
    case .raggedRow(let file, let line, let expected, let found):
      return
        "\(file): line \(line): \(found) cells where the header has \(expected); "
        + "every row needs one cell per column"
    case .notFinite(let file, let position, let value):
      return
        "\(file): \(position): \(value) is not allowed here; clean the data or ask the reader "
        + "to allow NaN"
    case .invalidLabel(let file, let position, let value, let detail):
      return
        "\(file): \(position): label \"\(value)\" \(detail); labels must be class indices "
        + "0, 1, 2, …"
    case .outOfRange(let file, let position, let value, let target):
      return
        "\(file): \(position): \(value) does not fit in \(target); rescale or store the values "
        + "in a wider type that Descent reads (float64)"
    case .unknownDataset(let name, let available):
      return
        "no data set named \"\(name)\"; choose one of \(available.joined(separator: ", ")) "
        + "or pass a file"
    case .incompatibleLoaderState(let detail):
      return
        "data loader state: \(detail); resume with the data set, batch size, seed and drop-last "
        + "setting the checkpoint was made with"
    case .unexpectedContents(let file, let detail):
      return "\(file): \(detail); the bundled copy is damaged, rebuild the package"
    case .unexpectedShape(let file, let detail, let fix):
      return "\(file): \(detail); \(fix)"
    }
  }
}
