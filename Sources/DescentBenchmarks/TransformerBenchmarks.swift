import Descent
import DescentNN
import DescentOptimizers

/// `descent bench transformer`: one training step of the character GPT of `descent train --model
/// gpt-char` and an attention micro-suite, each forward + backward. Benchmarks/
/// compare_transformer_pytorch.py runs the same work in PyTorch eager (its twin of the model is
/// scripts/golden/make_nn_golden.py's GPT) right after, at the same thread count.
///
/// Sizes (both sides): vocabulary 63 (KJV's), context 64, 2 layers, 4 heads, dimension 64,
/// batch 32, float32; random tokens.
///
/// Records (median seconds of one call after warm-up):
/// - `transformer.gptChar.trainStep`: forward, mean next-token cross-entropy, backward and one
///   AdamW step (lr 1e-3, the other hyperparameters PyTorch's defaults), as `descent train` takes it.
/// - `transformer.attention`: causal `MultiheadAttention` on `[32, 64, 64]`, gradient with respect
///   to the input and the four parameters (seed ones).
/// - `transformer.maskedSoftmax`: `where(causal mask, scores, −∞).softmax()` on `[32, 4, 64, 64]`.
/// - `transformer.layerNorm`, `transformer.gelu`, `transformer.embedding` (lookup of `[32, 64]`
///   tokens, gradient into the table), `transformer.crossEntropy` (`[2048, 63]` logits).
public struct TransformerBenchmarks: Sendable {
  public var repetitions = 21
  public let vocabulary = 63
  public let context = 64
  public let layers = 2
  public let heads = 4
  public let dimension = 64
  public let batch = 32

  public init() {}

  public func run(threads t: Int, report: (BenchmarkRecord) -> Void) throws {
    try withThreads(t) { try measure(threads: t, report: report) }
  }

  private func time(_ body: () -> Void) -> Double {
    Timing.median(warmup: 5, repetitions: repetitions, body)
  }

  private func measure(threads t: Int, report: (BenchmarkRecord) -> Void) throws {
    func record(_ name: String, _ config: String, _ seconds: Double, _ unit: String) {
      report(
        BenchmarkRecord(
          benchmark: "transformer." + name, config: config, threads: t, medianSeconds: seconds,
          throughput: 1 / seconds, unit: unit, fractionOfLimit: nil))
    }
    let keys = RandomKey(seed: 7).split(into: 8)
    let model = GPT(
      .init(
        vocabularySize: vocabulary, contextLength: context, layerCount: layers, headCount: heads,
        embeddingDimension: dimension),
      key: keys[0])
    let tokens = Tensor.randint([batch, context + 1], low: 0, high: vocabulary, key: keys[1])
    let inputs = tokens.slice(axis: 1, end: context)
    let targets = tokens.slice(axis: 1, start: 1).reshaped([batch * context])
    var parameters = model.parameters
    let optimizer = try Optimizer(AdamW(learningRate: 1e-3), for: parameters)
    let positions = batch * context
    var stepError: (any Error)?
    let stepSeconds = time {
      let (_, gradients) = valueAndGrad(
        of: { p in
          let logits = model.with(parameters: p)(inputs, context: .training())
          return crossEntropy(logits: logits.reshaped([positions, vocabulary]), labels: targets)
        }, at: parameters)
      do { try optimizer.step(&parameters, gradients: gradients) } catch { stepError = error }
    }
    if let stepError { throw stepError }
    record(
      "gptChar.trainStep",
      "\(layers)L \(heads)H \(dimension)d ctx\(context) b\(batch) vocab\(vocabulary) AdamW float32",
      stepSeconds, "steps/s")

    let attention = MultiheadAttention(
      embeddingDimension: dimension, headCount: heads, causal: true, key: keys[2])
    let x = Tensor.normal([batch, context, dimension], key: keys[3])
    let attentionParameters = attention.parameters
    record(
      "attention", "causal B\(batch) T\(context) E\(dimension) H\(heads) float32",
      time {
        blackHole(
          valueAndGrad(
            of: { v in
              attention.with(parameters: ParameterTree(Array(zip(attentionParameters.paths, v.dropFirst()))))(
                v[0], context: .training()
              ).sum()
            }, at: [x] + attentionParameters.tensors))
      }, "calls/s")

    let scores = Tensor.normal([batch, heads, context, context], key: keys[4])
    let mask = Tensor(
      scalars: (0..<(context * context)).map { UInt8($0 % context <= $0 / context ? 1 : 0) },
      shape: [context, context])
    record(
      "maskedSoftmax", "[\(batch),\(heads),\(context),\(context)] causal float32",
      time {
        blackHole(
          valueAndGrad(
            of: { s in Descent.where(mask, s, -Double.infinity).softmax(axis: -1).sum() },
            at: scores))
      }, "calls/s")

    let norm = LayerNorm(dimension)
    let normParameters = norm.parameters
    record(
      "layerNorm", "[\(batch),\(context),\(dimension)] float32",
      time {
        blackHole(
          valueAndGrad(
            of: { v in
              norm.with(parameters: ParameterTree(Array(zip(normParameters.paths, v.dropFirst()))))(
                v[0], context: .training()
              ).sum()
            }, at: [x] + normParameters.tensors))
      }, "calls/s")

    let hidden = Tensor.normal([batch, context, 4 * dimension], key: keys[5])
    record(
      "gelu", "[\(batch),\(context),\(4 * dimension)] float32",
      time { blackHole(valueAndGrad(of: { $0.gelu().sum() }, at: hidden)) }, "calls/s")

    let table = Embedding(vocabulary, dimension, key: keys[6])
    record(
      "embedding", "[\(batch),\(context)] from \(vocabulary)×\(dimension) float32",
      time {
        blackHole(
          valueAndGrad(
            of: { w in Embedding(weight: w)(inputs, context: .training()).sum() }, at: table.weight))
      }, "calls/s")

    let logits = Tensor.normal([positions, vocabulary], key: keys[7])
    record(
      "crossEntropy", "[\(positions),\(vocabulary)] float32",
      time { blackHole(valueAndGrad(of: { crossEntropy(logits: $0, labels: targets) }, at: logits)) },
      "calls/s")
  }
}
