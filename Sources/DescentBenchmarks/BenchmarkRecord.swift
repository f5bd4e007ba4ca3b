/// One measured benchmark, in the JSON shape of the command-line contract
/// (`descent bench --format json`).
public struct BenchmarkRecord: Codable, Sendable, Equatable {
  /// Name of what is measured, e.g. `elementwise.add`.
  public var benchmark: String
  /// The configuration, e.g. `n=16777216 float32`.
  public var config: String
  public var threads: Int
  /// Median wall-clock seconds of one repetition, after warm-up.
  public var medianSeconds: Double
  /// Work per second in `unit`.
  public var throughput: Double
  public var unit: String
  /// `throughput` as a fraction of the machine limit that applies (bandwidth, BLAS GEMM), or
  /// `nil` where none does.
  public var fractionOfLimit: Double?

  public init(
    benchmark: String, config: String, threads: Int, medianSeconds: Double, throughput: Double,
    unit: String, fractionOfLimit: Double?
  ) {
    self.benchmark = benchmark
    self.config = config
    self.threads = threads
    self.medianSeconds = medianSeconds
    self.throughput = throughput
    self.unit = unit
    self.fractionOfLimit = fractionOfLimit
  }

  private enum CodingKeys: String, CodingKey {
    case benchmark, config, threads, medianSeconds, throughput, unit, fractionOfLimit
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(benchmark, forKey: .benchmark)
    try c.encode(config, forKey: .config)
    try c.encode(threads, forKey: .threads)
    try c.encode(medianSeconds, forKey: .medianSeconds)
    try c.encode(throughput, forKey: .throughput)
    try c.encode(unit, forKey: .unit)
    try c.encode(fractionOfLimit, forKey: .fractionOfLimit)  // explicit null when nil
  }
}
