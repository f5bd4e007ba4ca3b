import Descent
import Foundation

/// Reader of numeric CSV files (plain or gzip), the convention for user data: a header row, a
/// label column (named `label` unless chosen otherwise) holding class indices `0, 1, 2, …`, and
/// every other column a numeric feature.
///
/// Cells are separated by commas; spaces around a cell and `\r\n` line ends are accepted; blank
/// lines are skipped. Numbers are parsed as `Double` (decimal or exponent notation) and stored as
/// float32. Every cell is checked: a cell that is not a number, a row with the wrong number of
/// cells, a NaN or infinity (unless `allowNaN`), a value too large for float32, or a label that is
/// not a non-negative integer throws a ``DataError`` naming the line and column (both 1-based).
/// The file is read in 64 KiB blocks, so only the parsed values are held in memory.
public enum CSVReader {
  /// Reads a labelled data set from the CSV file at `url`.
  ///
  /// - Parameters:
  ///   - labelColumn: the header name of the label column.
  ///   - allowNaN: whether NaN and infinite feature values are accepted (labels never are).
  ///   - name: the data set's name; defaults to the file name without extension.
  public static func read(
    contentsOf url: URL, labelColumn: String = "label", allowNaN: Bool = false,
    name: String? = nil
  ) throws -> TensorDataset {
    let lines = try LineReader(stream: ByteStream(url: url))
    guard let header = try lines.nextLine() else { throw DataError.emptyFile(file: url.path) }
    let names = splitCells(header.bytes).map { unquoted(trimmed($0)) }
    let matches = names.indices.filter { names[$0] == labelColumn }
    guard matches.count == 1 else {
      throw DataError.malformedHeader(
        file: url.path, offset: 0,
        detail:
          "line \(header.number): \(matches.isEmpty ? "no" : "\(matches.count)") columns named "
          + "\"\(labelColumn)\" among \(names); name exactly one column \"\(labelColumn)\" or "
          + "choose the label column")
    }
    let table = try parseRows(
      lines, path: url.path, columnNames: names, labelIndex: matches[0], allowNaN: allowNaN)
    return table.dataset(name: name ?? datasetName(url))
  }

  /// Reads a CSV file whose columns are all numeric features (a header row, no labels) into a
  /// tensor `[rows, columns]` of `dtype` (float32, or float64 to keep every digit of the cells),
  /// with the column names.
  public static func readFeatures(
    contentsOf url: URL, allowNaN: Bool = false, dtype: DType = .float32
  ) throws -> (columns: [String], values: Tensor) {
    precondition(
      dtype == .float32 || dtype == .float64, "readFeatures: dtype must be float32 or float64")
    let lines = try LineReader(stream: ByteStream(url: url))
    guard let header = try lines.nextLine() else { throw DataError.emptyFile(file: url.path) }
    let names = splitCells(header.bytes).map { unquoted(trimmed($0)) }
    let table = try parseRows(
      lines, path: url.path, columnNames: names, labelIndex: nil, allowNaN: allowNaN,
      keepsDoubles: dtype == .float64)
    let shape = [table.rows, names.count]
    return dtype == .float64
      ? (names, Tensor(scalars: table.doubles, shape: shape))
      : (names, Tensor(scalars: table.features, shape: shape))
  }

  /// Parsed rows: features row-major, labels (empty without a label column).
  struct Table {
    var features: [Float] = []
    /// The features in float64 instead, when parsed with `keepsDoubles`.
    var doubles: [Double] = []
    var labels: [Int32] = []
    var rows = 0
    var featureCount = 0
    var classCount: Int { Int(labels.max() ?? -1) + 1 }

    func dataset(name: String, classCount: Int? = nil, classNames: [String]? = nil)
      -> TensorDataset
    {
      TensorDataset(
        name: name, features: Tensor(scalars: features, shape: [rows, featureCount]),
        labels: Tensor(scalars: labels, shape: [rows]), classCount: classCount ?? self.classCount,
        classNames: classNames)
    }
  }

  /// Parses every remaining line as `columnNames.count` numeric cells.
  static func parseRows(
    _ lines: LineReader, path: String, columnNames: [String], labelIndex: Int?, allowNaN: Bool,
    keepsDoubles: Bool = false
  ) throws -> Table {
    var table = Table()
    table.featureCount = columnNames.count - (labelIndex == nil ? 0 : 1)
    while let line = try lines.nextLine() {
      let cells = splitCells(line.bytes)
      guard cells.count == columnNames.count else {
        throw DataError.raggedRow(
          file: path, line: line.number, expected: columnNames.count, found: cells.count)
      }
      for (c, cell) in cells.enumerated() {
        let cell = trimmed(cell)
        if let value = exactInteger(cell) {
          // Fast path for plain integers (all of digits.csv.gz): exact, no String made.
          if c == labelIndex {
            guard value >= 0 && value < 16_777_216 else {
              throw DataError.invalidLabel(
                file: path, position: "line \(line.number), column \(c + 1) (\(columnNames[c]))",
                value: "\(value)", detail: "is not a non-negative integer")
            }
            table.labels.append(Int32(value))
          } else if keepsDoubles {
            table.doubles.append(Double(value))
          } else {
            table.features.append(Float(value))
          }
          continue
        }
        let text = String(decoding: cell, as: UTF8.self)
        let position = "line \(line.number), column \(c + 1) (\(columnNames[c]))"
        guard let value = Double(text) else {
          throw DataError.nonNumericCell(
            file: path, line: line.number, column: c + 1, columnName: columnNames[c],
            text: text)
        }
        if c == labelIndex {
          guard value.isFinite, value >= 0, value == value.rounded(), value < 16_777_216 else {
            throw DataError.invalidLabel(
              file: path, position: position, value: text,
              detail: "is not a non-negative integer")
          }
          table.labels.append(Int32(value))
        } else {
          if !value.isFinite && !allowNaN {
            throw DataError.notFinite(file: path, position: position, value: text)
          }
          if keepsDoubles {
            table.doubles.append(value)
            continue
          }
          let single = Float(value)
          if value.isFinite && !single.isFinite {
            throw DataError.outOfRange(
              file: path, position: position, value: text, target: "float32")
          }
          table.features.append(single)
        }
      }
      table.rows += 1
    }
    if table.rows == 0 {
      throw DataError.truncated(
        file: path, offset: lines.stream.offset, expected: "at least one data row after line 1")
    }
    return table
  }
}

/// One line of a text file, without its line end, and its 1-based number.
struct Line {
  var bytes: ArraySlice<UInt8>
  var number: Int
}

/// Splits a ``ByteStream`` into lines (`\n` or `\r\n`), reading 64 KiB at a time; blank lines are
/// skipped but counted.
final class LineReader {
  let stream: ByteStream
  private var buffer: [UInt8] = []
  private var start = 0
  private var atEnd = false
  private var lineNumber = 0

  init(stream: ByteStream) throws {
    self.stream = stream
  }

  func nextLine() throws -> Line? {
    while true {
      if let newline = buffer[start...].firstIndex(of: 0x0A) {
        lineNumber += 1
        var bytes = buffer[start..<newline]
        start = newline + 1
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
        return Line(bytes: bytes, number: lineNumber)
      }
      if atEnd {
        guard start < buffer.count else { return nil }
        lineNumber += 1
        var bytes = buffer[start...]
        start = buffer.count
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        return Line(bytes: bytes, number: lineNumber)
      }
      buffer.removeFirst(start)
      start = 0
      let previous = buffer.count
      buffer.append(contentsOf: repeatElement(0, count: 1 << 16))
      let n = try buffer[previous...].withUnsafeMutableBytes { try stream.read(into: $0) }
      buffer.removeLast((1 << 16) - n)
      if n == 0 { atEnd = true }
    }
  }
}

/// The value of a cell of 1 to 15 decimal digits with an optional leading `-` (exactly
/// representable as a `Double`), or nil for any other text.
func exactInteger(_ cell: ArraySlice<UInt8>) -> Int? {
  var digits = cell
  let negative = digits.first == UInt8(ascii: "-")
  if negative { digits = digits.dropFirst() }
  guard !digits.isEmpty, digits.count <= 15 else { return nil }
  var value = 0
  for byte in digits {
    guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
    value = value * 10 + Int(byte - UInt8(ascii: "0"))
  }
  return negative ? -value : value
}

func splitCells(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
  line.split(separator: 0x2C, omittingEmptySubsequences: false)
}

func trimmed(_ cell: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
  var cell = cell
  while let first = cell.first, first == 0x20 || first == 0x09 { cell = cell.dropFirst() }
  while let last = cell.last, last == 0x20 || last == 0x09 { cell = cell.dropLast() }
  return cell
}

func unquoted(_ cell: ArraySlice<UInt8>) -> String {
  var cell = cell
  if cell.count >= 2 && cell.first == 0x22 && cell.last == 0x22 {
    cell = cell.dropFirst().dropLast()
  }
  return String(decoding: cell, as: UTF8.self)
}

func datasetName(_ url: URL) -> String {
  var name = url.lastPathComponent
  for suffix in [".gz", ".csv", ".npy", ".bin"] where name.hasSuffix(suffix) {
    name.removeLast(suffix.count)
  }
  return name
}
