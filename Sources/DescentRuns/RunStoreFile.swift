import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What is at a `--store` path, looked at before SQLite opens it, so that every command that takes
/// a store (`train`, `compare`, `reproduce`, `runs list/show/export/delete`, `report`) refuses the
/// same paths with the same message and exit status (issue 19):
///
/// | at the path | commands that record runs | commands that read runs |
/// | --- | --- | --- |
/// | nothing | create the store | `RunsCommandError.missingStore` (65) |
/// | a folder | `RunStoreError.isFolder` (65) | the same |
/// | an empty (0-byte) file | make it a store (SQLite's empty database) | `RunStoreError.emptyFile` (65); the file is left as it is |
/// | a file this process may not write | `RunStoreError.readOnly` (1), before any work | opened read-only: listed and shown as stored |
/// | a file that is not a store | `RunStoreError.notADatabase` / `notARunStore` (65) | the same |
///
/// Writability is asked of the kernel (`access(2)` with `W_OK`), so it follows permissions, ACLs
/// and read-only mounts, and root may write a file whose mode is 0444, as with any other tool.
public enum RunStoreFile: Equatable, Sendable {
  case missing
  case folder
  /// A 0-byte file: SQLite's empty database, which a writer turns into a store.
  case empty(writable: Bool)
  case file(writable: Bool)

  /// Inspects `path` without creating or changing anything.
  public static func inspect(_ path: String) -> RunStoreFile {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      return .missing
    }
    if isDirectory.boolValue { return .folder }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?
      .int64Value
    let writable = isWritable(path)
    return size == 0 ? .empty(writable: writable) : .file(writable: writable)
  }

  /// Whether this process may write the file or folder at `path` (`access(2)`, `W_OK`).
  static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }
}
