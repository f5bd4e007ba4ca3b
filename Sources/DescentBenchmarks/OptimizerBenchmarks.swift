import Descent
import DescentOptimizers

/// `descent bench optimizers`: the step throughput of every elementwise optimizer in the
/// catalogue, against the memory bandwidth of the optimizer-step pattern measured in the same run.
///
/// Each optimizer steps one 2²⁴-element float32 tensor, and 100 tensors totalling 2²⁴ elements
/// (the per-tensor overhead of a real model's parameter list). Only the step is timed: the
/// gradient is fixed and made before timing. Records report Mparam/s and `fractionOfLimit` =
/// (bytes moved per parameter × parameters / second) ÷ ``MachineLimits/optimizerPatternBandwidth``.
public struct OptimizerBenchmarks: Sendable {
  /// One benchmarked configuration: an optimizer with settings and the bytes its step must move
  /// per float32 parameter (4 bytes per buffer read + 4 per buffer written).
  public struct Case: Sendable {
    public let benchmark: String
    public let optimizer: String
    public let settings: [String: String]
    public let bytesPerParameter: Int
  }

  /// Every case, with its byte count derived from the fused in-place loop it runs:
  /// - sgd, momentum 0.9: reads p, g, buf; writes p, buf → 5 × 4 = 20 B.
  /// - adagrad: reads p, g, sum; writes p, sum → 20 B.
  /// - adadelta: reads p, g, square average, accumulated delta; writes p and both → 28 B.
  /// - rmsprop (plain): reads p, g, square average; writes p, square average → 20 B.
  /// - adam, adamw: reads p, g, m, v; writes p, m, v → 28 B (the limit's own pattern).
  /// - diffgrad: reads p, g, m, v, g_prev; writes p, m, v, g_prev → 36 B.
  /// - adagradnorm: one pass reading g for ‖g‖² (4 B), then reads p, g and writes p (12 B) → 16 B.
  /// - adam8bit (block size 256): reads p, g, the m and v codes; writes p and both codes → 16 B,
  ///   plus 4 B of absmax per 256 values per state read and written (0.06 B, left out).
  /// - sgd-momentum, adagrad with stateBits=8: reads p, g, codes; writes p, codes → 10 B.
  /// - diffgrad with stateBits=8: reads p, g, three code buffers; writes them all → 14 B.
  /// - adadelta with stateBits=8: reads p, g, two code buffers; writes them all → 12 B.
  /// - nadam, radam, adamax, adabelief: reads p, g and two moments; writes p and both → 28 B.
  /// - lion: reads p, g, m; writes p, m → 20 B.
  /// - adan: reads p, g, m, v, n, g_prev; writes p and the four → 44 B.
  public static let cases: [Case] = [
    Case(
      benchmark: "optimizer.sgd-momentum", optimizer: "sgd", settings: ["momentum": "0.9"],
      bytesPerParameter: 20),
    Case(
      benchmark: "optimizer.adagrad", optimizer: "adagrad", settings: [:], bytesPerParameter: 20),
    Case(
      benchmark: "optimizer.adadelta", optimizer: "adadelta", settings: [:], bytesPerParameter: 28),
    Case(
      benchmark: "optimizer.rmsprop", optimizer: "rmsprop", settings: [:], bytesPerParameter: 20),
    Case(benchmark: "optimizer.adam", optimizer: "adam", settings: [:], bytesPerParameter: 28),
    Case(benchmark: "optimizer.adamw", optimizer: "adamw", settings: [:], bytesPerParameter: 28),
    Case(
      benchmark: "optimizer.diffgrad", optimizer: "diffgrad", settings: [:], bytesPerParameter: 36),
    Case(
      benchmark: "optimizer.adagradnorm", optimizer: "adagradnorm", settings: [:],
      bytesPerParameter: 16),
    Case(
      benchmark: "optimizer.adam8bit", optimizer: "adam8bit", settings: [:], bytesPerParameter: 16),
    Case(
      benchmark: "optimizer.sgd-momentum8bit", optimizer: "sgd",
      settings: ["momentum": "0.9", "stateBits": "8"], bytesPerParameter: 10),
    Case(
      benchmark: "optimizer.adagrad8bit", optimizer: "adagrad", settings: ["stateBits": "8"],
      bytesPerParameter: 10),
    Case(
      benchmark: "optimizer.adadelta8bit", optimizer: "adadelta", settings: ["stateBits": "8"],
      bytesPerParameter: 12),
    Case(
      benchmark: "optimizer.diffgrad8bit", optimizer: "diffgrad", settings: ["stateBits": "8"],
      bytesPerParameter: 14),
    Case(benchmark: "optimizer.nadam", optimizer: "nadam", settings: [:], bytesPerParameter: 28),
    Case(benchmark: "optimizer.radam", optimizer: "radam", settings: [:], bytesPerParameter: 28),
    Case(benchmark: "optimizer.adamax", optimizer: "adamax", settings: [:], bytesPerParameter: 28),
    Case(
      benchmark: "optimizer.adabelief", optimizer: "adabelief", settings: [:],
      bytesPerParameter: 28),
    Case(benchmark: "optimizer.lion", optimizer: "lion", settings: [:], bytesPerParameter: 20),
    Case(benchmark: "optimizer.adan", optimizer: "adan", settings: [:], bytesPerParameter: 44),
  ]

  /// Parameters per configuration (16M float32 = 64 MiB per buffer).
  public var parameterCount = 1 << 24
  /// The tensor counts over which `parameterCount` is split.
  public var tensorCounts = [1, 100]
  public var repetitions = 9

  public init() {}

  /// The config string of a layout, shared with Benchmarks/compare_pytorch.py.
  public static func config(tensors: Int, parameters: Int) -> String {
    tensors == 1
      ? "1 tensor n=\(parameters) float32" : "\(tensors) tensors n=\(parameters) float32"
  }

  /// Runs every case at each thread count, the bandwidth limit first, reporting as it goes.
  public func run(threads: [Int], report: (BenchmarkRecord) -> Void) throws {
    for t in threads {
      try withThreads(t) {
        let limit = MachineLimits.optimizerPatternBandwidth(
          count: parameterCount, repetitions: repetitions)
        report(
          BenchmarkRecord(
            benchmark: "memory.optimizerPattern",
            config: "n=\(parameterCount) float32, 4 reads + 3 writes (limit)", threads: t,
            medianSeconds: Double(28 * parameterCount) / limit, throughput: limit / 1e9,
            unit: "GB/s", fractionOfLimit: nil))
        for benchmarkCase in Self.cases {
          for tensors in tensorCounts {
            let seconds = try measure(benchmarkCase, tensors: tensors)
            let bytesPerSecond =
              Double(benchmarkCase.bytesPerParameter * parameterCount) / seconds
            report(
              BenchmarkRecord(
                benchmark: benchmarkCase.benchmark,
                config: Self.config(tensors: tensors, parameters: parameterCount), threads: t,
                medianSeconds: seconds, throughput: Double(parameterCount) / seconds / 1e6,
                unit: "Mparam/s", fractionOfLimit: bytesPerSecond / limit))
          }
        }
      }
    }
  }

  /// Median seconds of one step of `benchmarkCase` over `tensors` tensors, after warm-up.
  func measure(_ benchmarkCase: Case, tensors: Int) throws -> Double {
    let sizes = Self.split(parameterCount, into: tensors)
    var parameters = ParameterTree(
      sizes.enumerated().map { ("p\($0.offset)", Tensor.full([$0.element], value: 1)) })
    let gradients = ParameterTree(
      sizes.enumerated().map { ("p\($0.offset)", Tensor.full([$0.element], value: 0.01)) })
    let optimizer = Optimizer(
      erasing: try OptimizerCatalogue.make(
        benchmarkCase.optimizer, settings: benchmarkCase.settings),
      for: parameters)
    var failure: (any Error)?
    let seconds = Timing.median(warmup: 3, repetitions: repetitions) {
      do { try optimizer.step(&parameters, gradients: gradients) } catch { failure = error }
    }
    if let failure { throw failure }
    return seconds
  }

  /// `total` split into `parts` sizes differing by at most one.
  static func split(_ total: Int, into parts: Int) -> [Int] {
    (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
  }
}
