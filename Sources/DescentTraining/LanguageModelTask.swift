import Descent
import DescentData
import DescentNN
import Foundation

/// Character-level language modelling for ``Trainer`` (model `gpt-char`).
///
/// The corpus (`--data kjv` or any UTF-8 text file) is split at a character boundary: the first
/// `1 - testFraction` of the tokens train, the tail is held out. A training step draws
/// `batchSize` windows of `context + 1` tokens at offsets keyed by (seed, step), so a resumed
/// run sees exactly the batches of an uninterrupted one; the loss is the mean cross-entropy of
/// the next token over all `batchSize × context` positions. Evaluation runs up to
/// ``maximumEvaluationWindows`` non-overlapping windows spread evenly over the tail and reports
/// the mean cross-entropy and the next-character accuracy over their positions.
///
/// An epoch is `trainTokens / (batchSize × context)` steps (used when `--steps` is not given).
struct LanguageModelTask {
  static let maximumEvaluationWindows = 128

  let corpus: CharacterCorpus
  let train: CharacterCorpus.Slice
  let heldOut: CharacterCorpus.Slice
  let contextLength: Int
  let batchSize: Int
  let seed: UInt64
  let model: GPT

  /// Loads the text and builds the model; a missing file or a text too short for the context
  /// throws a one-line ``TrainingError/data(_:)``.
  init(configuration: TrainingConfiguration, options: [String: Int]) throws {
    let data = configuration.data
    do {
      if data == "kjv" {
        corpus = try CharacterCorpus.kjv()
      } else {
        guard FileManager.default.fileExists(atPath: data) else {
          throw TrainingError.data(
            "--data \(data): no such text file; gpt-char reads kjv (scripts/prepare-dataset.sh "
              + "kjv) or a UTF-8 text file")
        }
        corpus = try CharacterCorpus(contentsOf: URL(fileURLWithPath: data))
      }
    } catch let error as DataError {
      throw TrainingError.data("--data \(data): \(error.description)")
    }
    contextLength = options["context"] ?? 64
    batchSize = configuration.batchSize
    seed = configuration.seed
    let heldOutCount = Int((Double(corpus.count) * configuration.testFraction).rounded())
    let trainCount = corpus.count - heldOutCount
    let tokens = corpus.tokens.scalars(as: Int32.self)
    train = .init(tokens: Array(tokens[..<trainCount]))
    heldOut = .init(tokens: Array(tokens[trainCount...]))
    guard train.tokens.count > contextLength + 1, heldOut.tokens.count > contextLength else {
      throw TrainingError.data(
        "--data \(data): \(corpus.count) characters split into \(train.tokens.count) for "
          + "training and \(heldOut.tokens.count) held out; gpt-char with context="
          + "\(contextLength) needs more than \(contextLength + 1) in each; use a longer text or "
          + "a smaller context (gpt-char:context=N)")
    }
    let vocabulary = corpus.vocabulary.count
    if let v = options["vocab"], v < vocabulary {
      throw TrainingError.data(
        "--data \(data) has \(vocabulary) distinct characters but the spec says vocab=\(v); "
          + "leave vocab out to take it from the text")
    }
    let configuration = GPT.Configuration(
      vocabularySize: options["vocab"] ?? vocabulary, contextLength: contextLength,
      layerCount: options["layers"] ?? 2, headCount: options["heads"] ?? 4,
      embeddingDimension: options["dim"] ?? 64, stableEmbedding: options["stable"] == 1)
    try Self.checkMemory(
      configuration, batchSize: batchSize, spec: ModelSpec.gptChar(options: options))
    model = GPT(configuration, key: RandomKey(seed: seed))
  }

  /// Refuses, with the figure, a GPT whose training cannot fit in memory (``MemoryBudget``):
  /// float32 parameters with their gradient and two optimizer states, plus the activations one
  /// step keeps for the backward pass (per layer about 16·D values per position and the H·T
  /// attention scores, and the V logits), all counted in Double so huge sizes cannot overflow.
  static func checkMemory(_ c: GPT.Configuration, batchSize: Int, spec: ModelSpec) throws {
    let (v, t, l, h, d) = (
      Double(c.vocabularySize), Double(c.contextLength), Double(c.layerCount),
      Double(c.headCount), Double(c.embeddingDimension)
    )
    let parameters = v * d + t * d + l * (12 * d * d + 13 * d) + 2 * d + v * d
    let positions = Double(batchSize) * t
    let activations = positions * (l * (16 * d + 2 * h * t) + 3 * v)
    if let excess = MemoryBudget.excess(4 * (parameters * ModelSpec.trainingCopies + activations)) {
      throw TrainingError.usage(
        "--model \(spec): training its \(String(format: "%.3g", parameters)) parameters at batch "
          + "size \(batchSize) needs \(excess): choose a smaller dim, layers, heads or context")
    }
  }

  var stepsPerEpoch: Int { max(1, train.tokens.count / (batchSize * contextLength)) }

  /// Inputs `[B, T]` and flattened next-token targets `[B·T]` of training step `step`.
  func batch(step: Int) -> (inputs: Tensor, targets: Tensor) {
    let key = RandomKey(seed: seed).folded(in: 0x7E47).folded(in: UInt64(step))
    let (inputs, targets) = train.batch(
      batchSize: batchSize, contextLength: contextLength, key: key)
    return (inputs, targets.reshaped([batchSize * contextLength]))
  }

  /// Mean next-character cross-entropy and accuracy of `model` on the held-out tail.
  func evaluate(model: any Layer) -> (loss: Double, accuracy: Double) {
    let windows = min(
      Self.maximumEvaluationWindows, (heldOut.tokens.count - 1) / contextLength)
    let spacing = (heldOut.tokens.count - 1 - contextLength) / max(1, windows - 1)
    let starts = (0..<windows).map { $0 * (windows > 1 ? spacing : 0) }
    return withoutGradients {
      var total = 0.0
      var correct = 0.0
      var count = 0
      for chunk in stride(from: 0, to: starts.count, by: 32) {
        let part = Array(starts[chunk..<min(starts.count, chunk + 32)])
        let (inputs, targets) = heldOut.windows(starting: part, contextLength: contextLength)
        let positions = part.count * contextLength
        let output = model(inputs, context: .evaluation)
        let logits = output.reshaped([positions, output.shape[2]])
        total +=
          crossEntropy(logits: logits, labels: targets, reduction: .sum)
          .cast(to: .float64).scalars(as: Double.self)[0]
        correct += accuracy(logits, targets) * Double(positions)
        count += positions
      }
      return (total / Double(count), correct / Double(count))
    }
  }
}

extension CharacterCorpus {
  /// A contiguous piece of a corpus's tokens.
  struct Slice {
    let tokens: [Int32]

    /// Windows at random offsets drawn from `key` (as ``CharacterCorpus/batch``).
    func batch(batchSize: Int, contextLength: Int, key: RandomKey) -> (Tensor, Tensor) {
      let starts = Tensor.randint(
        [batchSize], low: 0, high: tokens.count - contextLength - 1, key: key
      ).ints
      return windows(starting: starts, contextLength: contextLength)
    }

    /// Inputs `[N, T]` and targets `[N·T]` of the windows at `starts`.
    func windows(starting starts: [Int], contextLength: Int) -> (Tensor, Tensor) {
      var inputs: [Int32] = []
      var targets: [Int32] = []
      inputs.reserveCapacity(starts.count * contextLength)
      targets.reserveCapacity(starts.count * contextLength)
      for start in starts {
        inputs.append(contentsOf: tokens[start..<(start + contextLength)])
        targets.append(contentsOf: tokens[(start + 1)..<(start + contextLength + 1)])
      }
      return (
        Tensor(scalars: inputs, shape: [starts.count, contextLength]),
        Tensor(scalars: targets, shape: [starts.count * contextLength])
      )
    }
  }
}
