import Descent
import Foundation

/// Reader of NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), plain or gzip.
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (2 bytes
/// little-endian in 1.0, 4 bytes in 2.0 and 3.0), then a Python dictionary literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and `\n`,
/// then the raw elements. Supported `descr`: `<f4` → float32, `<f8` → float64, `<i4` → int32,
/// `<i8` → int32 (each value range-checked), `|u1` → uint8. Only C (row-major) order: a
/// `fortran_order: True` file throws, as do big-endian, structured or object arrays.
public enum NPYReader {
  /// Reads the array in the `.npy` file at `url`.
  public static func read(contentsOf url: URL) throws -> Tensor {
    let stream = try ByteStream(url: url)
    let path = stream.path
    if stream.fileSize == 0 { throw DataError.emptyFile(file: path) }
    let prefix = try stream.readBytes(8, what: "the 8-byte NPY magic and version")
    guard prefix[0..<6].elementsEqual([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else {
      throw DataError.badMagic(
        file: path, format: "NPY", expected: "93 4e 55 4d 50 59 (\\x93NUMPY)",
        found: hex(Array(prefix[0..<6])))
    }
    let major = prefix[6]
    guard (1...3).contains(major) else {
      throw DataError.unsupported(
        file: path, position: "byte 6", feature: "NPY format version \(major).\(prefix[7])",
        fix: "save with numpy.save, which writes versions 1.0 to 3.0")
    }
    let lengthBytes = try stream.readBytes(major == 1 ? 2 : 4, what: "the NPY header length")
    let headerLength = lengthBytes.reversed().reduce(0) { $0 << 8 | Int($1) }
    let headerStart = stream.offset
    try stream.checkAvailable(headerLength, what: "a header of \(headerLength) bytes")
    let headerBytes = try stream.readBytes(headerLength, what: "the NPY header dictionary")
    let headerText = String(decoding: headerBytes, as: UTF8.self)
    let header = try parseHeader(headerText, path: path, offset: headerStart)

    guard let descr = header["descr"], case .string(let typeCode) = descr else {
      throw DataError.malformedHeader(
        file: path, offset: headerStart, detail: "no string 'descr' in \(headerText.trimmed)")
    }
    guard let order = header["fortran_order"], case .bool(let fortran) = order else {
      throw DataError.malformedHeader(
        file: path, offset: headerStart, detail: "no 'fortran_order' in \(headerText.trimmed)")
    }
    guard let shapeValue = header["shape"], case .tuple(let shape) = shapeValue else {
      throw DataError.malformedHeader(
        file: path, offset: headerStart, detail: "no tuple 'shape' in \(headerText.trimmed)")
    }
    if fortran {
      throw DataError.unsupported(
        file: path, position: "header at byte \(headerStart)",
        feature: "fortran_order True (column-major data)",
        fix: "save a C-ordered copy: numpy.save(path, numpy.ascontiguousarray(array))")
    }
    let (dtype, itemSize): (DType, Int)
    switch typeCode {
    case "<f4": (dtype, itemSize) = (.float32, 4)
    case "<f8": (dtype, itemSize) = (.float64, 8)
    case "<i4": (dtype, itemSize) = (.int32, 4)
    case "<i8": (dtype, itemSize) = (.int32, 8)
    case "|u1", "<u1": (dtype, itemSize) = (.uint8, 1)
    default:
      throw DataError.unsupported(
        file: path, position: "header at byte \(headerStart)", feature: "dtype '\(typeCode)'",
        fix: "convert with array.astype('<f4') (or '<f8', '<i4', '<i8', '|u1') before saving")
    }
    var count = 1
    for d in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: d)
      guard d >= 0, !overflow else {
        throw DataError.sizeMismatch(
          file: path, offset: headerStart, detail: "shape \(shape) is not a valid size")
      }
      count = product
    }
    let what = "\(count) '\(typeCode)' elements of shape \(shape)"
    let dataSize = count.multipliedReportingOverflow(by: itemSize)
    guard !dataSize.overflow else {
      throw DataError.sizeMismatch(
        file: path, offset: headerStart, detail: "shape \(shape) is not a valid size")
    }
    try stream.checkAvailable(dataSize.partialValue, what: what)
    var tensor = Tensor.zeros(shape, dtype: dtype)
    if typeCode == "<i8" {
      try readInt64AsInt32(into: &tensor, stream: stream, what: what)
    } else {
      try readRaw(into: &tensor, stream: stream, what: what)
    }
    try stream.expectEnd(after: what)
    return tensor
  }

  /// Writes `tensor` as a version 1.0 `.npy` file (C order, little-endian).
  public static func write(_ tensor: Tensor, to url: URL) throws {
    let descr =
      switch tensor.dtype {
      case .float32: "<f4"
      case .float64: "<f8"
      case .int32: "<i4"
      case .uint8: "|u1"
      }
    let shapeText =
      tensor.rank == 1
      ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
    bytes += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    bytes += tensor.bytes
    try writeAtomically(bytes, to: url)
  }

  enum HeaderValue: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
  }

  /// Parses the header's Python dictionary literal (string keys; string, boolean or integer
  /// tuple values — all that `numpy.save` writes).
  static func parseHeader(_ text: String, path: String, offset: Int) throws -> [String: HeaderValue]
  {
    var scanner = HeaderScanner(characters: Array(text), path: path, offset: offset)
    return try scanner.dictionary()
  }
}

private struct HeaderScanner {
  let characters: [Character]
  let path: String
  let offset: Int
  var index = 0

  mutating func fail(_ detail: String) -> DataError {
    .malformedHeader(
      file: path, offset: offset + index,
      detail: "\(detail) in NPY header \(String(characters).trimmed)")
  }

  mutating func skipSpace() {
    while index < characters.count, characters[index].isWhitespace { index += 1 }
  }

  mutating func expect(_ c: Character) throws {
    skipSpace()
    guard index < characters.count, characters[index] == c else { throw fail("expected '\(c)'") }
    index += 1
  }

  mutating func peek() -> Character? {
    skipSpace()
    return index < characters.count ? characters[index] : nil
  }

  mutating func dictionary() throws -> [String: NPYReader.HeaderValue] {
    try expect("{")
    var result: [String: NPYReader.HeaderValue] = [:]
    while peek() != "}" {
      let key = try string()
      try expect(":")
      guard result[key] == nil else { throw fail("duplicate key '\(key)'") }
      result[key] = try value()
      if peek() == "," { index += 1 } else { break }
    }
    try expect("}")
    return result
  }

  mutating func string() throws -> String {
    guard let quote = peek(), quote == "'" || quote == "\"" else { throw fail("expected a string") }
    index += 1
    let start = index
    while index < characters.count, characters[index] != quote { index += 1 }
    guard index < characters.count else { throw fail("unterminated string") }
    defer { index += 1 }
    return String(characters[start..<index])
  }

  mutating func value() throws -> NPYReader.HeaderValue {
    switch peek() {
    case "'", "\"": return .string(try string())
    case "(":
      index += 1
      var values: [Int] = []
      while peek() != ")" {
        let start = index
        while index < characters.count, characters[index].isNumber { index += 1 }
        if index < characters.count, characters[index] == "L" { index += 1 }
        guard let value = Int(String(characters[start..<index]).filter(\.isNumber)),
          index > start
        else { throw fail("expected a non-negative integer in the shape") }
        values.append(value)
        if peek() == "," { index += 1 } else { break }
      }
      try expect(")")
      return .tuple(values)
    default:
      for (word, flag) in [("True", true), ("False", false)]
      where characters[index...].starts(with: word) {
        index += word.count
        return .bool(flag)
      }
      throw fail("expected a string, a tuple, True or False")
    }
  }
}

extension String {
  var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Streams a tensor's raw little-endian bytes from `stream` into its storage.
func readRaw(into tensor: inout Tensor, stream: ByteStream, what: String) throws {
  switch tensor.dtype {
  case .float32:
    try tensor.withUnsafeMutableBufferPointer(as: Float.self) {
      try stream.readExactly(into: UnsafeMutableRawBufferPointer($0), what: what)
    }
  case .float64:
    try tensor.withUnsafeMutableBufferPointer(as: Double.self) {
      try stream.readExactly(into: UnsafeMutableRawBufferPointer($0), what: what)
    }
  case .int32:
    try tensor.withUnsafeMutableBufferPointer(as: Int32.self) {
      try stream.readExactly(into: UnsafeMutableRawBufferPointer($0), what: what)
    }
  case .uint8:
    try tensor.withUnsafeMutableBufferPointer(as: UInt8.self) {
      try stream.readExactly(into: UnsafeMutableRawBufferPointer($0), what: what)
    }
  }
}

/// Streams `tensor.count` little-endian int64 values into an int32 tensor, checking each fits.
func readInt64AsInt32(into tensor: inout Tensor, stream: ByteStream, what: String) throws {
  let dataStart = stream.offset
  let count = tensor.count
  try tensor.withUnsafeMutableBufferPointer(as: Int32.self) { out in
    var chunk = [Int64](repeating: 0, count: 8192)
    var done = 0
    while done < count {
      let n = min(chunk.count, count - done)
      try chunk.withUnsafeMutableBytes {
        try stream.readExactly(
          into: UnsafeMutableRawBufferPointer(rebasing: $0[..<(n * 8)]), what: what)
      }
      for i in 0..<n {
        let value = Int64(littleEndian: chunk[i])
        guard let narrow = Int32(exactly: value) else {
          throw DataError.outOfRange(
            file: stream.path, position: "element \(done + i) (byte \(dataStart + 8 * (done + i)))",
            value: "\(value)", target: "int32")
        }
        out[done + i] = narrow
      }
      done += n
    }
  }
}
