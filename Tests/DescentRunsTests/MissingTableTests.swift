import Foundation
import GRDB
import Testing

@testable import DescentRuns

/// Hardening (second hostile run): a store whose migrations are recorded but one of whose tables
/// was dropped by hand is refused at open as corrupt (one line, exit 65 in the commands), not
/// later inside a query with SQLite's "no such table".
@Suite struct MissingTableTests {
  @Test(arguments: RunStoreSchema.tables)
  func aDroppedTableMakesTheStoreCorrupt(table: String) throws {
    let folder = TemporaryFolder()
    let path = folder.file("runs.sqlite")
    let store = try RunStore(path: path)
    _ = try store.createRun(sampleRun(seed: 1))
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
      try db.execute(sql: "PRAGMA foreign_keys = OFF")
      try db.execute(sql: "DROP TABLE \(table)")
    }
    for access in [RunStore.Access.readWrite, .readOnly] {
      #expect(
        throws: RunStoreError.corrupt(path: path, detail: "its table \(table) is missing")
      ) { _ = try RunStore(path: path, access: access) }
    }
  }
}
