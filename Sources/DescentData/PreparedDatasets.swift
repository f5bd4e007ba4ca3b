import Descent
import Foundation

/// Data sets too large to embed, prepared on demand from Debian's packages by
/// `scripts/prepare-dataset.sh` (see docs/data.md), then found in their standard location or at a
/// given path.
public enum PreparedDataset: String, CaseIterable, Sendable {
  /// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT, © Zalando SE): 60,000 + 10,000 grayscale
  /// 28×28 images in 10 classes, the original IDX `.gz` files of Debian's `dataset-fashion-mnist`.
  case fashionMNIST = "fashion-mnist"
  /// The King James Bible (public domain), one verse per line, 4,137,850 ASCII characters with 63
  /// distinct symbols, decoded from Debian's `bible-kjv-text`: a corpus for character models.
  case kjv

  /// Where `scripts/prepare-dataset.sh` puts the data.
  public var standardLocation: URL {
    switch self {
    case .fashionMNIST: return URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
    case .kjv:
      let environment = ProcessInfo.processInfo.environment
      let base =
        environment["DESCENT_DATA_DIR"]
        ?? (environment["HOME"].map { $0 + "/.cache/descent" } ?? "/tmp/descent")
      return URL(fileURLWithPath: base).appendingPathComponent("kjv.txt")
    }
  }

  /// The one-line hint for a missing data set.
  func missing(_ url: URL) -> DataError {
    .cannotRead(
      file: url.path,
      reason: "\(rawValue) is not prepared; run scripts/prepare-dataset.sh \(rawValue), or pass its path")
  }

  public static let fashionMNISTClassNames = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
    "Ankle boot",
  ]

  /// Fashion-MNIST's training and test splits from `directory` (default: the standard location),
  /// features `[N, 28, 28]` scaled to `[0, 1]`, labels int32. Plain or gzip IDX files.
  public static func loadFashionMNIST(directory: URL? = nil) throws -> (
    train: TensorDataset, test: TensorDataset
  ) {
    let directory = directory ?? PreparedDataset.fashionMNIST.standardLocation
    func file(_ stem: String) throws -> URL {
      for name in [stem + ".gz", stem] {
        let url = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
      }
      throw PreparedDataset.fashionMNIST.missing(directory.appendingPathComponent(stem + ".gz"))
    }
    let train = try IDXReader.readClassification(
      images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte"),
      name: "fashion-mnist", classNames: fashionMNISTClassNames)
    let test = try IDXReader.readClassification(
      images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte"),
      name: "fashion-mnist-test", classNames: fashionMNISTClassNames)
    return (train, test)
  }
}

/// A text as a sequence of character tokens, for character-level language models.
///
/// The vocabulary is the text's distinct characters (Unicode scalars) sorted by code point; token
/// `i` is `vocabulary[i]`.
public struct CharacterCorpus: Sendable {
  public let name: String
  public let vocabulary: [Character]
  /// The text as int32 token ids, shape `[length]`.
  public let tokens: Tensor

  public init(name: String, text: String) {
    self.name = name
    let characters = Array(text)
    vocabulary = Array(Set(characters)).sorted { String($0).unicodeScalars.first!.value < String($1).unicodeScalars.first!.value }
    let index = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, Int32($0)) })
    tokens = Tensor(scalars: characters.map { index[$0]! }, shape: [characters.count])
  }

  /// Reads a UTF-8 text file.
  public init(contentsOf url: URL, name: String? = nil) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw DataError.cannotRead(file: url.path, reason: error.localizedDescription)
    }
    guard !data.isEmpty else { throw DataError.emptyFile(file: url.path) }
    guard let text = String(data: data, encoding: .utf8) else {
      throw DataError.unsupported(
        file: url.path, position: "byte 0", feature: "text that is not UTF-8",
        fix: "convert the file to UTF-8")
    }
    self.init(name: name ?? url.deletingPathExtension().lastPathComponent, text: text)
  }

  /// The King James Bible from `url` (default: the standard location).
  public static func kjv(contentsOf url: URL? = nil) throws -> CharacterCorpus {
    let url = url ?? PreparedDataset.kjv.standardLocation
    guard FileManager.default.fileExists(atPath: url.path) else { throw PreparedDataset.kjv.missing(url) }
    return try CharacterCorpus(contentsOf: url, name: "kjv")
  }

  public var count: Int { tokens.count }

  /// The text of `ids`.
  public func decode(_ ids: [Int]) -> String { String(ids.map { vocabulary[$0] }) }

  /// A batch of `batchSize` windows of `contextLength + 1` tokens starting at random offsets drawn
  /// from `key`: inputs `[B, T]` and next-token targets `[B, T]` (int32).
  public func batch(batchSize: Int, contextLength: Int, key: RandomKey) -> (inputs: Tensor, targets: Tensor) {
    precondition(
      count > contextLength + 1, "CharacterCorpus.batch: text of \(count) tokens is shorter than context \(contextLength) + 1")
    let starts = Tensor.randint([batchSize], low: 0, high: count - contextLength - 1, key: key).ints
    let all = tokens.scalars(as: Int32.self)
    var inputs: [Int32] = []
    var targets: [Int32] = []
    inputs.reserveCapacity(batchSize * contextLength)
    targets.reserveCapacity(batchSize * contextLength)
    for start in starts {
      inputs.append(contentsOf: all[start..<(start + contextLength)])
      targets.append(contentsOf: all[(start + 1)..<(start + contextLength + 1)])
    }
    return (
      Tensor(scalars: inputs, shape: [batchSize, contextLength]),
      Tensor(scalars: targets, shape: [batchSize, contextLength])
    )
  }
}
