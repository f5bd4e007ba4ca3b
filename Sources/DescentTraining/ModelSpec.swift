import Descent
import DescentNN

/// A model described in one word on the command line.
///
/// - `mlp:IN-H1-...-OUT[:act]`: a multilayer perceptron, `Linear` layers alternating with the
///   activation (default `relu`; also `tanh`, `sigmoid`, `gelu`, `silu`, `elu`, `selu`,
///   `leaky-relu`, `identity`). Parameters are named like PyTorch's `nn.Sequential` of
///   alternating `Linear` and activation modules: `0.weight`, `0.bias`, `2.weight`, ...
///   Three or more widths are complete (`mlp:64-32-10`). One or two widths are hidden widths,
///   with `IN` and `OUT` taken from the data's feature and class counts (`mlp:128-64` on digits
///   is 64-128-64-10); `mlp` alone is one hidden layer of 64. A leading `=` marks complete
///   widths however few (`mlp:=64-10` is a linear model).
/// - `cnn[:channels=C,size=S,classes=K]`: LeNet-5 style (`conv1`…`fc3`), images `[C, S, S]`.
/// - `resnet20[:classes=K,channels=C]`: the CIFAR ResNet-20 of He et al. 2016.
/// - `gpt-char[:layers=2,heads=4,dim=64,context=64,vocab=V,stable=1]`: a character-level GPT;
///   `stable=1` makes its token embedding a `StableEmbedding` (`GPT.Configuration.stableEmbedding`).
///
/// Options left out of `cnn`/`resnet20` are taken from the dataset.
public enum ModelSpec: Equatable, Sendable, CustomStringConvertible {
  case mlp(widths: MLPWidths, activation: String)
  case cnn(options: [String: Int])
  case resnet20(options: [String: Int])
  case gptChar(options: [String: Int])

  /// Widths of an MLP, with or without its input and output ends.
  public enum MLPWidths: Equatable, Sendable {
    /// `mlp:IN-H1-...-OUT`: every width given.
    case complete([Int])
    /// `mlp:H1` or `mlp:H1-H2`: hidden widths only, `IN`/`OUT` from the data.
    case hidden([Int])
  }

  static let activations: [String: Activation] = [
    "relu": .relu, "tanh": .tanh, "sigmoid": .sigmoid, "gelu": .gelu, "silu": .silu,
    "elu": .elu(), "selu": .selu, "leaky-relu": .leakyRelu(), "identity": .identity,
  ]

  public var description: String {
    switch self {
    case .mlp(let widths, let activation):
      switch widths {
      case .complete(let w):
        "mlp:" + (w.count < 3 ? "=" : "") + w.map(String.init).joined(separator: "-")
          + ":\(activation)"
      case .hidden(let w): "mlp:" + w.map(String.init).joined(separator: "-") + ":\(activation)"
      }
    case .cnn(let o): "cnn" + Self.describe(o)
    case .resnet20(let o): "resnet20" + Self.describe(o)
    case .gptChar(let o): "gpt-char" + Self.describe(o)
    }
  }

  private static func describe(_ options: [String: Int]) -> String {
    options.isEmpty
      ? "" : ":" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")
  }

  /// Parses a spec; a bad one throws a one-line ``TrainingError/usage(_:)``.
  public static func parse(_ text: String) throws -> ModelSpec {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let kind = parts[0].lowercased()
    func fail(_ detail: String) -> TrainingError {
      .usage(
        "model spec '\(text)': \(detail); expected mlp[:H1-...|=IN-...-OUT][:act], "
          + "cnn[:channels=C,size=S,classes=K], resnet20[:classes=K,channels=C] or "
          + "gpt-char[:layers=L,heads=H,dim=D,context=T]")
    }
    switch kind {
    case "mlp":
      guard parts.count <= 3 else { throw fail("too many ':' parts") }
      var activation = "relu"
      if parts.count == 3 {
        activation = parts[2].lowercased()
        guard activations[activation] != nil else {
          throw fail(
            "unknown activation '\(parts[2])' (known: \(activations.keys.sorted().joined(separator: ", ")))"
          )
        }
      }
      guard parts.count >= 2, !parts[1].isEmpty else {
        return .mlp(widths: .hidden([64]), activation: activation)
      }
      var body = Substring(parts[1])
      let explicit = body.hasPrefix("=")
      if explicit { body = body.dropFirst() }
      let pieces = body.split(separator: "-", omittingEmptySubsequences: false)
      var widths: [Int] = []
      for (index, piece) in pieces.enumerated() {
        guard let w = Int(piece), w > 0 else {
          // `-` also separates widths: "mlp:-3" and "mlp:8--3" split into an empty piece, "3".
          let shown = piece.isEmpty && index + 1 < pieces.count ? "-\(pieces[index + 1])" : piece
          throw fail("width '\(shown)' is not a positive integer")
        }
        widths.append(w)
      }
      if explicit || widths.count >= 3 {
        guard widths.count >= 2 else { throw fail("a complete MLP needs at least IN and OUT") }
        return .mlp(widths: .complete(widths), activation: activation)
      }
      return .mlp(widths: .hidden(widths), activation: activation)
    case "cnn", "resnet20", "gpt-char":
      guard parts.count <= 2 else { throw fail("too many ':' parts") }
      let allowed: Set<String> =
        switch kind {
        case "cnn": ["channels", "size", "classes"]
        case "resnet20": ["channels", "classes"]
        default: ["layers", "heads", "dim", "context", "vocab", "stable"]
        }
      var options: [String: Int] = [:]
      if parts.count == 2, !parts[1].isEmpty {
        for item in parts[1].split(separator: ",") {
          let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
          guard kv.count == 2, allowed.contains(kv[0]) else {
            throw fail(
              "option '\(item)' is not one of \(allowed.sorted().map { "\($0)=N" }.joined(separator: ", "))"
            )
          }
          guard let value = Int(kv[1]), value > 0 else {
            throw fail("option \(kv[0])=\(kv[1]) is not a positive integer")
          }
          options[kv[0]] = value
        }
      }
      switch kind {
      case "cnn": return .cnn(options: options)
      case "resnet20": return .resnet20(options: options)
      default:
        if let d = options["dim"], let h = options["heads"], d % h != 0 {
          throw fail("dim=\(d) is not a multiple of heads=\(h)")
        }
        if let s = options["stable"], s != 1 {
          throw fail("stable=\(s): write stable=1 for a StableEmbedding token embedding")
        }
        return .gptChar(options: options)
      }
    default:
      throw fail("unknown model '\(parts[0])'")
    }
  }

  /// The input shape (per example) the model takes from a dataset with `featureShape`, after the
  /// data are reshaped; throws ``TrainingError/data(_:)`` when the data do not fit.
  func inputShape(featureShape: [Int], dataName: String) throws -> [Int] {
    let count = featureShape.reduce(1, *)
    switch self {
    case .mlp(let widths, _):
      if case .complete(let w) = widths, w[0] != count {
        throw TrainingError.data(
          "\(dataName) has \(count) features per example (shape \(featureShape)) but the model "
            + "'\(description)' takes \(w[0]); use mlp:\(count)-... or leave IN out (mlp:H1-...)")
      }
      return [count]
    case .cnn(let o), .resnet20(let o):
      var shape = featureShape
      if shape.count == 2 { shape = [1] + shape }
      if shape.count == 1 {
        let side = Int(Double(count).squareRoot().rounded())
        if side * side == count { shape = [1, side, side] }
      }
      guard shape.count == 3, shape[1] == shape[2] else {
        throw TrainingError.data(
          "\(dataName) has examples of shape \(featureShape); '\(description)' needs square "
            + "images [C, S, S] (IDX, CIFAR or an NPY of rank 4); use an mlp for tabular data")
      }
      if let c = o["channels"], c != shape[0] {
        throw TrainingError.data(
          "\(dataName) has \(shape[0]) channels, the model spec says channels=\(c)")
      }
      if let s = o["size"], s != shape[1] {
        throw TrainingError.data(
          "\(dataName) has \(shape[1])×\(shape[1]) images, the spec says size=\(s)")
      }
      if case .cnn = self, shape[1] < 12 {
        throw TrainingError.data(
          "\(dataName) has \(shape[1])×\(shape[1]) images; cnn (LeNet) needs at least 12×12; "
            + "use an mlp for \(dataName)")
      }
      return shape
    case .gptChar:
      return featureShape
    }
  }

  /// Builds the model for data of `inputShape` (from ``inputShape(featureShape:dataName:)``)
  /// and `classCount` classes, initialized from `key`.
  /// Float32 copies of the parameters a training run holds at once (weights, gradients, two
  /// optimizer-state tensors), for the memory estimate before a model is built.
  static let trainingCopies = 4.0

  func build(inputShape: [Int], classCount: Int, key: RandomKey) throws -> any Layer {
    switch self {
    case .mlp(let widths, let activation):
      let all: [Int]
      switch widths {
      case .complete(let w):
        guard w.last! == classCount else {
          throw TrainingError.data(
            "the data have \(classCount) classes but the model '\(description)' has \(w.last!) "
              + "outputs; make the last width \(classCount) or leave OUT out (mlp:H1-...)")
        }
        all = w
      case .hidden(let w): all = [inputShape[0]] + w + [classCount]
      }
      // In Double: widths such as 3000000000 overflow Int when multiplied.
      let parameterCount = zip(all, all.dropFirst()).reduce(0.0) {
        $0 + Double($1.0) * Double($1.1) + Double($1.1)
      }
      // Parameters, gradients and up to two optimizer-state tensors, float32.
      if let excess = MemoryBudget.excess(parameterCount * 4 * Self.trainingCopies) {
        throw TrainingError.usage(
          "--model \(description): training its \(String(format: "%.3g", parameterCount)) "
            + "parameters needs \(excess): choose smaller widths")
      }
      return MLP(widths: all, activation: Self.activations[activation]!, key: key)
    case .cnn(let o):
      if let k = o["classes"], k != classCount {
        throw TrainingError.data("the data have \(classCount) classes, the spec says classes=\(k)")
      }
      return LeNet(
        inputChannels: inputShape[0], imageSize: inputShape[1], classCount: classCount, key: key)
    case .resnet20(let o):
      if let k = o["classes"], k != classCount {
        throw TrainingError.data("the data have \(classCount) classes, the spec says classes=\(k)")
      }
      return ResNet(
        blocksPerStage: 3, classCount: classCount, inputChannels: inputShape[0], key: key)
    case .gptChar(let o):
      // `Trainer` builds gpt-char itself (LanguageModelTask); this path is classification only.
      throw TrainingError.usage(
        "model 'gpt-char' (options \(o)) is a language model; only `descent train` and "
          + "`descent compare` take it (with --data kjv or a text file)")
    }
  }
}
