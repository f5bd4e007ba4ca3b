import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct CIFARReaderTests {
  let folder = TemporaryFolder()

  func record(label: UInt8, fill: UInt8) -> [UInt8] {
    [label] + (0..<3072).map { UInt8((Int($0) + Int(fill)) % 256) }
  }

  @Test func readsBatches() throws {
    let a = folder.file("a.bin", record(label: 3, fill: 0) + record(label: 9, fill: 5))
    let b = folder.file("b.bin.gz", gzipCompress(record(label: 0, fill: 1)))
    let dataset = try CIFARReader.read(contentsOf: [a, b])
    #expect(dataset.features.shape == [3, 3, 32, 32])
    #expect(dataset.labels.ints == [3, 9, 0])
    #expect(dataset.classNames?[3] == "cat")
    // Record 1, channel 2 (blue), row 0, column 1 is pixel byte 2048 + 1 of that record.
    #expect(abs(dataset.features[element: 1, 2, 0, 1] - Double((2049 + 5) % 256) / 255) < 1e-6)
  }

  @Test func sizeNotAMultipleOfTheRecord() {
    let bytes = record(label: 1, fill: 0) + [1, 2, 3]
    expectDataError(
      "sizeMismatch", containing: ["3076 bytes", "3073-byte records", "3 bytes over"]
    ) {
      _ = try CIFARReader.readBatch(contentsOf: folder.file("odd.bin", bytes))
    }
    expectDataError("truncated", containing: ["record 1"]) {
      _ = try CIFARReader.readBatch(contentsOf: folder.file("odd.bin.gz", gzipCompress(bytes)))
    }
    expectDataError("emptyFile") {
      _ = try CIFARReader.readBatch(contentsOf: folder.file("empty.bin", []))
    }
  }

  @Test func labelOutOfRange() {
    let bytes = record(label: 2, fill: 0) + record(label: 10, fill: 0)
    expectDataError("invalidLabel", containing: ["record 1 (byte 3073)", "\"10\""]) {
      _ = try CIFARReader.readBatch(contentsOf: folder.file("label.bin", bytes))
    }
  }
}
