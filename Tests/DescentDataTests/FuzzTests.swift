import Descent
import Foundation
import Testing

@testable import DescentData

/// Corrupts valid files at random (seeded, so any failure replays) and reads them: each reader
/// must either succeed or throw a ``DataError`` — a crash or out-of-bounds read fails the run.
@Suite struct FuzzTests {
  let folder = TemporaryFolder()

  func mutations(of bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in
      var b = bytes
      switch rng.next(below: 4) {
      case 0: b = Array(b[..<Int(rng.next(below: UInt64(b.count + 1)))])
      case 1:
        for _ in 0...rng.next(below: 3) where !b.isEmpty {
          b[Int(rng.next(below: UInt64(b.count)))] ^= UInt8(1 + rng.next(below: 255))
        }
      case 2:
        let i = Int(rng.next(below: UInt64(min(b.count, 64) + 1)))
        b.insert(
          contentsOf: (0..<(1 + rng.next(below: 8))).map { _ in UInt8(rng.next(below: 256)) }, at: i
        )
      default:
        if !b.isEmpty {
          b[Int(rng.next(below: UInt64(min(b.count, 48))))] =
            [0, 0xFF, 0x7F, 0x80][Int(rng.next(below: 4))]
        }
      }
      return b
    }
  }

  func survive(_ name: String, _ valid: [UInt8], seed: UInt64, read: (URL) throws -> Void) {
    var failures = 0
    for (i, bytes) in mutations(of: valid, count: 300, seed: seed).enumerated() {
      let url = folder.file("\(name)-\(i)", bytes)
      do { try read(url) } catch is DataError { failures += 1 } catch {
        Issue.record("\(name) mutation \(i): non-DataError \(error)")
      }
      try? FileManager.default.removeItem(at: url)
    }
    #expect(failures > 100, "\(name): only \(failures) of 300 corruptions were detected")
  }

  @Test func idx() {
    let bytes = idxHeader(type: 0x08, dimensions: [4, 3, 3]) + (0..<36).map { UInt8($0) }
    survive("idx", bytes, seed: 1) { _ = try IDXReader.read(contentsOf: $0) }
    survive("idxgz", gzipCompress(bytes), seed: 2) { _ = try IDXReader.read(contentsOf: $0) }
  }

  @Test func npy() throws {
    let url = folder.url.appendingPathComponent("valid.npy")
    try NPYReader.write(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), to: url)
    survive("npy", try Array(Data(contentsOf: url)), seed: 3) {
      _ = try NPYReader.read(contentsOf: $0)
    }
  }

  @Test func safetensors() throws {
    let file = SafetensorsFile(
      tensors: [
        NamedTensor("a", Tensor([1, 2, 3])),
        NamedTensor("b", Tensor(scalars: [UInt8(1), 2], shape: [2])),
      ],
      metadata: ["k": "v"])
    survive("st", file.encoded(), seed: 4) { _ = try SafetensorsFile.read(contentsOf: $0) }
  }

  @Test func csvAndCIFAR() {
    let csv = Array("a,b,label\n1.5,2,0\n3,4e1,1\n-5,6,2\n".utf8)
    survive("csv", csv, seed: 5) { _ = try CSVReader.read(contentsOf: $0) }
    let cifar = [UInt8(3)] + [UInt8](repeating: 9, count: 3072)
    survive("cifar", cifar + cifar, seed: 6) { _ = try CIFARReader.readBatch(contentsOf: $0) }
  }
}
