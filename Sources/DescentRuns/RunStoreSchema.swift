import GRDB

/// The store's versioned schema. Migrations are append-only: a released one is never edited; a
/// change is a new migration. GRDB records applied ones in `grdb_migrations`.
enum RunStoreSchema {
  /// The tables the migrations create, each required in a complete store.
  static let tables = ["runGroups", "runs", "metrics", "evaluations"]

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1-runs-metrics-evaluations-groups") { db in
      try db.execute(
        sql: """
          CREATE TABLE runGroups (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            configJSON TEXT NOT NULL DEFAULT '{}',
            createdAt DATETIME NOT NULL
          );
          CREATE TABLE runs (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            task TEXT NOT NULL,
            optimizer TEXT NOT NULL,
            hyperparametersJSON TEXT NOT NULL DEFAULT '{}',
            configJSON TEXT NOT NULL DEFAULT '{}',
            seed INTEGER NOT NULL,
            groupID TEXT REFERENCES runGroups(id) ON DELETE SET NULL,
            codeVersion TEXT NOT NULL,
            hostname TEXT NOT NULL,
            cpuCores INTEGER NOT NULL,
            cpuModel TEXT NOT NULL,
            processID INTEGER NOT NULL,
            processStartTime INTEGER,
            startedAt DATETIME NOT NULL,
            endedAt DATETIME,
            status TEXT NOT NULL
              CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
            failureMessage TEXT,
            checkpointPath TEXT,
            finalLoss REAL,
            bestLoss REAL,
            finalAccuracy REAL,
            bestAccuracy REAL,
            steps INTEGER,
            seconds REAL,
            optimizerStateBytes INTEGER
          );
          CREATE INDEX runsByStatus ON runs(status);
          CREATE INDEX runsByGroup ON runs(groupID);
          CREATE TABLE metrics (
            runID TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            seconds REAL NOT NULL,
            trainLoss REAL,
            learningRate REAL NOT NULL,
            extraJSON TEXT,
            PRIMARY KEY (runID, step)
          ) WITHOUT ROWID;
          CREATE TABLE evaluations (
            runID TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            loss REAL,
            accuracy REAL,
            PRIMARY KEY (runID, step)
          ) WITHOUT ROWID;
          """)
    }
    return migrator
  }
}
