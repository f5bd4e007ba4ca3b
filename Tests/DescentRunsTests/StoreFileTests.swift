import Foundation
import Testing

@testable import DescentRuns

/// Hardening (issue 19): what is at a `--store` path decides one error (or read-only access) for
/// every command; readers never create or change a file.
struct StoreFileTests {
  @Test func inspectTellsEveryKindOfPath() throws {
    let folder = TemporaryFolder()
    #expect(RunStoreFile.inspect(folder.file("none.sqlite")) == .missing)
    #expect(RunStoreFile.inspect(folder.path) == .folder)
    FileManager.default.createFile(atPath: folder.file("empty.sqlite"), contents: Data())
    #expect(RunStoreFile.inspect(folder.file("empty.sqlite")) == .empty(writable: true))
    _ = try RunStore(path: folder.file("runs.sqlite"))
    #expect(RunStoreFile.inspect(folder.file("runs.sqlite")) == .file(writable: true))
  }

  @Test func aFolderIsRefusedByReadersAndWriters() throws {
    let folder = TemporaryFolder()
    #expect(throws: RunStoreError.isFolder(path: folder.path)) {
      try RunStore(path: folder.path)
    }
    #expect(throws: RunStoreError.isFolder(path: folder.path)) {
      try RunsCommands.openExistingStore(path: folder.path)
    }
    #expect(RunsCommandError.exitStatus(for: RunStoreError.isFolder(path: folder.path)) == 65)
  }

  @Test func readersLeaveAnEmptyFileEmptyWritersMakeItAStore() throws {
    let folder = TemporaryFolder()
    let path = folder.file("empty.sqlite")
    FileManager.default.createFile(atPath: path, contents: Data())
    #expect(throws: RunStoreError.emptyFile(path: path)) {
      try RunsCommands.openExistingStore(path: path)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    #expect(RunsCommandError.exitStatus(for: RunStoreError.emptyFile(path: path)) == 65)
    let store = try RunStore(path: path)
    _ = try store.createRun(sampleRun())
    #expect(try RunsCommands.openExistingStore(path: path).listRuns().count == 1)
  }

  @Test func aReadOnlyStoreIsListedShownAndExportedButNeverWritten() throws {
    let fabricated = try FabricatedStore()
    let path = fabricated.store.path
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let store = try RunStore(path: path, access: .readOnly)
    #expect(store.isReadOnly)
    // The stale run keeps its stored status: marking it interrupted would be a write.
    #expect(try store.markStaleRunsInterrupted(isAlive: { _, _ in false }).isEmpty)
    let listing = try RunsCommands.list(store: store, isAlive: { _, _ in false })
    #expect(listing.contains(fabricated.stale.id))
    #expect(try store.run(id: fabricated.stale.id).status == .running)
    #expect(try RunsCommands.show(store: store, id: fabricated.adam1.id).contains("adam"))
    #expect(try RunsCommands.export(store: store, id: fabricated.adam1.id, format: .csv)
      .hasPrefix("step,"))
    #expect(throws: RunStoreError.readOnly(path: path)) {
      try RunsCommands.delete(store: store, id: fabricated.sgd.id)
    }
    #expect(RunsCommandError.exitStatus(for: RunStoreError.readOnly(path: path)) == 1)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func aFileThatIsNotAStoreIsRefusedReadOnlyToo() throws {
    let folder = TemporaryFolder()
    let path = folder.file("notes.txt")
    FileManager.default.createFile(atPath: path, contents: Data("hello, not SQLite\n".utf8))
    #expect(throws: RunStoreError.notADatabase(path: path)) {
      try RunStore(path: path, access: .readOnly)
    }
    #expect(throws: RunStoreError.notADatabase(path: path)) { try RunStore(path: path) }
  }
}
