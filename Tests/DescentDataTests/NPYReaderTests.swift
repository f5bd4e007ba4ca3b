import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct NPYReaderTests {
  let folder = TemporaryFolder()

  /// An NPY file of `version` with header dictionary `dict` and raw `data`.
  func npy(_ dict: String, _ data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    let header = Array((dict + "\n").utf8)
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    if version == 1 {
      bytes += [UInt8(header.count & 0xff), UInt8(header.count >> 8)]
    } else {
      bytes += [UInt8(header.count & 0xff), UInt8(header.count >> 8), 0, 0]
    }
    return bytes + header + data
  }

  func littleEndian<T>(_ values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
  }

  @Test func readsEveryDtypeAndVersion() throws {
    let f4: [Float] = [1, -2.5, 3, 4, 5, 6]
    for version: UInt8 in [1, 2, 3] {
      let bytes = npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", littleEndian(f4),
        version: version)
      let t = try NPYReader.read(contentsOf: folder.file("v\(version).npy", bytes))
      #expect(t.shape == [2, 3] && t.dtype == .float32 && t.scalars(as: Float.self) == f4)
    }
    let f8: [Double] = [0.1, 1e-300]
    let t8 = try NPYReader.read(
      contentsOf: folder.file(
        "f8.npy",
        npy(
          "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", littleEndian(f8))))
    #expect(t8.scalars(as: Double.self) == f8)
    let i4: [Int32] = [-1, 7]
    let t4 = try NPYReader.read(
      contentsOf: folder.file(
        "i4.npy",
        npy(
          "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", littleEndian(i4))))
    #expect(t4.scalars(as: Int32.self) == i4)
    let i8: [Int64] = [-3, 2_147_483_647]
    let t8i = try NPYReader.read(
      contentsOf: folder.file(
        "i8.npy",
        npy(
          "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", littleEndian(i8))))
    #expect(t8i.dtype == .int32 && t8i.shape == [1, 2] && t8i.ints == [-3, 2_147_483_647])
    let u1 = try NPYReader.read(
      contentsOf: folder.file(
        "u1.npy",
        npy(
          "{'descr': '|u1', 'fortran_order': False, 'shape': (), }", [200])))
    #expect(u1.shape == [] && u1.ints == [200])
  }

  @Test func writeThenRead() throws {
    let t = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: .int32)
    let url = folder.url.appendingPathComponent("w.npy")
    try NPYReader.write(t, to: url)
    let back = try NPYReader.read(contentsOf: url)
    #expect(back.shape == [3, 2] && back.ints == [1, 2, 3, 4, 5, 6])
    // The header is padded so the data starts at a multiple of 64 bytes, as numpy does.
    let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
    #expect((size - 24) % 64 == 0)
  }

  @Test func int64OutOfRange() {
    let bytes = npy(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
      littleEndian([Int64(1), Int64(1) << 40]))
    expectDataError("outOfRange", containing: ["element 1", "1099511627776", "int32"]) {
      _ = try NPYReader.read(contentsOf: folder.file("big.npy", bytes))
    }
  }

  @Test func fortranOrderIsRefused() {
    let bytes = npy(
      "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
      littleEndian([Float](repeating: 1, count: 4)))
    expectDataError("unsupported", containing: ["fortran_order True", "ascontiguousarray"]) {
      _ = try NPYReader.read(contentsOf: folder.file("f.npy", bytes))
    }
  }

  @Test func unsupportedDtypes() {
    for descr in [">f4", "<c16", "|O", "<f2"] {
      let bytes = npy(
        "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0])
      expectDataError("unsupported", containing: ["'\(descr)'"]) {
        _ = try NPYReader.read(contentsOf: folder.file("d.npy", bytes))
      }
    }
  }

  @Test func corruptFiles() {
    expectDataError("badMagic", containing: ["NPY"]) {
      _ = try NPYReader.read(contentsOf: folder.file("m.npy", Array("PK\u{3}\u{4}NUMPYxxxx".utf8)))
    }
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    expectDataError("truncated", containing: ["6 '<f4' elements"]) {
      _ = try NPYReader.read(
        contentsOf: folder.file(
          "t.npy", npy(header, littleEndian([Float](repeating: 0, count: 5)) + [0])))
    }
    expectDataError("sizeMismatch", containing: ["4 bytes follow"]) {
      _ = try NPYReader.read(
        contentsOf: folder.file("l.npy", npy(header, littleEndian([Float](repeating: 0, count: 7))))
      )
    }
    let lying = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"
    expectDataError("truncated", containing: ["[100000, 100000]", "40000000000 bytes"]) {
      _ = try NPYReader.read(contentsOf: folder.file("lie.npy", npy(lying, [1, 2, 3, 4])))
    }
    expectDataError("sizeMismatch", containing: ["[100000, 100000]", "cannot hold"]) {
      _ = try NPYReader.read(
        contentsOf: folder.file("lie.npy.gz", gzipCompress(npy(lying, [1, 2, 3, 4]))))
    }
    var longHeader = npy(header, [])
    longHeader[8] = 0xff
    longHeader[9] = 0xff
    expectDataError("truncated", containing: ["a header of 65535 bytes"]) {
      _ = try NPYReader.read(contentsOf: folder.file("h.npy", longHeader))
    }
    expectDataError("malformedHeader", containing: ["'shape'"]) {
      _ = try NPYReader.read(
        contentsOf: folder.file(
          "s.npy",
          npy(
            "{'descr': '<f4', 'fortran_order': False}", [])))
    }
    expectDataError("malformedHeader") {
      _ = try NPYReader.read(
        contentsOf: folder.file(
          "x.npy",
          npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", [])))
    }
  }
}
