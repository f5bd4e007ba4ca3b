import Foundation
import Testing

/// A run killed with SIGKILL after its first checkpoint, through the built executable: the run
/// store reports it `interrupted`, and `--resume RUNID` ends with the parameters of an
/// uninterrupted run.
@Suite struct EndToEndTests {
  static func lastJSON(_ text: String) throws -> [String: Any] {
    let line = text.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
    return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
  }

  @Test(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
  func aKilledRunIsInterruptedAndResumesBitForBit() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = directory.appendingPathComponent("text.txt")
    try String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 60)
      .write(to: text, atomically: true, encoding: .utf8)
    let store = directory.appendingPathComponent("runs.sqlite").path
    let run = [
      "train", "--model", "gpt-char:layers=1,heads=2,dim=16,context=16", "--data", text.path,
      "--lr", "0.01", "--batch-size", "8", "--steps", "60", "--seed", "5", "--threads", "1",
      "--format", "json",
    ]

    let straight = try DescentExecutable.run(
      run + ["--no-store", "--checkpoint", directory.appendingPathComponent("a.ckpt").path])
    #expect(straight.status == 0, "\(straight.stderr)")
    let expected = try Self.lastJSON(straight.stdout)["finalParametersSHA256"] as? String
    #expect(expected?.count == 64)

    let checkpoint = directory.appendingPathComponent("b.ckpt")
    let process = try DescentExecutable.start(
      run + ["--store", store, "--checkpoint", checkpoint.path, "--checkpoint-every", "3"],
      stdout: directory.appendingPathComponent("b.out"),
      stderr: directory.appendingPathComponent("b.err"))
    let deadline = Date().addingTimeInterval(10)
    while !FileManager.default.fileExists(atPath: checkpoint.path), Date() < deadline,
      process.isRunning
    {
      Thread.sleep(forTimeInterval: 0.005)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal, "the run ended before it was killed")
    #expect(FileManager.default.fileExists(atPath: checkpoint.path))

    let list = try DescentExecutable.run(["runs", "list", "--store", store, "--format", "json"])
    #expect(list.status == 0, "\(list.stderr)")
    let runs =
      try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
    #expect(runs.count == 1)
    #expect(runs.first?["status"] as? String == "interrupted")
    let id = try #require(runs.first?["id"] as? String)

    let resumed = try DescentExecutable.run(["train", "--resume", id, "--store", store, "--format", "json"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let summary = try Self.lastJSON(resumed.stdout)
    #expect(summary["status"] as? String == "finished")
    #expect(summary["steps"] as? Int == 60)
    #expect(summary["finalParametersSHA256"] as? String == expected)
  }
}
