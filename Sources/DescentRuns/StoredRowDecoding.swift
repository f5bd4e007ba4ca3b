import Foundation
import GRDB

/// Reads the cells of one stored row, turning a cell of the wrong type (text in an integer or real
/// column, a timestamp SQLite cannot parse, a status this version does not know) into a
/// `RunStoreError.unreadableCell` that names the store, the table, the run and the column —
/// instead of GRDB's non-throwing subscript, which traps on such a cell.
///
/// A run store is a plain SQLite file that other tools (or a hand edit) may write to, so every
/// read of it goes through here.
struct StoredRowDecoder {
  let row: Row
  let path: String
  let table: String
  /// The run the row belongs to, for the message (the row's own `id` or `runID` when not given).
  let runID: String

  init(_ row: Row, path: String, table: String, runID: String? = nil) {
    self.row = row
    self.path = path
    self.table = table
    let stored = (row["id"] as DatabaseValue?).flatMap { String.fromDatabaseValue($0) }
      ?? (row["runID"] as DatabaseValue?).flatMap { String.fromDatabaseValue($0) }
    self.runID = runID ?? stored ?? "?"
  }

  /// The column's value as `Value` (an optional `Value` accepts NULL).
  func callAsFunction<Value: DatabaseValueConvertible>(
    _ column: String, as type: Value.Type = Value.self
  ) throws -> Value {
    do {
      return try row.decode(Value.self, forColumn: column)
    } catch {
      throw unreadable(column, detail: "\(describeStored(column)) is not \(Self.typeName(Value.self))")
    }
  }

  /// An optional column: NULL is nil, any other value must convert.
  func optional<Value: DatabaseValueConvertible>(
    _ column: String, as type: Value.Type = Value.self
  ) throws -> Value? {
    do {
      return try row.decode(Value?.self, forColumn: column)
    } catch {
      throw unreadable(column, detail: "\(describeStored(column)) is not \(Self.typeName(Value.self))")
    }
  }

  func unreadable(_ column: String, detail: String) -> RunStoreError {
    RunStoreError.unreadableCell(
      path: path, table: table, runID: runID, column: column, detail: detail)
  }

  private func describeStored(_ column: String) -> String {
    guard let value = row[column] as DatabaseValue? else { return "a missing column" }
    switch value.storage {
    case .null: return "NULL"
    case .int64(let v): return "the integer \(v)"
    case .double(let v): return "the real \(v)"
    case .string(let v): return "the text '\(v.prefix(40))'"
    case .blob(let v): return "a \(v.count)-byte blob"
    }
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
    case is Double.Type: return "a real number"
    case is Date.Type: return "a timestamp"
    case is String.Type: return "text"
    default: return "a \(type)"
    }
  }
}
