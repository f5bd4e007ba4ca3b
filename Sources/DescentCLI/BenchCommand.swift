import ArgumentParser
import Descent
import DescentBenchmarks
import DescentOptimizers
import DescentTraining
import Foundation

/// `descent bench`: measured speed as ratios against this machine's limits.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure Descent's speed against this machine's limits (memory bandwidth, BLAS GEMM).",
    discussion: """
      Every benchmark reports the median of several timed runs after warm-up. Each machine limit \
      is measured in the same run, just before the benchmarks it scales, and fractionOfLimit is \
      the ratio. Benchmarks/compare_pytorch.py (core, optimizers) and \
      Benchmarks/compare_transformer_pytorch.py (transformer) run the PyTorch side of the same work.
      """)

  enum Suite: String, ExpressibleByArgument, CaseIterable {
    case core, optimizers, mfac, curvature, conv, transformer, all
  }

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, json
  }

  @Argument(help: "Which benchmarks: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
  var suite: Suite = .core

  @Option(parsing: .unconditional, help: "Thread count (default: 1 and then all cores).")
  var threads: String?

  @Option(help: "Output format: table or json.")
  var format: Format = .table

  @Option(parsing: .unconditional, help: "Timed repetitions per benchmark, after warm-up (default 9).")
  var repetitions: String?

  @Option(
    name: .customLong("group"),
    help: "Only these groups of the core suite (repeatable): \(CoreBenchmarks.groupNames.joined(separator: ", ")).")
  var groups: [String] = []

  func validate() throws {
    // Only the core suite is divided into groups; the other suites are single tables, so a
    // --group there would be ignored without a word. Refuse it instead.
    if !groups.isEmpty, suite != .core {
      throw ValidationError(
        "--group selects benchmarks of the core suite only; the \(suite.rawValue) suite has no "
          + "groups: run `descent bench \(suite.rawValue)` without --group, or "
          + "`descent bench core --group \(groups[0])`")
    }
    for group in groups where !CoreBenchmarks.groupNames.contains(group) {
      throw ValidationError(
        "unknown benchmark group '\(group)' for --group; choose from \(CoreBenchmarks.groupNames.joined(separator: ", "))")
    }
  }

  func run() throws {
    let threads = try wholeNumber(threads, flag: "--threads", rule: WholeNumberFlags.threads, command: "bench")
    let repetitions =
      try wholeNumber(repetitions, flag: "--repetitions", rule: WholeNumberFlags.repetitions, command: "bench")
      ?? 9
    let threadCounts = threads.map { [$0] } ?? Array(Set([1, Parallelism.availableCores])).sorted()
    var benchmarks = CoreBenchmarks()
    benchmarks.repetitions = repetitions
    benchmarks.groups = Set(groups)
    var records: [BenchmarkRecord] = []
    if format == .table {
      print("BLAS: \(BLASLibrary.shared.summary)")
      print(BenchmarkTable.header)
    }
    let report: (BenchmarkRecord) -> Void = { record in
      records.append(record)
      if format == .table {
        print(BenchmarkTable.row(record))
        fflush(nil)
      }
    }
    if suite == .core || suite == .all {
      benchmarks.run(threads: threadCounts, report: report)
    }
    if suite == .optimizers || suite == .all {
      var optimizers = OptimizerBenchmarks()
      optimizers.repetitions = repetitions
      try optimizers.run(threads: threadCounts, report: report)
    }
    if suite == .mfac || suite == .all {
      var mfac = MFACBenchmarks()
      mfac.repetitions = repetitions
      for t in threadCounts { mfac.run(threads: t, report: report) }
    }
    if suite == .curvature || suite == .all {
      var curvature = CurvatureBenchmarks()
      curvature.repetitions = repetitions
      for t in threadCounts { try curvature.run(threads: t, report: report) }
    }
    if suite == .conv || suite == .all {
      var convolution = ConvolutionBenchmarks()
      convolution.repetitions = repetitions
      for t in threadCounts { try convolution.run(threads: t, report: report) }
    }
    if suite == .transformer || suite == .all {
      var transformer = TransformerBenchmarks()
      transformer.repetitions = max(repetitions, 21)
      for t in threadCounts { try transformer.run(threads: t, report: report) }
    }
    if format == .json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(records), as: UTF8.self))
    }
  }
}

enum BenchmarkTable {
  static let header =
    "benchmark                   config                              threads   median       throughput   of limit"

  static func row(_ r: BenchmarkRecord) -> String {
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    let median = r.medianSeconds < 1e-3 ? String(format: "%.3f µs", r.medianSeconds * 1e6) : String(format: "%.3f ms", r.medianSeconds * 1e3)
    let throughput = String(format: "%.2f %@", r.throughput, r.unit)
    let fraction = r.fractionOfLimit.map { String(format: "%.0f%%", $0 * 100) } ?? "-"
    return pad(r.benchmark, 28) + pad(r.config, 36) + pad("\(r.threads)", 10) + pad(median, 13)
      + pad(throughput, 16) + fraction
  }
}
