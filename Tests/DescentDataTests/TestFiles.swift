import Foundation
import Testing

@testable import DescentData

/// A fresh temporary folder per test, removed when the value is released.
final class TemporaryFolder {
  let url: URL

  init() {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-data-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// Writes `bytes` to `name` in the folder and returns its URL.
  func file(_ name: String, _ bytes: [UInt8]) -> URL {
    let file = url.appendingPathComponent(name)
    try! Data(bytes).write(to: file)
    return file
  }

  func file(_ name: String, text: String) -> URL { file(name, Array(text.utf8)) }
}

/// The name of an enum case, e.g. "truncated" for `.truncated(file:offset:expected:)`.
func caseName(_ error: DataError) -> String {
  Mirror(reflecting: error).children.first?.label ?? "\(error)"
}

/// Runs `body`, expecting a ``DataError`` of case `expected` whose message contains each of
/// `fragments`; returns the error.
@discardableResult
func expectDataError(
  _ expected: String, containing fragments: [String] = [],
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> DataError? {
  do {
    try body()
    Issue.record(
      "expected DataError.\(expected), nothing was thrown", sourceLocation: sourceLocation)
    return nil
  } catch let error as DataError {
    #expect(caseName(error) == expected, "\(error)", sourceLocation: sourceLocation)
    let message = error.description
    for fragment in fragments {
      #expect(
        message.contains(fragment), "\"\(message)\" lacks \"\(fragment)\"",
        sourceLocation: sourceLocation)
    }
    #expect(!message.contains("\n"), "message is not one line", sourceLocation: sourceLocation)
    return error
  } catch {
    Issue.record("expected DataError.\(expected), got \(error)", sourceLocation: sourceLocation)
    return nil
  }
}

/// Big-endian bytes of an IDX header.
func idxHeader(type: UInt8, dimensions: [Int]) -> [UInt8] {
  [0, 0, type, UInt8(dimensions.count)] + dimensions.flatMap { bigEndianBytes(UInt32($0)) }
}
