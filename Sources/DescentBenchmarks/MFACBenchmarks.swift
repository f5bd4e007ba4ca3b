import DescentOptimizers
import Foundation

/// `descent bench mfac`: the cost of M-FAC's dynamic inverse-Fisher-vector product and of adding a
/// gradient to its ring buffer, over d = 10⁴, 10⁵, 10⁶ at fixed m, with the log-log slope of the
/// product's time against d (the claim: O(dm + m²), so a slope of 1 ± 0.2 once dm dominates).
///
/// Records: `mfac.multiply` and `mfac.add` per d (throughput in Mcoord/s: d·m / seconds / 1e6),
/// then `mfac.multiply.slope` whose `throughput` is the fitted slope (unit "slope").
public struct MFACBenchmarks: Sendable {
  public var dimensions = [10_000, 100_000, 1_000_000]
  public var capacity = 32
  public var repetitions = 9

  public init() {}

  public func run(threads: Int, report: (BenchmarkRecord) -> Void) {
    var logD: [Double] = []
    var logT: [Double] = []
    for d in dimensions {
      var state: UInt64 = 1
      func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53) - 0.5
      }
      var inverse = MFACInverseFisher(dimension: d, capacity: capacity, damping: 1e-5)
      for _ in 0..<capacity { inverse.add((0..<d).map { _ in next() }) }
      let x = (0..<d).map { _ in next() }
      let gradient = (0..<d).map { _ in next() }
      let config = "d=\(d) m=\(capacity) float64"
      var sink = 0.0
      let multiply = Timing.median(repetitions: repetitions) {
        sink += inverse.multiply(x)[0]
      }
      var copy = inverse
      let add = Timing.median(repetitions: repetitions) { copy.add(gradient) }
      precondition(sink.isFinite, "mfac benchmark: non-finite product")
      let work = Double(d * capacity) / 1e6
      report(
        BenchmarkRecord(
          benchmark: "mfac.multiply", config: config, threads: threads, medianSeconds: multiply,
          throughput: work / multiply, unit: "Mcoord/s", fractionOfLimit: nil))
      report(
        BenchmarkRecord(
          benchmark: "mfac.add", config: config, threads: threads, medianSeconds: add,
          throughput: work / add, unit: "Mcoord/s", fractionOfLimit: nil))
      logD.append(log(Double(d)))
      logT.append(log(multiply))
    }
    let n = Double(logD.count)
    let meanD = logD.reduce(0, +) / n
    let meanT = logT.reduce(0, +) / n
    var sxy = 0.0
    var sxx = 0.0
    for (a, b) in zip(logD, logT) {
      sxy += (a - meanD) * (b - meanT)
      sxx += (a - meanD) * (a - meanD)
    }
    report(
      BenchmarkRecord(
        benchmark: "mfac.multiply.slope",
        config: "log-log over d=\(dimensions.map(String.init).joined(separator: ","))",
        threads: threads, medianSeconds: 0, throughput: sxy / sxx, unit: "slope",
        fractionOfLimit: nil))
  }
}
