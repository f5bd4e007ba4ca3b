import Descent
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Checks, before any work starts, that an output a command will write at the end can be written,
/// so that nobody trains 1500 steps to lose the result to a mistyped folder or a read-only disk.
///
/// The check does what the atomic writes do (`writeAtomically`: a temporary file in the target's
/// folder, then a rename): it creates and removes a probe file there, which also catches read-only
/// file systems and, unlike permission bits, holds for root.
public enum OutputPreflight {
  /// nil when a file can be written at `path`; otherwise one line naming `flag`, the path, the
  /// reason and the fix (exit status 1 in the command-line contract).
  public static func problem(writingFile path: String, flag: String) -> String? {
    guard !path.isEmpty else { return "\(flag): the path is empty; give a file path" }
    if FileKind(path: path) == .special {
      return "\(flag) \(path): is a device, pipe or socket, not a file; give a file path"
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      return "\(flag) \(path): is a folder; give a file path"
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return problem(inFolder: folder, flag: flag, path: path)
  }

  /// nil when files can be created in the folder `path` (made later by the command if missing:
  /// then its nearest existing ancestor must be writable); otherwise one line as above.
  public static func problem(writingFolder path: String, flag: String) -> String? {
    guard !path.isEmpty else { return "\(flag): the path is empty; give a folder path" }
    var isDirectory: ObjCBool = false
    var existing = URL(fileURLWithPath: path)
    while !FileManager.default.fileExists(atPath: existing.path, isDirectory: &isDirectory) {
      let parent = existing.deletingLastPathComponent()
      if parent.path == existing.path { break }
      existing = parent
    }
    guard isDirectory.boolValue else {
      return "\(flag) \(path): \(existing.path) is a file, not a folder; give another path"
    }
    return problem(inFolder: existing.path, flag: flag, path: path)
  }

  private static func problem(inFolder folder: String, flag: String, path: String) -> String? {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      return "\(flag) \(path): the folder \(folder) does not exist; create it or give another path"
    }
    let probe =
      folder + "/.descent-write-probe-" + String(ProcessInfo.processInfo.processIdentifier) + "-"
      + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      return "\(flag) \(path): cannot write in \(folder) (\(reason)); "
        + "give a path in a writable folder"
    }
    close(descriptor)
    unlink(probe)
    return nil
  }
}
