import Foundation
import GRDB

/// Every training run in one SQLite file: configuration, machine, status, metrics per step,
/// evaluations, checkpoint path.
///
/// The file is opened in WAL mode through a GRDB `DatabasePool`: readers never block the writer,
/// and writers (threads or processes) queue behind each other for up to `busyTimeout` seconds
/// instead of failing, so two `descent train` processes appending to one store lose nothing.
/// Every write is one IMMEDIATE transaction (a batch of metrics is one transaction, so a killed
/// process leaves either the whole batch or none of it). See docs/runs-and-reports.md.
public final class RunStore: Sendable {
  /// The default file, in the current directory.
  public static let defaultPath = "descent-runs.sqlite"

  /// How a store is opened.
  public enum Access: Sendable {
    /// Created if missing, schema brought up to date, written by the commands that record runs.
    case readWrite
    /// Never written: for reading a store this process may not write (`RunStoreFile`). Writes
    /// throw `RunStoreError.readOnly`; `markStaleRunsInterrupted` does nothing.
    case readOnly
  }

  /// The file this store reads and writes.
  public let path: String
  /// Whether the store was opened `.readOnly`.
  public let isReadOnly: Bool
  let pool: DatabasePool

  /// Opens the store at `path` (with `.readWrite`, creating it if needed and bringing its schema up
  /// to date).
  ///
  /// - Throws: `RunStoreError` when the path is a folder, the file is not SQLite, not a run store,
  ///   corrupt, written by a newer descent, cannot be opened, or (`.readWrite`) may not be
  ///   written by this process — checked before SQLite touches the file, so a read-only store is
  ///   refused, not half-opened.
  public init(
    path: String = RunStore.defaultPath, busyTimeout: TimeInterval = 60,
    access: Access = .readWrite
  ) throws {
    self.path = path
    isReadOnly = access == .readOnly
    switch RunStoreFile.inspect(path) {
    case .folder: throw RunStoreError.isFolder(path: path)
    case .empty(writable: false) where access == .readWrite,
      .file(writable: false) where access == .readWrite:
      throw RunStoreError.readOnly(path: path)
    case .missing where access == .readOnly:
      throw RunStoreError.cannotOpen(path: path, detail: "no such file")
    default: break
    }
    var configuration = Configuration()
    configuration.readonly = access == .readOnly
    configuration.busyMode = .timeout(busyTimeout)
    configuration.foreignKeysEnabled = true
    configuration.label = "descent-runs"
    // Two processes opening a new store at once can collide: switching a fresh file to WAL needs
    // an exclusive lock that the busy timeout does not wait for, and the second migration fails
    // ("table … already exists") after the first commits. SQLite errors while opening are
    // therefore retried a few times; the retry finds WAL on and the migrations applied.
    var attempt = 0
    var opened: DatabasePool?
    while opened == nil {
      do {
        opened = try Self.open(
          path: path, location: Self.location(of: path, access: access),
          configuration: configuration, access: access)
      } catch let error as DatabaseError
        where attempt < 8
        && [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_ERROR].contains(error.resultCode)
      {
        attempt += 1
        Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
      } catch {
        throw RunStoreError.translating(error, path: path)
      }
    }
    pool = opened!
  }

  /// What SQLite opens for `path`: the path itself, except for a read-only store in a folder this
  /// process may not write and without a `-shm` file. SQLite needs that shared-memory file to
  /// read a WAL database, so such a store is opened as immutable (`file:…?immutable=1`, SQLite
  /// with URI support, as Debian's): no locks, no `-shm`, nothing written — the file as it is.
  private static func location(of path: String, access: Access) -> String {
    guard access == .readOnly, !FileManager.default.fileExists(atPath: path + "-shm") else {
      return path
    }
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    guard !RunStoreFile.isWritable(folder) else { return path }
    return url.absoluteString + "?immutable=1"
  }

  private static func open(
    path: String, location: String, configuration: Configuration, access: Access
  ) throws -> DatabasePool {
    let pool = try DatabasePool(path: location, configuration: configuration)
    let migrator = RunStoreSchema.migrator
    try pool.read { db in
      let applied = try migrator.appliedIdentifiers(db)
      let unknown = applied.subtracting(migrator.migrations)
      if !unknown.isEmpty {
        throw RunStoreError.schemaTooNew(path: path, unknownMigrations: unknown.sorted())
      }
      let tables = try String.fetchAll(
        db,
        // GRDB creates its `grdb_migrations` table before the first migration commits: a store
        // that another process is creating right now has that table alone.
        sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
          + "AND name != 'grdb_migrations'")
      if applied.isEmpty && !tables.isEmpty { throw RunStoreError.notARunStore(path: path) }
      if access == .readOnly, try !migrator.hasCompletedMigrations(db) {
        throw applied.isEmpty
          ? RunStoreError.notARunStore(path: path)
          : RunStoreError.readOnly(path: path)
      }
    }
    if access == .readWrite { try migrator.migrate(pool) }
    // A store whose migrations are recorded but a table was dropped by hand would fail later,
    // inside a query, with SQLite's own words; refuse it here as the damaged store it is.
    try pool.read { db in
      guard try migrator.hasCompletedMigrations(db) else { return }
      for table in RunStoreSchema.tables where try !db.tableExists(table) {
        throw RunStoreError.corrupt(path: path, detail: "its table \(table) is missing")
      }
    }
    return pool
  }

  /// Runs `body` in one write transaction, translating file-level failures to `RunStoreError`.
  func write<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch { throw RunStoreError.translating(error, path: path) }
  }

  func read<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch { throw RunStoreError.translating(error, path: path) }
  }

  // MARK: Groups

  /// Records a group of runs (one `descent compare` invocation); pass its id in `NewRun.groupID`.
  public func createGroup(name: String, configJSON: String = "{}") throws -> RunGroup {
    try write { db in
      for _ in 0..<8 {
        let group = RunGroup(
          id: Self.makeID(prefix: "g"), name: name, configJSON: configJSON, createdAt: Date())
        if try Self.idExists(db, table: "runGroups", id: group.id) { continue }
        try db.execute(
          sql: "INSERT INTO runGroups (id, name, configJSON, createdAt) VALUES (?, ?, ?, ?)",
          arguments: [group.id, group.name, group.configJSON, group.createdAt])
        // Read back: the stored date has millisecond precision.
        let row = try Row.fetchOne(
          db, sql: "SELECT * FROM runGroups WHERE id = ?", arguments: [group.id])!
        return try Self.runGroup(row, path: path)
      }
      preconditionFailure("RunStore.createGroup: 8 random ids in a row already taken")
    }
  }

  /// All groups, newest first.
  public func listGroups() throws -> [RunGroup] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM runGroups ORDER BY createdAt DESC, id").map {
        try Self.runGroup($0, path: path)
      }
    }
  }

  // MARK: Runs

  /// Records a new run with status `running` and returns it (with its new id, `r-YYYYMMDD-HHMM-`
  /// and 6 random hex digits).
  @discardableResult
  public func createRun(_ new: NewRun, startedAt: Date = Date()) throws -> RunRecord {
    try write { db in
      var id = Self.makeID(prefix: "r", date: startedAt)
      var attempts = 0
      while try Self.idExists(db, table: "runs", id: id) {
        attempts += 1
        precondition(attempts < 8, "RunStore.createRun: 8 random ids in a row already taken")
        id = Self.makeID(prefix: "r", date: startedAt)
      }
      try db.execute(
        sql: """
          INSERT INTO runs (id, name, task, optimizer, hyperparametersJSON, configJSON, seed,
            groupID, codeVersion, hostname, cpuCores, cpuModel, processID, processStartTime, startedAt,
            status)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')
          """,
        arguments: [
          id, new.name, new.task, new.optimizer, new.hyperparametersJSON, new.configJSON, new.seed,
          new.groupID, new.codeVersion, new.machine.hostname, new.machine.cores,
          new.machine.cpuModel, new.processID, new.processStartTime, startedAt,
        ])
      return try Self.fetchRun(db, id: id, path: path)!
    }
  }

  /// Appends (or, for steps already stored, replaces) a batch of metrics in one transaction.
  /// Replacing makes a resumed run rewrite the steps it lost since its last checkpoint.
  public func appendMetrics(runID: String, _ points: [MetricPoint]) throws {
    guard !points.isEmpty else { return }
    try write { db in
      try Self.requireRun(db, id: runID, path: path)
      let statement = try db.cachedStatement(
        sql: """
          INSERT OR REPLACE INTO metrics
            (runID, step, epoch, seconds, trainLoss, learningRate, extraJSON)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """)
      for point in points {
        try statement.execute(arguments: [
          runID, point.step, point.epoch, point.seconds,
          point.trainLoss.isNaN ? nil : point.trainLoss, point.learningRate,
          point.extra.isEmpty ? nil : Self.encodeJSON(point.extra),
        ])
      }
    }
  }

  /// Records (or replaces) the evaluation at `evaluation.step`.
  public func recordEvaluation(runID: String, _ evaluation: EvaluationPoint) throws {
    try write { db in
      try Self.requireRun(db, id: runID, path: path)
      try db.execute(
        sql: "INSERT OR REPLACE INTO evaluations (runID, step, loss, accuracy) VALUES (?, ?, ?, ?)",
        arguments: [
          runID, evaluation.step, evaluation.loss.isNaN ? nil : evaluation.loss,
          evaluation.accuracy,
        ])
    }
  }

  /// Points the run at its latest checkpoint file.
  public func setCheckpointPath(runID: String, _ checkpointPath: String) throws {
    try update(runID: runID, sql: "checkpointPath = ?", arguments: [checkpointPath])
  }

  /// Marks the run finished with its summary numbers.
  public func finishRun(id: String, summary: RunSummary, endedAt: Date = Date()) throws {
    try end(id: id, status: .finished, message: nil, summary: summary, endedAt: endedAt)
  }

  /// Marks the run failed; `message` says why (one line: what, at which step).
  public func failRun(
    id: String, message: String, summary: RunSummary = RunSummary(), endedAt: Date = Date()
  ) throws {
    try end(id: id, status: .failed, message: message, summary: summary, endedAt: endedAt)
  }

  /// Marks the run interrupted (a signal stopped it; it can resume from its checkpoint).
  public func markInterrupted(
    id: String, message: String? = nil, summary: RunSummary = RunSummary(), endedAt: Date = Date()
  ) throws {
    try end(id: id, status: .interrupted, message: message, summary: summary, endedAt: endedAt)
  }

  /// Marks an interrupted (or failed) run running again, owned by this process: `--resume`.
  public func markResumed(id: String, processID: Int32 = ProcessInfo.processInfo.processIdentifier)
    throws
  {
    try update(
      runID: id,
      sql: """
        status = 'running', endedAt = NULL, failureMessage = NULL, processID = ?, processStartTime = ?, hostname = ?
        """,
      arguments: [processID, processStartTime(processID), MachineInfo.current.hostname])
  }

  private func end(
    id: String, status: RunStatus, message: String?, summary: RunSummary, endedAt: Date
  ) throws {
    // A summary field left nil keeps what is stored (a run may record its summary in parts).
    try update(
      runID: id,
      sql: """
        status = ?, failureMessage = ?, endedAt = ?,
        finalLoss = coalesce(?, finalLoss), bestLoss = coalesce(?, bestLoss),
        finalAccuracy = coalesce(?, finalAccuracy), bestAccuracy = coalesce(?, bestAccuracy),
        steps = coalesce(?, steps), seconds = coalesce(?, seconds),
        optimizerStateBytes = coalesce(?, optimizerStateBytes)
        """,
      arguments: [
        status.rawValue, message, endedAt, Self.finite(summary.finalLoss),
        Self.finite(summary.bestLoss), Self.finite(summary.finalAccuracy),
        Self.finite(summary.bestAccuracy), summary.steps, summary.seconds,
        summary.optimizerStateBytes,
      ])
  }

  private func update(runID: String, sql: String, arguments: StatementArguments) throws {
    try write { db in
      try db.execute(sql: "UPDATE runs SET \(sql) WHERE id = ?", arguments: arguments + [runID])
      if db.changesCount == 0 { throw RunStoreError.unknownRun(id: runID, path: path) }
    }
  }

  /// Runs, newest first, optionally only those with `status` or in group `groupID`.
  ///
  /// - Throws: `RunStoreError.unreadableCell` for the first run with a mistyped cell;
  ///   `listReadableRuns` lists the others and names the unreadable ones instead.
  public func listRuns(status: RunStatus? = nil, groupID: String? = nil) throws -> [RunRecord] {
    let listing = try listReadableRuns(status: status, groupID: groupID)
    if let first = listing.unreadable.first { throw first }
    return listing.runs
  }

  /// The runs that can be read, newest first, and one error per run that cannot (a cell of the
  /// wrong type, an unknown status), so that one damaged row does not hide the others.
  public func listReadableRuns(status: RunStatus? = nil, groupID: String? = nil) throws -> (
    runs: [RunRecord], unreadable: [RunStoreError]
  ) {
    try read { db in
      var conditions: [String] = []
      var arguments: StatementArguments = []
      if let status {
        conditions.append("status = ?")
        arguments += [status.rawValue]
      }
      if let groupID {
        conditions.append("groupID = ?")
        arguments += [groupID]
      }
      let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
      var runs: [RunRecord] = []
      var unreadable: [RunStoreError] = []
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM runs \(filter) ORDER BY startedAt DESC, id", arguments: arguments)
      for row in rows {
        do {
          runs.append(try Self.runRecord(row, path: path))
        } catch let error as RunStoreError {
          unreadable.append(error)
        }
      }
      return (runs, unreadable)
    }
  }

  /// The run whose id is `id`, or the only run whose id starts with `id`.
  ///
  /// - Throws: `RunStoreError.unknownRun` or `.ambiguousRun`.
  public func run(id: String) throws -> RunRecord {
    try read { db in try Self.resolveRun(db, id: id, path: path) }
  }

  /// The run with all its metrics and evaluations, in step order.
  public func runData(id: String) throws -> RunData {
    try read { db in
      let run = try Self.resolveRun(db, id: id, path: path)
      let metrics = try Row.fetchAll(
        db, sql: "SELECT * FROM metrics WHERE runID = ? ORDER BY step", arguments: [run.id]
      ).map { try Self.metricPoint($0, path: path) }
      let evaluations = try Row.fetchAll(
        db, sql: "SELECT * FROM evaluations WHERE runID = ? ORDER BY step", arguments: [run.id]
      ).map { try Self.evaluationPoint($0, path: path) }
      return RunData(run: run, metrics: metrics, evaluations: evaluations)
    }
  }

  /// Deletes the run with its metrics and evaluations (foreign keys cascade).
  public func deleteRun(id: String) throws {
    try write { db in
      let runID = try Self.resolveRunID(db, id: id, path: path)
      try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [runID])
    }
  }

  /// Marks `interrupted` every run left `running` on this host by a process that is gone (killed,
  /// crashed, machine rebooted), and returns their ids. Runs of other hosts are left alone: their
  /// processes cannot be checked from here. `isAlive` is for tests.
  @discardableResult
  public func markStaleRunsInterrupted(
    hostname: String = MachineInfo.current.hostname,
    isAlive: (_ pid: Int32, _ startTime: Int64?) -> Bool = isRunProcessAlive
  ) throws -> [String] {
    if isReadOnly { return [] }
    return try write { db in
      let candidates = try Row.fetchAll(
        db,
        sql:
          "SELECT id, processID, processStartTime FROM runs WHERE status = 'running' AND hostname = ?",
        arguments: [hostname])
      var stale: [String] = []
      for row in candidates {
        // A mistyped cell is left for `runs show` to report; it cannot be checked here.
        let cell = StoredRowDecoder(row, path: path, table: "runs")
        let startTime: Int64?
        do { startTime = try cell.optional("processStartTime") } catch { continue }
        guard let id: String = try? cell("id"), let processID: Int32 = try? cell("processID")
        else { continue }
        if isAlive(processID, startTime) { continue }
        try db.execute(
          sql: """
            UPDATE runs SET status = 'interrupted', endedAt = ?,
              failureMessage = 'process ' || processID || ' on ' || hostname || ' ended without finishing the run'
            WHERE id = ?
            """,
          arguments: [Date(), id])
        stale.append(id)
      }
      return stale
    }
  }

  // MARK: Rows

  static func makeID(prefix: String, date: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmm"
    let random = String(UInt32.random(in: 0..<(1 << 24)), radix: 16)
    return "\(prefix)-\(formatter.string(from: date))-"
      + String(repeating: "0", count: 6 - random.count) + random
  }

  static func idExists(_ db: Database, table: String, id: String) throws -> Bool {
    try Bool.fetchOne(
      db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE id = ?)", arguments: [id])
      ?? false
  }

  static func requireRun(_ db: Database, id: String, path: String) throws {
    if try !idExists(db, table: "runs", id: id) {
      throw RunStoreError.unknownRun(id: id, path: path)
    }
  }

  static func fetchRun(_ db: Database, id: String, path: String) throws -> RunRecord? {
    try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map {
      try runRecord($0, path: path)
    }
  }

  /// The id of the run whose id is `id`, or of the only run whose id starts with `id`; reads no
  /// other cell, so that a run with a damaged row can still be deleted.
  static func resolveRunID(_ db: Database, id: String, path: String) throws -> String {
    if try idExists(db, table: "runs", id: id) { return id }
    let escaped = id.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    let matches = try String.fetchAll(
      db, sql: "SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 10",
      arguments: [escaped + "%"])
    guard !id.isEmpty, let first = matches.first else {
      throw RunStoreError.unknownRun(id: id, path: path)
    }
    if matches.count > 1 {
      throw RunStoreError.ambiguousRun(prefix: id, matches: matches, path: path)
    }
    return first
  }

  static func resolveRun(_ db: Database, id: String, path: String) throws -> RunRecord {
    try fetchRun(db, id: try resolveRunID(db, id: id, path: path), path: path)!
  }

  static func runRecord(_ row: Row, path: String) throws -> RunRecord {
    let cell = StoredRowDecoder(row, path: path, table: "runs")
    let statusText: String = try cell("status")
    guard let status = RunStatus(rawValue: statusText) else {
      throw cell.unreadable(
        "status",
        detail: "'\(statusText.prefix(40))' is not one of "
          + RunStatus.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return RunRecord(
      id: try cell("id"), name: try cell("name"), task: try cell("task"),
      optimizer: try cell("optimizer"), hyperparametersJSON: try cell("hyperparametersJSON"),
      configJSON: try cell("configJSON"), seed: try cell("seed"),
      groupID: try cell.optional("groupID"), codeVersion: try cell("codeVersion"),
      machine: MachineInfo(
        hostname: try cell("hostname"), cores: try cell("cpuCores"),
        cpuModel: try cell("cpuModel")),
      processID: try cell("processID"), processStartTime: try cell.optional("processStartTime"),
      startedAt: try cell("startedAt"), endedAt: try cell.optional("endedAt"),
      status: status, failureMessage: try cell.optional("failureMessage"),
      checkpointPath: try cell.optional("checkpointPath"),
      summary: RunSummary(
        finalLoss: try cell.optional("finalLoss"), bestLoss: try cell.optional("bestLoss"),
        finalAccuracy: try cell.optional("finalAccuracy"),
        bestAccuracy: try cell.optional("bestAccuracy"), steps: try cell.optional("steps"),
        seconds: try cell.optional("seconds"),
        optimizerStateBytes: try cell.optional("optimizerStateBytes")))
  }

  static func runGroup(_ row: Row, path: String) throws -> RunGroup {
    let cell = StoredRowDecoder(row, path: path, table: "runGroups")
    return RunGroup(
      id: try cell("id"), name: try cell("name"), configJSON: try cell("configJSON"),
      createdAt: try cell("createdAt"))
  }

  static func metricPoint(_ row: Row, path: String) throws -> MetricPoint {
    let cell = StoredRowDecoder(row, path: path, table: "metrics")
    var extra: [String: Double] = [:]
    if let json: String = try cell.optional("extraJSON"), let data = json.data(using: .utf8) {
      extra = (try? JSONDecoder().decode([String: Double].self, from: data)) ?? [:]
    }
    return MetricPoint(
      step: try cell("step"), epoch: try cell("epoch"), seconds: try cell("seconds"),
      trainLoss: try cell.optional("trainLoss") ?? .nan,
      learningRate: try cell("learningRate"), extra: extra)
  }

  static func evaluationPoint(_ row: Row, path: String) throws -> EvaluationPoint {
    let cell = StoredRowDecoder(row, path: path, table: "evaluations")
    return EvaluationPoint(
      step: try cell("step"), loss: try cell.optional("loss") ?? .nan,
      accuracy: try cell.optional("accuracy"))
  }

  static func encodeJSON(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return String(decoding: try! encoder.encode(value), as: UTF8.self)
  }

  static func finite(_ value: Double?) -> Double? {
    guard let value, value.isFinite else { return nil }
    return value
  }
}
