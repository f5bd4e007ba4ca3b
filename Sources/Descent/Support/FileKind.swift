#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a path names, following symbolic links (`stat(2)`): the readers and the atomic writers
/// accept regular files (and folders where a folder is meant) and refuse devices, pipes and
/// sockets with a one-line error — reading `/dev/zero` or a FIFO would never end, and replacing
/// `/dev/null` by renaming a temporary file over it would destroy the device node.
public enum FileKind: Sendable, Equatable {
  case regular
  case directory
  /// A character or block device, a FIFO or a socket.
  case special
  case missing

  public init(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else {
      self = .missing
      return
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: self = .regular
    case S_IFDIR: self = .directory
    default: self = .special
    }
  }
}
