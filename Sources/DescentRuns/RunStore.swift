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

  /// The file this store reads and writes.
  public let path: String
  let pool: DatabasePool

  /// Opens (creating if needed) the store at `path` and brings its schema up to date.
  ///
  /// - Throws: `RunStoreError` when the file is not SQLite, not a run store, corrupt, written by a
  ///   newer descent, or cannot be opened.
  public init(path: String = RunStore.defaultPath, busyTimeout: TimeInterval = 60) throws {
    self.path = path
    var configuration = Configuration()
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
        opened = try Self.open(path: path, configuration: configuration)
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

  private static func open(path: String, configuration: Configuration) throws -> DatabasePool {
    let pool = try DatabasePool(path: path, configuration: configuration)
    let migrator = RunStoreSchema.migrator
    try pool.read { db in
      let applied = try migrator.appliedIdentifiers(db)
      let unknown = applied.subtracting(migrator.migrations)
      if !unknown.isEmpty {
        throw RunStoreError.schemaTooNew(path: path, unknownMigrations: unknown.sorted())
      }
      let tables = try String.fetchAll(
        db,
        sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      if applied.isEmpty && !tables.isEmpty { throw RunStoreError.notARunStore(path: path) }
    }
    try migrator.migrate(pool)
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
        return Self.runGroup(row)
      }
      preconditionFailure("RunStore.createGroup: 8 random ids in a row already taken")
    }
  }

  /// All groups, newest first.
  public func listGroups() throws -> [RunGroup] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM runGroups ORDER BY createdAt DESC, id").map(
        Self.runGroup)
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
      return try Self.fetchRun(db, id: id)!
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
  public func listRuns(status: RunStatus? = nil, groupID: String? = nil) throws -> [RunRecord] {
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
      return try Row.fetchAll(
        db, sql: "SELECT * FROM runs \(filter) ORDER BY startedAt DESC, id", arguments: arguments
      ).map(Self.runRecord)
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
      ).map(Self.metricPoint)
      let evaluations = try Row.fetchAll(
        db, sql: "SELECT * FROM evaluations WHERE runID = ? ORDER BY step", arguments: [run.id]
      ).map {
        EvaluationPoint(
          step: $0["step"], loss: $0["loss"] as Double? ?? .nan, accuracy: $0["accuracy"])
      }
      return RunData(run: run, metrics: metrics, evaluations: evaluations)
    }
  }

  /// Deletes the run with its metrics and evaluations (foreign keys cascade).
  public func deleteRun(id: String) throws {
    try write { db in
      let run = try Self.resolveRun(db, id: id, path: path)
      try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [run.id])
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
    try write { db in
      let candidates = try Row.fetchAll(
        db,
        sql:
          "SELECT id, processID, processStartTime FROM runs WHERE status = 'running' AND hostname = ?",
        arguments: [hostname])
      var stale: [String] = []
      for row in candidates where !isAlive(row["processID"], row["processStartTime"]) {
        let id: String = row["id"]
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

  static func fetchRun(_ db: Database, id: String) throws -> RunRecord? {
    try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(runRecord)
  }

  static func resolveRun(_ db: Database, id: String, path: String) throws -> RunRecord {
    if let run = try fetchRun(db, id: id) { return run }
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
    return try fetchRun(db, id: first)!
  }

  static func runRecord(_ row: Row) -> RunRecord {
    RunRecord(
      id: row["id"], name: row["name"], task: row["task"], optimizer: row["optimizer"],
      hyperparametersJSON: row["hyperparametersJSON"], configJSON: row["configJSON"],
      seed: row["seed"], groupID: row["groupID"], codeVersion: row["codeVersion"],
      machine: MachineInfo(
        hostname: row["hostname"], cores: row["cpuCores"], cpuModel: row["cpuModel"]),
      processID: row["processID"], processStartTime: row["processStartTime"],
      startedAt: row["startedAt"], endedAt: row["endedAt"],
      status: RunStatus(rawValue: row["status"]) ?? .failed, failureMessage: row["failureMessage"],
      checkpointPath: row["checkpointPath"],
      summary: RunSummary(
        finalLoss: row["finalLoss"], bestLoss: row["bestLoss"], finalAccuracy: row["finalAccuracy"],
        bestAccuracy: row["bestAccuracy"], steps: row["steps"], seconds: row["seconds"],
        optimizerStateBytes: row["optimizerStateBytes"]))
  }

  static func runGroup(_ row: Row) -> RunGroup {
    RunGroup(
      id: row["id"], name: row["name"], configJSON: row["configJSON"], createdAt: row["createdAt"])
  }

  static func metricPoint(_ row: Row) -> MetricPoint {
    var extra: [String: Double] = [:]
    if let json: String = row["extraJSON"], let data = json.data(using: .utf8) {
      extra = (try? JSONDecoder().decode([String: Double].self, from: data)) ?? [:]
    }
    return MetricPoint(
      step: row["step"], epoch: row["epoch"], seconds: row["seconds"],
      trainLoss: row["trainLoss"] as Double? ?? .nan, learningRate: row["learningRate"],
      extra: extra)
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
