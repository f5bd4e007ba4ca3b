import Descent
import Foundation

/// Reader of the CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`,
/// `test_batch.bin`), plain or gzip.
///
/// Each record is 3073 bytes: one label byte (0–9), then 3072 pixel bytes, the 1024 red values
/// of the 32 × 32 image row by row, then the green, then the blue — so a record's pixels are
/// already the `[3, 32, 32]` (channels-first) layout. The file size must be a multiple of 3073.
public enum CIFARReader {
  /// Bytes per record: 1 label + 3 × 32 × 32 pixels.
  public static let recordSize = 3073
  /// The CIFAR-10 class names, by label.
  public static let classNames = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  ]

  /// Reads one or more batch files into a dataset: features float32 `[N, 3, 32, 32]` scaled to
  /// `[0, 1]` (`pixel / 255`), labels int32 `[N]`.
  public static func read(contentsOf urls: [URL], name: String = "cifar-10") throws
    -> TensorDataset
  {
    var pixels: [Tensor] = []
    var labels: [Int32] = []
    for url in urls {
      let (images, batchLabels) = try readBatch(contentsOf: url)
      pixels.append(images)
      labels += batchLabels
    }
    var features = Tensor.zeros([labels.count, 3, 32, 32], dtype: .float32)
    features.withUnsafeMutableBufferPointer(as: Float.self) { out in
      var position = 0
      for batch in pixels {
        batch.withUnsafeBufferPointer(as: UInt8.self) { bytes in
          for value in bytes {
            out[position] = Float(value) / 255
            position += 1
          }
        }
      }
    }
    return TensorDataset(
      name: name, features: features, labels: Tensor(scalars: labels, shape: [labels.count]),
      classCount: 10, classNames: classNames)
  }

  /// Reads one batch file: the raw pixels uint8 `[N, 3, 32, 32]` and the labels.
  public static func readBatch(contentsOf url: URL) throws -> (images: Tensor, labels: [Int32]) {
    let stream = try ByteStream(url: url)
    if stream.fileSize == 0 { throw DataError.emptyFile(file: stream.path) }
    if !stream.isGzip && stream.fileSize % recordSize != 0 {
      let (records, extra) = stream.fileSize.quotientAndRemainder(dividingBy: recordSize)
      throw DataError.sizeMismatch(
        file: stream.path, offset: stream.fileSize - extra,
        detail:
          "\(stream.fileSize) bytes is not a whole number of \(recordSize)-byte records "
          + "(\(records) whole records and \(extra) bytes over)")
    }
    // Records are streamed into a growing pixel buffer (gzip content has no known size).
    var pixelBytes: [UInt8] = []
    var labels: [Int32] = []
    if !stream.isGzip { pixelBytes.reserveCapacity(stream.fileSize / recordSize * 3072) }
    var record = [UInt8](repeating: 0, count: recordSize)
    while true {
      let start = stream.offset
      let n = try record.withUnsafeMutableBytes { try stream.read(into: $0) }
      if n == 0 { break }
      guard n == recordSize else {
        throw DataError.truncated(
          file: stream.path, offset: start + n,
          expected:
            "record \(labels.count) of \(recordSize) bytes (got \(n)); the content is not a "
            + "whole number of records")
      }
      guard record[0] < 10 else {
        throw DataError.invalidLabel(
          file: stream.path, position: "record \(labels.count) (byte \(start))",
          value: "\(record[0])", detail: "is not a CIFAR-10 class (0–9)")
      }
      labels.append(Int32(record[0]))
      pixelBytes += record[1...]
    }
    let images = Tensor(bytes: pixelBytes, shape: [labels.count, 3, 32, 32], dtype: .uint8)
    return (images, labels)
  }
}
