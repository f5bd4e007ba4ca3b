import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct PreparedDatasetTests {
  func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-fm-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The loader reads the standard layout (four gzip IDX files) from a folder; here a small one.
  @Test func fashionMNISTLayoutLoads() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let images = Tensor(scalars: (0..<(6 * 28 * 28)).map { UInt8($0 % 256) }, shape: [6, 28, 28])
    let labels = Tensor(scalars: [UInt8](arrayLiteral: 0, 9, 3, 3, 1, 7), shape: [6])
    for prefix in ["train", "t10k"] {
      try IDXReader.write(images, to: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"), gzip: true)
      try IDXReader.write(labels, to: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"), gzip: true)
    }
    let (train, test) = try PreparedDataset.loadFashionMNIST(directory: dir)
    #expect(train.count == 6 && test.count == 6)
    #expect(train.featureShape == [28, 28])
    #expect(train.labels.ints == [0, 9, 3, 3, 1, 7])
    #expect(abs(train.features.element(atFlatIndex: 255) - 1) < 1e-7)
    #expect(train.classNames?[9] == "Ankle boot")
  }

  @Test func missingFashionMNISTSaysHowToPrepareIt() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    do {
      _ = try PreparedDataset.loadFashionMNIST(directory: dir)
      Issue.record("expected an error")
    } catch let error as DataError {
      #expect(error.description.contains("scripts/prepare-dataset.sh fashion-mnist"))
      #expect(!error.description.contains("\n"))
    }
  }

  /// The real data, when this machine has it (scripts/prepare-dataset.sh fashion-mnist).
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")))
  func installedFashionMNISTHasItsCounts() throws {
    let (train, test) = try PreparedDataset.loadFashionMNIST()
    #expect(train.count == 60_000 && test.count == 10_000)
    var perClass = [Int](repeating: 0, count: 10)
    for label in train.labels.ints { perClass[label] += 1 }
    #expect(perClass == [Int](repeating: 6000, count: 10))
  }

  @Test func characterCorpusEncodesAndBatches() throws {
    let corpus = CharacterCorpus(name: "t", text: "In the beginning God created the heaven and the earth.\n")
    #expect(corpus.vocabulary.first == "\n")
    #expect(corpus.decode(corpus.tokens.ints) == "In the beginning God created the heaven and the earth.\n")
    let (inputs, targets) = corpus.batch(batchSize: 4, contextLength: 8, key: RandomKey(seed: 3))
    #expect(inputs.shape == [4, 8] && targets.shape == [4, 8])
    let x = inputs.ints
    let y = targets.ints
    for row in 0..<4 {
      #expect(Array(x[(row * 8 + 1)..<(row * 8 + 8)]) == Array(y[(row * 8)..<(row * 8 + 7)]))
    }
    let again = corpus.batch(batchSize: 4, contextLength: 8, key: RandomKey(seed: 3))
    #expect(again.inputs.bytes == inputs.bytes)
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: PreparedDataset.kjv.standardLocation.path)))
  func preparedKJVHasItsSizeAndAlphabet() throws {
    let corpus = try CharacterCorpus.kjv()
    #expect(corpus.count == 4_137_850)
    #expect(corpus.vocabulary.count == 63)
  }
}
