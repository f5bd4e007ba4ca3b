import Descent
import Foundation

/// Writes a file atomically: `body` writes the content, chunk by chunk, to a temporary file in
/// the destination's folder, which is flushed to disk (`fsync`) and then renamed over the
/// destination (atomic within a folder), and the folder is synced so the rename itself survives
/// a crash. A reader sees the old file or the complete new one, never a half-written file.
///
/// `body` receives a `write` function (false when the disk write fails) and returns false to
/// report a failure.
func writeAtomically(
  to url: URL, _ body: (_ write: (UnsafeRawBufferPointer) -> Bool) -> Bool
) throws {
  guard FileKind(path: url.path) != .special else {
    throw DataError.cannotWrite(
      file: url.path,
      reason: "it is a device, pipe or socket, which a rename would replace; give a file path")
  }
  let folder = url.deletingLastPathComponent()
  let temporary = folder.appendingPathComponent(
    ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
  guard let file = fopen(temporary.path, "wb") else {
    throw DataError.cannotWrite(file: url.path, reason: String(cString: strerror(errno)))
  }
  let written = body { chunk in
    chunk.isEmpty || fwrite(chunk.baseAddress, 1, chunk.count, file) == chunk.count
  }
  let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
  let reason = String(cString: strerror(errno))
  fclose(file)
  guard written, flushed else {
    unlink(temporary.path)
    throw DataError.cannotWrite(file: url.path, reason: "writing \(temporary.path): \(reason)")
  }
  if rename(temporary.path, url.path) != 0 {
    let reason = String(cString: strerror(errno))
    unlink(temporary.path)
    throw DataError.cannotWrite(file: url.path, reason: reason)
  }
  let directory = open(folder.path, O_RDONLY)
  if directory >= 0 {
    fsync(directory)
    close(directory)
  }
}

/// Writes `bytes` atomically (see ``writeAtomically(to:_:)``).
func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
  try writeAtomically(to: url) { write in bytes.withUnsafeBytes { write($0) } }
}

/// Calls `body` with the raw little-endian bytes of `tensor`'s elements, without copying them.
func withRawBytes<R>(of tensor: Tensor, _ body: (UnsafeRawBufferPointer) -> R) -> R {
  switch tensor.dtype {
  case .float32: tensor.withUnsafeBufferPointer(as: Float.self) { body(UnsafeRawBufferPointer($0)) }
  case .float64:
    tensor.withUnsafeBufferPointer(as: Double.self) { body(UnsafeRawBufferPointer($0)) }
  case .int32: tensor.withUnsafeBufferPointer(as: Int32.self) { body(UnsafeRawBufferPointer($0)) }
  case .uint8: tensor.withUnsafeBufferPointer(as: UInt8.self) { body(UnsafeRawBufferPointer($0)) }
  }
}
