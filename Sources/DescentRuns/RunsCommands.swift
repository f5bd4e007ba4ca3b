import Descent
import Foundation

/// Errors of the `descent runs` and `descent report` commands beyond the store's own
/// (`RunStoreError`). Each message is one line naming the file or value at fault and the fix.
public enum RunsCommandError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// A read command was pointed at a store file that does not exist.
  case missingStore(path: String)
  /// An option value that parses but cannot be used (`--target-loss nan`).
  case invalidValue(flag: String, value: String, reason: String)
  /// An output file (`--output`) could not be written.
  case cannotWrite(path: String, detail: String)

  public var description: String {
    switch self {
    case .missingStore(let path):
      return "no run store at \(path): `descent train` or `descent compare` creates one "
        + "(or pass --store PATH of an existing store)"
    case .invalidValue(let flag, let value, let reason):
      return "\(flag): '\(value)' is invalid: \(reason)"
    case .cannotWrite(let path, let detail):
      return "cannot write \(path) (\(detail)): check the folder exists and is writable, "
        + "or pass another --output path"
    }
  }

  public var errorDescription: String? { description }

  /// The exit status of the command-line contract for an error of these commands: 64 for a usage
  /// error (unknown or ambiguous run id, bad option value), 65 for bad input data (a missing,
  /// foreign, corrupt or too-new store file), 1 for anything else (file system failures).
  public static func exitStatus(for error: any Error) -> Int32 {
    switch error {
    case let error as RunsCommandError:
      switch error {
      case .missingStore: return 65
      case .invalidValue: return 64
      case .cannotWrite: return 1
      }
    case let error as RunStoreError:
      switch error {
      case .notADatabase, .notARunStore, .corrupt, .schemaTooNew, .unreadableCell, .isFolder,
        .emptyFile:
        return 65
      case .unknownRun, .ambiguousRun: return 64
      case .cannotOpen, .readOnly: return 1
      }
    default:
      return 1
    }
  }
}

/// Output formats of `descent runs list` and `descent runs show`.
public enum RunListingFormat: String, Sendable, CaseIterable {
  /// Aligned columns (list) or `key: value` lines (show), for people.
  case table
  /// Sorted-key JSON, dates in ISO 8601, non-finite numbers as `"NaN"`, `"Infinity"`.
  case json
}

/// The library side of `descent runs list|show|export|delete` and `descent report`: each function
/// takes an open store and the parsed options and returns the text to print on stdout, so that the
/// command-line target only parses and prints. See docs/command-line.md.
public enum RunsCommands {
  /// Opens the store at `path` for a command that reads it, never creating or changing the file
  /// (`RunStoreFile` lists what each kind of path gives): a store this process may not write is
  /// opened `.readOnly`, so it can be listed, shown, exported and charted.
  ///
  /// - Throws: `RunsCommandError.missingStore` when there is no file at `path`;
  ///   `RunStoreError.isFolder` / `.emptyFile` for a folder or a 0-byte file; `RunStoreError`
  ///   when the file is not a run store, is corrupt, or is too new.
  public static func openExistingStore(path: String) throws -> RunStore {
    switch RunStoreFile.inspect(path) {
    case .missing: throw RunsCommandError.missingStore(path: path)
    case .folder: throw RunStoreError.isFolder(path: path)
    case .empty: throw RunStoreError.emptyFile(path: path)
    case .file(let writable): return try RunStore(path: path, access: writable ? .readWrite : .readOnly)
    }
  }

  /// `descent runs list`: first marks interrupted the runs of this host whose process is gone
  /// (`RunStore.markStaleRunsInterrupted`), then lists the runs, newest first, optionally only
  /// those with `status`. An empty table is one line saying so; empty JSON is `[]`.
  /// A run with a mistyped cell is left out of the listing and named through `warn` (standard
  /// error by default), one line each. `hostname` and `isAlive` are for tests.
  public static func list(
    store: RunStore, status: RunStatus? = nil, format: RunListingFormat = .table,
    hostname: String = MachineInfo.current.hostname,
    isAlive: (_ pid: Int32, _ startTime: Int64?) -> Bool = isRunProcessAlive,
    warn: (String) -> Void = { StandardStreams.writeError("warning: \($0)\n") }
  ) throws -> String {
    try store.markStaleRunsInterrupted(hostname: hostname, isAlive: isAlive)
    let (runs, unreadable) = try store.listReadableRuns(status: status)
    for problem in unreadable { warn("\(problem) (left out of the list)") }
    switch format {
    case .json:
      return RunFormatting.json(runs)
    case .table:
      if runs.isEmpty {
        let what = status.map { "no \($0.rawValue) runs" } ?? "no runs"
        return "\(what) in \(store.path)\n"
      }
      return RunFormatting.table(runs)
    }
  }

  /// `descent runs show RUN`: one run's record and a summary of its points.
  public static func show(store: RunStore, id: String, format: RunListingFormat = .table) throws
    -> String
  {
    let data = try store.runData(id: id)
    switch format {
    case .table: return RunFormatting.detail(data)
    case .json: return RunFormatting.detailJSON(data)
    }
  }

  /// `descent runs export RUN --format csv|json [--output FILE]`: the run's points as
  /// `RunStore.exportRun` formats them. Without `output`, returns that text; with it, writes the
  /// text atomically to `output` (a reader sees the old file or the new one, never a part) and
  /// returns one line saying where.
  public static func export(
    store: RunStore, id: String, format: RunExportFormat, output: String? = nil
  ) throws -> String {
    let text = try store.exportRun(id: id, format: format)
    guard let output else { return text }
    do {
      try writeAtomically(Data(text.utf8), to: output)
    } catch ReportWriteError.cannotWrite(_, let detail) {
      throw RunsCommandError.cannotWrite(path: output, detail: detail)
    }
    let runID = try store.run(id: id).id
    return "wrote run \(runID) as \(format.rawValue) to \(output)\n"
  }

  /// `descent runs delete RUN`: deletes the run with its metrics and evaluations and returns one
  /// line naming it.
  /// A run whose row cannot be read (a mistyped cell) is deleted all the same, named by its id.
  public static func delete(store: RunStore, id: String) throws -> String {
    do {
      let run = try store.run(id: id)
      try store.deleteRun(id: run.id)
      return "deleted run \(run.id) (\(run.name), \(run.status.rawValue))\n"
    } catch RunStoreError.unreadableCell(_, _, let runID, _, _) {
      try store.deleteRun(id: runID)
      return "deleted run \(runID) (its row was unreadable)\n"
    }
  }

  /// `descent report RUN... --output FILE`: charts the runs together (`ReportBuilder`, one line
  /// per optimizer) and writes the page atomically to `output`. Ids may be unique prefixes; a run
  /// named twice is charted once. Marks stale runs interrupted first, so that the report's run
  /// table shows their real status. Returns one line saying where it wrote.
  ///
  /// - Parameters:
  ///   - lossScale: the loss charts' y axis; nil chooses (see `ReportOptions.lossScale`).
  ///   - targetLoss: the level for "time to target"; nil chooses. Must be finite.
  public static func report(
    store: RunStore, runIDs: [String], output: String, lossScale: AxisScale? = nil,
    targetLoss: Double? = nil, hostname: String = MachineInfo.current.hostname,
    isAlive: (_ pid: Int32, _ startTime: Int64?) -> Bool = isRunProcessAlive
  ) throws -> String {
    guard !runIDs.isEmpty else {
      throw RunsCommandError.invalidValue(
        flag: "RUN", value: "", reason: "name at least one run (`descent runs list` shows them)")
    }
    if let targetLoss, !targetLoss.isFinite {
      throw RunsCommandError.invalidValue(
        flag: "--target-loss", value: "\(targetLoss)", reason: "must be a finite number")
    }
    try store.markStaleRunsInterrupted(hostname: hostname, isAlive: isAlive)
    var seen = Set<String>()
    let runs = try runIDs.map { try store.runData(id: $0) }.filter {
      seen.insert($0.run.id).inserted
    }
    let builder = ReportBuilder(
      runs: runs, options: ReportOptions(lossScale: lossScale, targetLoss: targetLoss))
    try builder.write(to: output)
    let optimizers = Set(runs.map(\.run.optimizer)).count
    return "wrote report of \(runs.count) run\(runs.count == 1 ? "" : "s") "
      + "(\(optimizers) optimizer\(optimizers == 1 ? "" : "s")) to \(output)\n"
  }
}
