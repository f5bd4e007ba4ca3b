import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct IDXReaderTests {
  let folder = TemporaryFolder()

  @Test func readsPlainAndGzipUInt8() throws {
    let pixels = (0..<24).map { UInt8($0 * 10) }
    let bytes = idxHeader(type: 0x08, dimensions: [2, 3, 4]) + pixels
    for (name, content) in [("plain.idx", bytes), ("packed.idx.gz", gzipCompress(bytes))] {
      let t = try IDXReader.read(contentsOf: folder.file(name, content))
      #expect(t.dtype == .uint8)
      #expect(t.shape == [2, 3, 4])
      #expect(t.scalars(as: UInt8.self) == pixels)
    }
  }

  @Test func readsBigEndianWideTypes() throws {
    let floats: [Float] = [1.5, -2.25, 1e-3]
    let f =
      idxHeader(type: 0x0D, dimensions: [3]) + floats.flatMap { bigEndianBytes($0.bitPattern) }
    #expect(
      try IDXReader.read(contentsOf: folder.file("f.idx", f)).scalars(as: Float.self) == floats)
    let ints: [Int32] = [-5, 7, Int32.max]
    let i =
      idxHeader(type: 0x0C, dimensions: [3])
      + ints.flatMap { bigEndianBytes(UInt32(bitPattern: $0)) }
    #expect(try IDXReader.read(contentsOf: folder.file("i.idx", i)).scalars(as: Int32.self) == ints)
    let shorts = idxHeader(type: 0x0B, dimensions: [2]) + [0xFF, 0xFE, 0x01, 0x00]
    #expect(try IDXReader.read(contentsOf: folder.file("s.idx", shorts)).ints == [-2, 256])
  }

  @Test func concatenatedGzipMembers() throws {
    // `cat a.gz b.gz` is one valid gzip file whose content is a followed by b.
    let bytes = idxHeader(type: 0x08, dimensions: [300]) + (0..<300).map { UInt8($0 % 256) }
    let joined = gzipCompress(Array(bytes[..<100])) + gzipCompress(Array(bytes[100...]))
    let t = try IDXReader.read(contentsOf: folder.file("joined.idx.gz", joined))
    #expect(t.scalars(as: UInt8.self) == Array(bytes[8...]))
  }

  @Test func writeThenReadRoundTrips() throws {
    let t = Tensor([1.25, -3, 0.5, 8, 9, 10], shape: [2, 3], dtype: .float64)
    let url = folder.url.appendingPathComponent("round.idx.gz")
    try IDXReader.write(t, to: url, gzip: true)
    let back = try IDXReader.read(contentsOf: url)
    #expect(back.shape == [2, 3] && back.dtype == .float64)
    #expect(back.doubles == t.doubles)
  }

  @Test func wrongMagic() {
    let bytes: [UInt8] = [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5]
    expectDataError("badMagic", containing: ["bad.idx", "byte 0", "12 34"]) {
      _ = try IDXReader.read(contentsOf: folder.file("bad.idx", bytes))
    }
    expectDataError("unsupported", containing: ["byte 2", "0x07"]) {
      _ = try IDXReader.read(contentsOf: folder.file("type.idx", [0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    }
  }

  @Test func emptyAndTruncatedHeader() {
    expectDataError("emptyFile") { _ = try IDXReader.read(contentsOf: folder.file("e.idx", [])) }
    expectDataError("truncated", containing: ["byte 4"]) {
      _ = try IDXReader.read(contentsOf: folder.file("h.idx", [0, 0, 8, 3, 0, 0]))
    }
  }

  @Test func truncatedData() {
    // Header says 2 × 3 = 6 bytes, the file holds 4: plausible size, but the data stops early.
    let bytes = idxHeader(type: 0x08, dimensions: [2, 3]) + [1, 2, 3, 4]
    expectDataError("truncated", containing: ["byte 16", "6 elements"]) {
      _ = try IDXReader.read(contentsOf: folder.file("t.idx", bytes))
    }
    expectDataError("truncated", containing: ["byte 16"]) {
      _ = try IDXReader.read(contentsOf: folder.file("t.idx.gz", gzipCompress(bytes)))
    }
  }

  @Test func truncatedGzipStream() {
    let bytes = idxHeader(type: 0x08, dimensions: [1000]) + (0..<1000).map { UInt8($0 % 251) }
    let packed = gzipCompress(bytes)
    expectDataError("corruptCompressedData", containing: ["cut.idx.gz", "truncated"]) {
      _ = try IDXReader.read(contentsOf: folder.file("cut.idx.gz", Array(packed.dropLast(30))))
    }
    var corrupt = packed
    corrupt[12] ^= 0xFF
    corrupt[13] ^= 0xFF
    #expect(throws: DataError.self) {
      _ = try IDXReader.read(contentsOf: folder.file("bad.idx.gz", corrupt))
    }
  }

  @Test func headerLiesAboutSizes() {
    // Announces 60000 × 28 × 28 images in a small file: refused before allocating; for a plain
    // file the shortfall reads as truncation, a gzip file cannot possibly hold that much.
    let huge = idxHeader(type: 0x08, dimensions: [60000, 28, 28]) + [1, 2, 3, 4]
    expectDataError("truncated", containing: ["47040000 bytes from byte 16", "the file has 4"]) {
      _ = try IDXReader.read(contentsOf: folder.file("lie.idx", huge))
    }
    expectDataError("sizeMismatch", containing: ["47040000 bytes", "cannot hold"]) {
      _ = try IDXReader.read(contentsOf: folder.file("lie.idx.gz", gzipCompress(huge)))
    }
    // Announces fewer elements than the file holds.
    let short = idxHeader(type: 0x08, dimensions: [2]) + [1, 2, 3, 4, 5]
    expectDataError("sizeMismatch", containing: ["byte 10", "3 bytes follow"]) {
      _ = try IDXReader.read(contentsOf: folder.file("long.idx", short))
    }
    // Dimensions whose product overflows.
    let overflow = idxHeader(type: 0x08, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF])
    expectDataError("sizeMismatch") {
      _ = try IDXReader.read(contentsOf: folder.file("overflow.idx", overflow))
    }
  }

  @Test func imageLabelPairs() throws {
    let images = folder.file(
      "images.idx", idxHeader(type: 0x08, dimensions: [3, 2, 2]) + (0..<12).map { UInt8($0 * 20) })
    let labels = folder.file("labels.idx", idxHeader(type: 0x08, dimensions: [3]) + [9, 0, 4])
    let dataset = try IDXReader.readClassification(images: images, labels: labels, name: "tiny")
    #expect(dataset.features.shape == [3, 2, 2] && dataset.features.dtype == .float32)
    #expect(dataset.labels.ints == [9, 0, 4])
    #expect(abs(dataset.features.floats[11] - 220 / 255) < 1e-7)

    let fewer = folder.file("fewer.idx", idxHeader(type: 0x08, dimensions: [2]) + [1, 2])
    expectDataError("countMismatch", containing: ["images.idx holds 3", "fewer.idx holds 2"]) {
      _ = try IDXReader.readClassification(images: images, labels: fewer, name: "x")
    }
    let badLabel = folder.file("bad.idx", idxHeader(type: 0x08, dimensions: [3]) + [1, 12, 2])
    expectDataError("invalidLabel", containing: ["record 1", "\"12\""]) {
      _ = try IDXReader.readClassification(images: images, labels: badLabel, name: "x")
    }
  }
}
