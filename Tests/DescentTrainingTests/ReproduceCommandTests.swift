import Foundation
import Testing

/// `descent reproduce` through the built executable: the listing (a snapshot), the contract of
/// the JSON result, the exit statuses and the one-line errors. The experiments' own criteria are
/// tested in DescentExperimentsTests.
@Suite(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct ReproduceCommandTests {
  static let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots/descent-reproduce-list.txt")

  @Test func listingMatchesItsSnapshot() throws {
    let output = try DescentExecutable.run(["reproduce", "--list"])
    #expect(output.status == 0)
    if ProcessInfo.processInfo.environment["DESCENT_REWRITE_SNAPSHOTS"] == "1" {
      try output.stdout.write(to: Self.snapshot, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: Self.snapshot, encoding: .utf8)
    #expect(
      output.stdout == expected,
      "descent reproduce --list differs from Snapshots/descent-reproduce-list.txt; if the change is meant, rerun with DESCENT_REWRITE_SNAPSHOTS=1"
    )
  }

  @Test func listingAsJSONHasEveryPaperWithItsStatus() throws {
    let output = try DescentExecutable.run(["reproduce", "--list", "--format", "json"])
    #expect(output.status == 0)
    let papers = try #require(
      try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
    #expect(papers.count == 37)
    for paper in papers {
      #expect(Set(paper.keys) == ["id", "title", "arxiv", "status"])
      #expect(["reproduced", "library", "absent"].contains(paper["status"] as? String ?? ""))
    }
    #expect(papers.first?["id"] as? String == "diffgrad")
    #expect(papers.first?["status"] as? String == "reproduced")
  }

  @Test func badRequestsGiveOneLineUsageErrors() throws {
    _ = try DescentExecutable.expectOneLineError(
      ["reproduce", "difgrad"], status: 64, containing: "did you mean 'diffgrad'")
    _ = try DescentExecutable.expectOneLineError(
      ["reproduce", "deep-ritz"], status: 64, containing: "has no experiment yet")
    _ = try DescentExecutable.expectOneLineError(
      ["reproduce"], status: 64, containing: "give a paper id")
    _ = try DescentExecutable.expectOneLineError(
      ["reproduce", "diffgrad", "--list"], status: 64, containing: "--list takes no paper id")
    _ = try DescentExecutable.expectOneLineError(
      ["reproduce", "diffgrad", "--seed", "-1"], status: 64, containing: "seed")
  }

  @Test func unwritableReportStopsBeforeAnyWork() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "reproduce-\(UUID().uuidString)")
    _ = try DescentExecutable.expectOneLineError(
      [
        "reproduce", "diffgrad", "--quick", "--report", folder.path + "/missing/r.html",
        "--store", folder.path + ".sqlite",
      ], status: 1, containing: "--report")
    #expect(!FileManager.default.fileExists(atPath: folder.path + ".sqlite"))
  }

  /// A real run end to end: exit 0 with `accepted: true` when every criterion holds, exit 1 with
  /// `accepted: false` when one fails (stability's quick run on seed 11 fails honestly: no SGD
  /// run converges in its step budget, see docs/reproduce/stability.md); runs in the store, the
  /// report written.
  @Test(arguments: [(UInt64(12), Int32(0)), (UInt64(11), Int32(1))])
  func exitStatusFollowsTheVerdict(seed: UInt64, status: Int32) throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "reproduce-\(UUID().uuidString)")
    defer {
      try? FileManager.default.removeItem(atPath: base.path + ".sqlite")
      try? FileManager.default.removeItem(atPath: base.path + ".html")
    }
    let output = try DescentExecutable.run([
      "reproduce", "stability", "--quick", "--seed", "\(seed)", "--format", "json",
      "--store", base.path + ".sqlite", "--report", base.path + ".html",
    ])
    #expect(output.status == status, "\(output.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    #expect(object["accepted"] as? Bool == (status == 0))
    #expect(object["seed"] as? UInt64 == seed)
    #expect((object["runIds"] as? [String])?.isEmpty == false)
    let html = try String(contentsOfFile: base.path + ".html", encoding: .utf8)
    #expect(html.contains(status == 0 ? "Accepted" : "Not accepted"))
  }
}
