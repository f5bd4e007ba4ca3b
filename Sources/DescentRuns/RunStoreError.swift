import Foundation
import GRDB

/// Errors a user can cause with a run store. Each message is one line naming the file or run and
/// the fix.
public enum RunStoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// The file exists but is not SQLite (a wrong `--store` path, a report, a checkpoint).
  case notADatabase(path: String)
  /// A SQLite database of something else (tables that are not a run store's).
  case notARunStore(path: String)
  /// SQLite recognized the file but found damaged pages.
  case corrupt(path: String, detail: String)
  /// The file was written by a newer version of descent (migrations this code does not know).
  case schemaTooNew(path: String, unknownMigrations: [String])
  /// No run with this id (or id prefix) in the store.
  case unknownRun(id: String, path: String)
  /// Several runs start with this id prefix.
  case ambiguousRun(prefix: String, matches: [String], path: String)
  /// The file could not be opened or written for another reason (permissions, missing folder).
  case cannotOpen(path: String, detail: String)
  /// `--store` names a folder.
  case isFolder(path: String)
  /// A reading command was given a 0-byte file (a writer would make it a store; a reader leaves it).
  case emptyFile(path: String)
  /// The store may not be written by this process (a command that records runs, `runs delete`, or
  /// a read-only store whose schema this descent would have to upgrade).
  case readOnly(path: String)
  /// A stored cell has the wrong type for its column (written by another tool or by hand).
  case unreadableCell(path: String, table: String, runID: String, column: String, detail: String)

  public var description: String {
    switch self {
    case .notADatabase(let path):
      return "\(path) is not a descent run store (not a SQLite database): "
        + "pass another --store path or move the file away"
    case .notARunStore(let path):
      return "\(path) is a SQLite database of something else, not a descent run store: "
        + "pass another --store path"
    case .corrupt(let path, let detail):
      return "run store \(path) is corrupt (\(detail)): restore it from a backup, "
        + "or move it away to start a new store"
    case .schemaTooNew(let path, let unknown):
      return "run store \(path) was written by a newer descent (unknown migrations: "
        + "\(unknown.joined(separator: ", "))): upgrade descent or use another --store path"
    case .unknownRun(let id, let path):
      return "no run '\(id)' in \(path): `descent runs list --store \(path)` shows the run ids"
    case .ambiguousRun(let prefix, let matches, let path):
      return "run id prefix '\(prefix)' matches \(matches.count) runs in \(path) "
        + "(\(matches.prefix(4).joined(separator: ", "))): give more characters"
    case .cannotOpen(let path, let detail):
      return "cannot open run store \(path) (\(detail)): check the folder exists and is writable"
    case .isFolder(let path):
      return "\(path) is a folder, not a descent run store: pass the path of a store file "
        + "(such as \(path)/\(RunStore.defaultPath)) to --store"
    case .emptyFile(let path):
      return "\(path) is an empty file, not a descent run store yet: `descent train --store "
        + "\(path)` or `descent compare --store \(path)` makes it one (or pass --store PATH of an "
        + "existing store)"
    case .readOnly(let path):
      return "run store \(path) is read-only for this process: make it writable "
        + "(chmod u+w \(path)) or pass another --store path; runs list/show/export and report "
        + "read it as it is"
    case .unreadableCell(let path, let table, let runID, let column, let detail):
      return "run store \(path): run \(runID) has an unreadable \(table).\(column) (\(detail)): "
        + "fix the cell with sqlite3, or `descent runs delete \(runID) --store \(path)`"
    }
  }

  public var errorDescription: String? { description }

  /// Translates SQLite's file-level failures into typed errors; other errors pass through.
  static func translating(_ error: any Error, path: String) -> any Error {
    guard let error = error as? DatabaseError else { return error }
    switch error.resultCode {
    case .SQLITE_NOTADB: return RunStoreError.notADatabase(path: path)
    case .SQLITE_CORRUPT: return RunStoreError.corrupt(path: path, detail: error.message ?? "")
    case .SQLITE_READONLY: return RunStoreError.readOnly(path: path)
    case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
      return RunStoreError.cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)")
    default: return error
    }
  }
}
