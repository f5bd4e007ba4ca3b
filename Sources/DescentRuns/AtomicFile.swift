import Descent
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Errors writing a report file.
public enum ReportWriteError: Error, Equatable, CustomStringConvertible, LocalizedError {
  case cannotWrite(path: String, detail: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let detail):
      return "cannot write report \(path) (\(detail)): check the folder exists and is writable, "
        + "or pass another --output path"
    }
  }

  public var errorDescription: String? { description }
}

/// Writes `data` to `path` atomically: into a temporary file in the same folder (so that the
/// rename stays on one file system), flushed to disk, then renamed over `path`. A reader sees the
/// old file or the new one, never a part; on failure the temporary file is removed.
func writeAtomically(_ data: Data, to path: String) throws {
  let url = URL(fileURLWithPath: path)
  let folder = url.deletingLastPathComponent().path
  let temporary =
    folder + "/." + url.lastPathComponent + ".tmp-"
    + String(ProcessInfo.processInfo.processIdentifier) + "-"
    + String(UInt32.random(in: 0...UInt32.max), radix: 16)
  func failure(_ what: String) -> ReportWriteError {
    .cannotWrite(path: path, detail: "\(what): \(String(cString: strerror(errno)))")
  }
  guard FileKind(path: path) != .special else {
    throw ReportWriteError.cannotWrite(
      path: path, detail: "it is a device, pipe or socket, which a rename would replace")
  }
  let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
  guard descriptor >= 0 else { throw failure("creating a temporary file") }
  var ok = false
  defer {
    if !ok { unlink(temporary) }
  }
  let written = data.withUnsafeBytes { buffer -> Bool in
    var offset = 0
    while offset < buffer.count {
      let n = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += n
    }
    return true
  }
  guard written, fsync(descriptor) == 0 else {
    let error = failure("writing")
    close(descriptor)
    throw error
  }
  guard close(descriptor) == 0 else { throw failure("closing") }
  guard rename(temporary, path) == 0 else { throw failure("renaming the temporary file") }
  ok = true
}

/// Atomic file writes for other modules (reports of `descent reproduce`).
public enum AtomicFile {
  /// Writes `text` (UTF-8) to `path` through a temporary file and a rename; throws
  /// ``ReportWriteError/cannotWrite(path:detail:)``.
  public static func write(_ text: String, to path: String) throws {
    try writeAtomically(Data(text.utf8), to: path)
  }
}
