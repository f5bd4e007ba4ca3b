import Descent
import Foundation

/// Reader of the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.
///
/// An IDX file is a 4-byte magic number `00 00 TT DD` (`TT` the element type code, `DD` the number
/// of dimensions), then `DD` big-endian `UInt32` dimensions, then the elements in row-major order,
/// big-endian. Type codes: `08` uint8, `09` int8, `0B` int16, `0C` int32, `0D` float32,
/// `0E` float64. uint8 files (all of MNIST) are read into a `uint8` tensor; signed integers into
/// `int32`; floats keep their width.
///
/// The reader streams the content straight into the tensor's storage (inflating gzip files in
/// 64 KiB steps), checks that the file holds exactly the announced elements, and refuses a header
/// whose sizes cannot fit the file before it allocates anything.
public enum IDXReader {
  /// Reads the tensor in the IDX file at `url` (gzip detected by its magic bytes).
  public static func read(contentsOf url: URL) throws -> Tensor {
    let stream = try ByteStream(url: url)
    if stream.fileSize == 0 { throw DataError.emptyFile(file: stream.path) }
    let magic = try stream.readBytes(4, what: "the 4-byte IDX magic number")
    guard magic[0] == 0, magic[1] == 0 else {
      throw DataError.badMagic(
        file: stream.path, format: "IDX", expected: "00 00 <type> <rank>",
        found: hex(magic))
    }
    guard let element = ElementType(rawValue: magic[2]) else {
      throw DataError.unsupported(
        file: stream.path, position: "byte 2", feature: "IDX type code 0x\(hex([magic[2]]))",
        fix: "IDX type codes are 08, 09, 0B, 0C, 0D or 0E; the file is damaged or not IDX")
    }
    let rank = Int(magic[3])
    guard rank >= 1 else {
      throw DataError.malformedHeader(
        file: stream.path, offset: 3, detail: "rank 0 (an IDX file has at least one dimension)")
    }
    let dimensionBytes = try stream.readBytes(4 * rank, what: "\(rank) big-endian dimensions")
    var shape: [Int] = []
    var elementCount = 1
    for d in 0..<rank {
      let b = dimensionBytes[(4 * d)..<(4 * d + 4)].map(Int.init)
      let dimension = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
      shape.append(dimension)
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= Int(Int32.max) * 64 else {
        throw DataError.sizeMismatch(
          file: stream.path, offset: 4 + 4 * d,
          detail: "dimensions \(shape) announce an impossible number of elements")
      }
      elementCount = product
    }
    let headerSize = 4 + 4 * rank
    let dataSize = elementCount * element.fileByteSize
    try stream.checkAvailable(dataSize, what: "\(elementCount) elements of shape \(shape)")
    let tensor = try readElements(
      stream, element: element, shape: shape, count: elementCount, headerSize: headerSize)
    try stream.expectEnd(after: "the \(elementCount) elements of shape \(shape)")
    return tensor
  }

  /// Reads an image file and its label file (MNIST layout: images `[N, rows, cols]` uint8,
  /// labels `[N]` uint8) into a dataset with features scaled to `[0, 1]` as float32
  /// (`pixel / 255`) and int32 labels.
  ///
  /// Throws ``DataError/countMismatch(first:firstCount:second:secondCount:)`` when the files
  /// hold different numbers of records, and ``DataError/invalidLabel(file:position:value:detail:)``
  /// for a label outside `0..<classCount` (10 for MNIST and Fashion-MNIST).
  public static func readClassification(
    images: URL, labels: URL, classCount: Int = 10, name: String, classNames: [String]? = nil
  ) throws -> TensorDataset {
    let imageTensor = try read(contentsOf: images)
    let labelTensor = try read(contentsOf: labels)
    guard imageTensor.rank >= 2, imageTensor.dtype == .uint8 else {
      throw DataError.unsupported(
        file: images.path, position: "header",
        feature: "an image file of type \(imageTensor.dtype) and shape \(imageTensor.shape)",
        fix: "pass an IDX uint8 file of shape [N, rows, cols] as the images")
    }
    guard labelTensor.rank == 1, labelTensor.dtype == .uint8 else {
      throw DataError.unsupported(
        file: labels.path, position: "header",
        feature: "a label file of type \(labelTensor.dtype) and shape \(labelTensor.shape)",
        fix: "pass an IDX uint8 file of shape [N] as the labels")
    }
    guard imageTensor.shape[0] == labelTensor.shape[0] else {
      throw DataError.countMismatch(
        first: images.path, firstCount: imageTensor.shape[0], second: labels.path,
        secondCount: labelTensor.shape[0])
    }
    let labelValues = labelTensor.scalars(as: UInt8.self)
    if let bad = labelValues.firstIndex(where: { Int($0) >= classCount }) {
      throw DataError.invalidLabel(
        file: labels.path, position: "record \(bad) (byte \(8 + bad))",
        value: "\(labelValues[bad])", detail: "is not below the class count \(classCount)")
    }
    var features = Tensor.zeros(imageTensor.shape, dtype: .float32)
    imageTensor.withUnsafeBufferPointer(as: UInt8.self) { pixels in
      features.withUnsafeMutableBufferPointer(as: Float.self) { out in
        for i in 0..<pixels.count { out[i] = Float(pixels[i]) / 255 }
      }
    }
    return TensorDataset(
      name: name, features: features,
      labels: Tensor(scalars: labelValues.map(Int32.init), shape: [labelValues.count]),
      classCount: classCount, classNames: classNames)
  }

  /// Writes `tensor` as an IDX file (uint8, int32, float32 or float64), gzip-compressed when
  /// `gzip` is true. Used to make test files and exports.
  public static func write(_ tensor: Tensor, to url: URL, gzip: Bool = false) throws {
    precondition(
      tensor.rank >= 1 && tensor.rank <= 255, "IDXReader.write: rank \(tensor.rank) out of 1...255")
    let code: ElementType =
      switch tensor.dtype {
      case .uint8: .uint8
      case .int32: .int32
      case .float32: .float32
      case .float64: .float64
      }
    var bytes: [UInt8] = [0, 0, code.rawValue, UInt8(tensor.rank)]
    for d in tensor.shape { bytes += bigEndianBytes(UInt32(d)) }
    let raw = tensor.bytes
    let size = tensor.dtype.byteSize
    if size == 1 {
      bytes += raw
    } else {
      bytes.reserveCapacity(bytes.count + raw.count)
      for start in stride(from: 0, to: raw.count, by: size) {
        bytes += raw[start..<(start + size)].reversed()
      }
    }
    try writeAtomically(gzip ? gzipCompress(bytes) : bytes, to: url)
  }

  enum ElementType: UInt8 {
    case uint8 = 0x08
    case int8 = 0x09
    case int16 = 0x0B
    case int32 = 0x0C
    case float32 = 0x0D
    case float64 = 0x0E

    var fileByteSize: Int {
      switch self {
      case .uint8, .int8: 1
      case .int16: 2
      case .int32, .float32: 4
      case .float64: 8
      }
    }

    var dtype: DType {
      switch self {
      case .uint8: .uint8
      case .int8, .int16, .int32: .int32
      case .float32: .float32
      case .float64: .float64
      }
    }
  }

  /// Streams `count` big-endian elements into a new tensor.
  private static func readElements(
    _ stream: ByteStream, element: ElementType, shape: [Int], count: Int, headerSize: Int
  ) throws -> Tensor {
    var tensor = Tensor.zeros(shape, dtype: element.dtype)
    let what = "\(count) elements of shape \(shape) after the \(headerSize)-byte header"
    switch element {
    case .uint8:
      try tensor.withUnsafeMutableBufferPointer(as: UInt8.self) {
        try stream.readExactly(into: UnsafeMutableRawBufferPointer($0), what: what)
      }
    case .float32:
      try tensor.withUnsafeMutableBufferPointer(as: Float.self) { out in
        try stream.readExactly(into: UnsafeMutableRawBufferPointer(out), what: what)
        for i in 0..<out.count { out[i] = Float(bitPattern: UInt32(bigEndian: out[i].bitPattern)) }
      }
    case .float64:
      try tensor.withUnsafeMutableBufferPointer(as: Double.self) { out in
        try stream.readExactly(into: UnsafeMutableRawBufferPointer(out), what: what)
        for i in 0..<out.count {
          out[i] = Double(bitPattern: UInt64(bigEndian: out[i].bitPattern))
        }
      }
    case .int32:
      try tensor.withUnsafeMutableBufferPointer(as: Int32.self) { out in
        try stream.readExactly(into: UnsafeMutableRawBufferPointer(out), what: what)
        for i in 0..<out.count { out[i] = Int32(bigEndian: out[i]) }
      }
    case .int8, .int16:
      let raw = try stream.readBytes(count * element.fileByteSize, what: what)
      tensor.withUnsafeMutableBufferPointer(as: Int32.self) { out in
        for i in 0..<count {
          out[i] =
            element == .int8
            ? Int32(Int8(bitPattern: raw[i]))
            : Int32(Int16(bitPattern: UInt16(raw[2 * i]) << 8 | UInt16(raw[2 * i + 1])))
        }
      }
    }
    return tensor
  }
}

func hex(_ bytes: [UInt8]) -> String {
  bytes.map { String($0, radix: 16, uppercase: false).leftPadded(to: 2) }.joined(separator: " ")
}

func bigEndianBytes(_ value: UInt32) -> [UInt8] {
  [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
}

extension String {
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
