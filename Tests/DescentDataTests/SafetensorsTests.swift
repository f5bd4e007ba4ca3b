import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct SafetensorsTests {
  let folder = TemporaryFolder()

  /// A safetensors file with `header` JSON (unpadded) and `data`.
  func file(_ header: String, _ data: [UInt8]) -> [UInt8] {
    var length = UInt64(header.utf8.count).littleEndian
    return withUnsafeBytes(of: &length) { Array($0) } + Array(header.utf8) + data
  }

  @Test func roundTrip() throws {
    let original = SafetensorsFile(
      tensors: [
        NamedTensor("layer.weight", Tensor([[1, 2, 3], [4, 5, 6]])),
        NamedTensor("layer.bias", Tensor([0.5, -0.25], dtype: .float64)),
        NamedTensor("step", Tensor(scalars: [Int32(9)], shape: [])),
        NamedTensor("mask", Tensor(scalars: [UInt8(0), 255, 7], shape: [3])),
        NamedTensor("nothing", Tensor.zeros([0, 3])),
      ],
      metadata: ["format": "pt", "quote": "a \"b\" \\ c\n"])
    let url = folder.url.appendingPathComponent("model.safetensors")
    try original.write(to: url)
    let bytes = try Array(Data(contentsOf: url))
    #expect((8 + Int(bytes[0]) + Int(bytes[1]) << 8) % 8 == 0)
    let back = try SafetensorsFile.read(contentsOf: url)
    #expect(back.tensors.map(\.name) == original.tensors.map(\.name))
    #expect(back.metadata == original.metadata)
    for (a, b) in zip(back.tensors, original.tensors) {
      #expect(a.tensor.dtype == b.tensor.dtype && a.tensor.shape == b.tensor.shape)
      #expect(a.tensor.bytes == b.tensor.bytes)
    }
    #expect(back["step"]?.ints == [9])
    #expect(back.dictionary.count == 5)
    // No temporary file is left behind.
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["model.safetensors"])
  }

  /// Reads the file written by scripts/golden/make_safetensors_golden.py (safetensors 0.8.0,
  /// torch 2.13.0); the expected values are the script's EXPECTED table.
  @Test func safetensorsPythonFixture() throws {
    let url = try #require(
      Bundle.module.url(
        forResource: "python_written", withExtension: "safetensors", subdirectory: "Fixtures"))
    let file = try SafetensorsFile.read(contentsOf: url)
    #expect(file.metadata["format"] == "pt")
    #expect(file.metadata["producer"] == "make_safetensors_golden.py")
    #expect(file.metadata["versions"]?.contains("safetensors 0.8.0") == true)
    let weight = try #require(file["linear.weight"])
    #expect(weight.dtype == .float32 && weight.shape == [2, 3])
    #expect(weight.floats == [0.5, -1.25, 2.0, 3.0, -0.125, 4.0])
    let bias = try #require(file["linear.bias"])
    #expect(bias.dtype == .float64 && bias.doubles == [0.25, -8.0])
    let step = try #require(file["step"])
    #expect(step.dtype == .int32 && step.shape == [] && step.ints == [42])
    let pixels = try #require(file["pixels"])
    #expect(pixels.dtype == .uint8 && pixels.shape == [2, 2] && pixels.ints == [0, 1, 128, 255])
    let labels = try #require(file["labels"])
    #expect(labels.dtype == .int32 && labels.ints == [7, -2, 2_147_483_647])
    #expect(file["empty"]?.shape == [0, 4])
  }

  /// Writes the file that `make_safetensors_golden.py --verify PATH` checks (see the script).
  @Test func safetensorsWrittenForPython() throws {
    let file = SafetensorsFile(
      tensors: [
        NamedTensor("w", Tensor([[1.5, -2], [0, 3.25]])),
        NamedTensor("d", Tensor([0.1, -1e300, 5], dtype: .float64)),
        NamedTensor("i", Tensor(scalars: [Int32(-7), Int32.max], shape: [2])),
        NamedTensor("u", Tensor(scalars: [UInt8(0), 7, 255], shape: [3])),
      ],
      metadata: ["writer": "DescentData", "note": "quote \" and backslash \\"])
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-swift-written.safetensors")
    try file.write(to: url)
    print("wrote \(url.path); verify with scripts/golden/make_safetensors_golden.py --verify")
    #expect(try SafetensorsFile.read(contentsOf: url)["d"]?.doubles == [0.1, -1e300, 5])
  }

  @Test func corruptHeaders() {
    let entry = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let good = file(entry, [UInt8](repeating: 0, count: 8))
    #expect(throws: Never.self) {
      _ = try SafetensorsFile.read(contentsOf: folder.file("ok.st", good))
    }

    expectDataError("truncated", containing: ["byte 0"]) {
      _ = try SafetensorsFile.read(contentsOf: folder.file("short.st", [1, 2, 3]))
    }
    var lying = good
    lying[0] = 0xff
    lying[3] = 0x7f
    expectDataError("sizeMismatch", containing: ["header length", "exceeds"]) {
      _ = try SafetensorsFile.read(contentsOf: folder.file("len.st", lying))
    }
    expectDataError("malformedHeader", containing: ["start with '{'"]) {
      _ = try SafetensorsFile.read(contentsOf: folder.file("json.st", file("[1]", [])))
    }
    expectDataError("malformedHeader", containing: ["byte 14"]) {
      _ = try SafetensorsFile.read(contentsOf: folder.file("syntax.st", file(#"{"a": nope}"#, [])))
    }
    expectDataError("malformedHeader", containing: ["duplicate key \"a\""]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "dup.st",
          file(
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#,
            [1, 2])))
    }
    expectDataError("malformedHeader", containing: ["__metadata__"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file("meta.st", file(#"{"__metadata__":{"k":1}}"#, [])))
    }
    expectDataError("malformedHeader", containing: ["tensor \"a\"", "shape"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "shape.st",
          file(
            #"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])))
    }
    // The shape is quoted as JSON, not as the parser's enum cases.
    expectDataError("malformedHeader", containing: ["shape [-64, 64] is not a list"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "negative.st",
          file(#"{"a":{"dtype":"F32","shape":[-64,64],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])))
    }
    expectDataError("unsupported", containing: ["dtype BF16"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "bf16.st",
          file(
            #"{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])))
    }
  }

  @Test func offsetsAndSizesValidated() {
    // Size does not match shape × dtype size.
    expectDataError("sizeMismatch", containing: ["spans 8 bytes", "needs 12"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "size.st",
          file(
            #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
            [UInt8](repeating: 0, count: 8))))
    }
    // Ends past the file.
    expectDataError("sizeMismatch", containing: ["ends past the 4-byte data buffer"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "past.st",
          file(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0, 0, 0])))
    }
    // Overlapping tensors.
    expectDataError("sizeMismatch", containing: ["overlaps"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "overlap.st",
          file(
            #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#,
            [1, 2, 3])))
    }
    // A gap between tensors.
    expectDataError("sizeMismatch", containing: ["gap"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "gap.st",
          file(
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}"#,
            [1, 2, 3])))
    }
    // Bytes after the last tensor.
    expectDataError("sizeMismatch", containing: ["2 bytes are unaccounted for"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "tail.st",
          file(
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, [1, 2, 3])))
    }
    // Offsets reversed.
    expectDataError("malformedHeader", containing: ["data_offsets"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "rev.st",
          file(
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}"#, [1])))
    }
    // Out-of-range int64 narrowed to int32.
    var big = Int64(1) << 33
    let bigBytes = withUnsafeBytes(of: &big) { Array($0) }
    expectDataError("outOfRange", containing: ["int32"]) {
      _ = try SafetensorsFile.read(
        contentsOf: folder.file(
          "i64.st",
          file(
            #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, bigBytes)))
    }
  }
}
