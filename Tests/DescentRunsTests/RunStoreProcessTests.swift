import Foundation
import Testing

@testable import DescentRuns

#if canImport(Glibc)
  import Glibc
#endif

/// Real processes against one store: this test binary starts copies of itself that run only
/// `childWriterProcess` (enabled by an environment variable, skipped otherwise).
@Suite("Run store across processes")
struct RunStoreProcessTests {
  static let storeVariable = "DESCENT_RUNS_CHILD_STORE"
  static let modeVariable = "DESCENT_RUNS_CHILD_MODE"
  static let batches = 40
  static let batchSize = 25

  static var isChild: Bool { ProcessInfo.processInfo.environment[storeVariable] != nil }

  /// The child's work: one run, `batches` batches of metrics, then either finish or (mode
  /// `hang`) wait to be killed.
  @Test(.enabled(if: isChild)) func childWriterProcess() throws {
    let environment = ProcessInfo.processInfo.environment
    let store = try RunStore(path: environment[Self.storeVariable]!)
    let run = try store.createRun(sampleRun(optimizer: "child", seed: Int64(getpid())))
    for b in 0..<Self.batches {
      try store.appendMetrics(
        runID: run.id,
        (0..<Self.batchSize).map {
          MetricPoint(step: b * Self.batchSize + $0, seconds: 0, trainLoss: 1, learningRate: 1)
        })
    }
    if environment[Self.modeVariable] == "hang" {
      Thread.sleep(forTimeInterval: 120)
    }
    try store.finishRun(id: run.id, summary: RunSummary(steps: Self.batches * Self.batchSize))
  }

  /// Starts this test binary running only `childWriterProcess` on `store`.
  static func startChild(store: String, mode: String, log: String) throws -> Process {
    let process = Process()
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["--testing-library", "swift-testing", "--filter", "childWriterProcess"]
    var environment = ProcessInfo.processInfo.environment
    environment[storeVariable] = store
    environment[modeVariable] = mode
    process.environment = environment
    FileManager.default.createFile(atPath: log, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
  }

  @Test(.enabled(if: !isChild)) func twoProcessesWritingAtOnceLoseNothing() throws {
    let folder = TemporaryFolder()
    let path = folder.file("runs.sqlite")
    _ = try RunStore(path: path)
    let children = try (0..<2).map {
      try Self.startChild(store: path, mode: "write", log: folder.file("child\($0).log"))
    }
    for child in children { child.waitUntilExit() }
    for (index, child) in children.enumerated() {
      let log =
        (try? String(contentsOfFile: folder.file("child\(index).log"), encoding: .utf8)) ?? ""
      #expect(child.terminationStatus == 0, "child \(index) failed:\n\(log.suffix(2000))")
    }
    let store = try RunStore(path: path)
    let runs = try store.listRuns()
    #expect(runs.count == 2)
    #expect(runs.allSatisfy { $0.status == .finished })
    for run in runs {
      #expect(try store.runData(id: run.id).metrics.count == Self.batches * Self.batchSize)
    }
  }

  @Test(.enabled(if: !isChild)) func killedWriterLeavesAConsistentStoreAndAStaleRun() throws {
    let folder = TemporaryFolder()
    let path = folder.file("runs.sqlite")
    let store = try RunStore(path: path)
    let child = try Self.startChild(store: path, mode: "hang", log: folder.file("child.log"))
    let deadline = Date().addingTimeInterval(120)
    var written = 0
    while written < Self.batches * Self.batchSize && Date() < deadline && child.isRunning {
      Thread.sleep(forTimeInterval: 0.05)
      written = try store.read { db in
        try Int.fetchOne(db, sql: "SELECT count(*) FROM metrics") ?? 0
      }
    }
    #expect(written == Self.batches * Self.batchSize)
    kill(child.processIdentifier, SIGKILL)
    child.waitUntilExit()
    let runs = try store.listRuns()
    #expect(runs.map(\.status) == [.running])
    #expect(try store.markStaleRunsInterrupted() == runs.map(\.id))
    let data = try store.runData(id: runs[0].id)
    #expect(data.run.status == .interrupted)
    #expect(data.metrics.count == Self.batches * Self.batchSize)
  }
}
