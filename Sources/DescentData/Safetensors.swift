import Descent
import Foundation

/// A tensor with its name in a checkpoint.
public struct NamedTensor: Sendable {
  public var name: String
  public var tensor: Tensor

  public init(_ name: String, _ tensor: Tensor) {
    self.name = name
    self.tensor = tensor
  }
}

/// A safetensors file: named tensors and string metadata, compatible with Hugging Face's
/// `safetensors` package (format of safetensors 0.4+, checked against 0.8.0).
///
/// Layout: an 8-byte little-endian header length `N`; `N` bytes of JSON
/// `{"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}, …}` (padded with spaces); then the data buffer, each tensor's
/// little-endian row-major bytes at `[begin, end)` relative to the buffer's start.
///
/// Reading validates, like the reference implementation: the header length fits the file; the
/// JSON is well-formed with no duplicate names; each entry has a known dtype, a shape of
/// non-negative integers and two offsets; sorted by offset the tensors tile the buffer exactly
/// (the first begins at 0, each begins where the previous ends, the last ends at the end of the
/// file) and each spans `shape.product × dtype size` bytes. Dtypes read: `F32`, `F64`, `I32`,
/// `U8`, and `I64` (narrowed to int32 with a range check); written: `F32`, `F64`, `I32`, `U8`.
///
/// `tensors` keeps file order (by offset) when read and is written in its own order.
public struct SafetensorsFile: Sendable {
  /// The tensors in order.
  public var tensors: [NamedTensor]
  /// The `__metadata__` string map (empty when absent).
  public var metadata: [String: String]

  /// A file of `tensors` in this order; names must be unique.
  public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
    var seen = Set<String>()
    for t in tensors {
      precondition(seen.insert(t.name).inserted, "SafetensorsFile: duplicate tensor name \(t.name)")
      precondition(t.name != "__metadata__", "SafetensorsFile: __metadata__ is a reserved name")
    }
    self.tensors = tensors
    self.metadata = metadata
  }

  /// A file of the tensors of `dictionary`, in name order.
  public init(_ dictionary: [String: Tensor], metadata: [String: String] = [:]) {
    self.init(
      tensors: dictionary.keys.sorted().map { NamedTensor($0, dictionary[$0]!) }, metadata: metadata
    )
  }

  /// The tensor named `name`, if any.
  public subscript(name: String) -> Tensor? {
    tensors.first { $0.name == name }?.tensor
  }

  /// The tensors by name.
  public var dictionary: [String: Tensor] {
    Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
  }

  /// The largest header accepted (the reference implementation's limit).
  static let maximumHeaderSize = 100_000_000

  static let dtypeCodes: [DType: String] = [
    .float32: "F32", .float64: "F64", .int32: "I32", .uint8: "U8",
  ]

  /// Reads and validates the safetensors file at `url`, streaming each tensor into its storage.
  public static func read(contentsOf url: URL) throws -> SafetensorsFile {
    let stream = try ByteStream(url: url, detectGzip: false)
    let path = stream.path
    if stream.fileSize == 0 { throw DataError.emptyFile(file: path) }
    let lengthBytes = try stream.readBytes(8, what: "the 8-byte little-endian header length")
    let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard headerLength <= UInt64(stream.fileSize - 8) else {
      throw DataError.sizeMismatch(
        file: path, offset: 0,
        detail:
          "header length \(headerLength) exceeds the \(stream.fileSize - 8) bytes after the "
          + "length field")
    }
    guard headerLength <= UInt64(maximumHeaderSize) else {
      throw DataError.unsupported(
        file: path, position: "byte 0", feature: "a header of \(headerLength) bytes",
        fix: "headers are limited to \(maximumHeaderSize) bytes; split the checkpoint")
    }
    let headerBytes = try stream.readBytes(Int(headerLength), what: "the JSON header")
    guard headerBytes.first == UInt8(ascii: "{") else {
      throw DataError.malformedHeader(
        file: path, offset: 8, detail: "the JSON header does not start with '{'")
    }
    let json: JSONValue
    do {
      json = try JSONParser.parse(headerBytes)
    } catch let error as JSONError {
      throw DataError.malformedHeader(file: path, offset: 8 + error.offset, detail: error.detail)
    }
    guard case .object(let members) = json else {
      throw DataError.malformedHeader(file: path, offset: 8, detail: "the header is not an object")
    }

    var metadata: [String: String] = [:]
    var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
    for (key, value) in members {
      if key == "__metadata__" {
        guard case .object(let pairs) = value else {
          throw DataError.malformedHeader(
            file: path, offset: 8, detail: "__metadata__ is not an object of strings")
        }
        for (k, v) in pairs {
          guard case .string(let text) = v else {
            throw DataError.malformedHeader(
              file: path, offset: 8, detail: "__metadata__ value of \"\(k)\" is not a string")
          }
          metadata[k] = text
        }
        continue
      }
      let bad = { (detail: String) in
        DataError.malformedHeader(file: path, offset: 8, detail: "tensor \"\(key)\": \(detail)")
      }
      guard case .object(let fields) = value else { throw bad("entry is not an object") }
      let field = { (name: String) in fields.first { $0.key == name }?.value }
      guard case .string(let dtype) = field("dtype") else { throw bad("no string \"dtype\"") }
      guard case .array(let shapeValues) = field("shape") else { throw bad("no array \"shape\"") }
      var shape: [Int] = []
      for v in shapeValues {
        guard case .integer(let d) = v, d >= 0 else {
          throw bad("shape \(shapeValues) is not a list of non-negative integers")
        }
        shape.append(d)
      }
      guard case .array(let offsetValues) = field("data_offsets"), offsetValues.count == 2,
        case .integer(let begin) = offsetValues[0], case .integer(let end) = offsetValues[1],
        begin >= 0, end >= begin
      else { throw bad("\"data_offsets\" is not [begin, end] with 0 <= begin <= end") }
      entries.append((key, dtype, shape, begin, end))
    }

    let dataStart = 8 + Int(headerLength)
    let dataLength = stream.fileSize - dataStart
    entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var expectedBegin = 0
    var tensors: [NamedTensor] = []
    for entry in entries {
      let position = "tensor \"\(entry.name)\" at data bytes \(entry.begin)..<\(entry.end)"
      guard entry.begin == expectedBegin else {
        throw DataError.sizeMismatch(
          file: path, offset: dataStart + min(entry.begin, expectedBegin),
          detail:
            "\(position) "
            + (entry.begin < expectedBegin
              ? "overlaps the previous tensor" : "leaves a gap after the previous tensor")
            + " (expected to begin at \(expectedBegin))")
      }
      guard entry.end <= dataLength else {
        throw DataError.sizeMismatch(
          file: path, offset: dataStart + entry.begin,
          detail: "\(position) ends past the \(dataLength)-byte data buffer")
      }
      let (dtype, itemSize): (DType, Int)
      switch entry.dtype {
      case "F32": (dtype, itemSize) = (.float32, 4)
      case "F64": (dtype, itemSize) = (.float64, 8)
      case "I32": (dtype, itemSize) = (.int32, 4)
      case "U8": (dtype, itemSize) = (.uint8, 1)
      case "I64": (dtype, itemSize) = (.int32, 8)
      default:
        throw DataError.unsupported(
          file: path, position: position, feature: "dtype \(entry.dtype)",
          fix: "convert it before saving (e.g. tensor.float() in PyTorch)")
      }
      var count = 1
      for d in entry.shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow, product <= dataLength else {
          throw DataError.sizeMismatch(
            file: path, offset: dataStart + entry.begin,
            detail: "\(position): shape \(entry.shape) is larger than the file")
        }
        count = product
      }
      guard count * itemSize == entry.end - entry.begin else {
        throw DataError.sizeMismatch(
          file: path, offset: dataStart + entry.begin,
          detail:
            "\(position) spans \(entry.end - entry.begin) bytes but \(entry.dtype) "
            + "\(entry.shape) needs \(count * itemSize)")
      }
      var tensor = Tensor.zeros(entry.shape, dtype: dtype)
      if entry.dtype == "I64" {
        try readInt64AsInt32(into: &tensor, stream: stream, what: position)
      } else {
        try readRaw(into: &tensor, stream: stream, what: position)
      }
      tensors.append(NamedTensor(entry.name, tensor))
      expectedBegin = entry.end
    }
    guard expectedBegin == dataLength else {
      throw DataError.sizeMismatch(
        file: path, offset: dataStart + expectedBegin,
        detail:
          "the tensors cover \(expectedBegin) bytes of the \(dataLength)-byte data buffer, "
          + "\(dataLength - expectedBegin) bytes are unaccounted for")
    }
    return SafetensorsFile(tensors: tensors, metadata: metadata)
  }

  /// The header: 8-byte little-endian length, then the JSON padded with spaces to a multiple of
  /// 8 bytes, as the reference writer does, so that the data buffer is 8-byte aligned.
  func encodedHeader() -> [UInt8] {
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for t in tensors {
      let size = t.tensor.count * t.tensor.dtype.byteSize
      entries.append(
        "\(jsonQuoted(t.name)):{\"dtype\":\"\(Self.dtypeCodes[t.tensor.dtype]!)\","
          + "\"shape\":[\(t.tensor.shape.map(String.init).joined(separator: ","))],"
          + "\"data_offsets\":[\(offset),\(offset + size)]}")
      offset += size
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    var length = UInt64(header.count).littleEndian
    return withUnsafeBytes(of: &length) { Array($0) } + header
  }

  /// The file's bytes: the header, then the tensors in order.
  public func encoded() -> [UInt8] {
    var bytes = encodedHeader()
    for t in tensors { withRawBytes(of: t.tensor) { bytes += $0 } }
    return bytes
  }

  /// Writes the file atomically: to a temporary file in the same folder, then renamed over
  /// `url`, so an interrupted write never leaves a half-written checkpoint. Tensors are written
  /// from their storage, without an intermediate copy of the file.
  public func write(to url: URL) throws {
    let header = encodedHeader()
    try writeAtomically(to: url) { write in
      header.withUnsafeBytes { write($0) }
        && tensors.allSatisfy { t in withRawBytes(of: t.tensor) { write($0) } }
    }
  }
}
