import Descent

/// `descent bench core`: the tensor core against this machine's limits.
///
/// Each group is measured at every requested thread count, the machine limit first in the same
/// run, so every `fractionOfLimit` compares numbers taken minutes apart at most.
public struct CoreBenchmarks: Sendable {
  /// Elements of the large elementwise and reduction benchmarks (16M floats = 64 MiB per tensor).
  public var largeCount = 1 << 24
  /// Matrix sizes of the matmul benchmark.
  public var matmulSizes = [256, 512, 1024, 2048]
  public var repetitions = 9
  /// Groups to run (`bandwidth`, `matmul`, `overhead`, `autodiff`); all when empty.
  public var groups: Set<String> = []

  /// The benchmark groups of this suite.
  public static let groupNames = ["bandwidth", "matmul", "overhead", "autodiff", "conv"]

  public init() {}

  /// Runs every core benchmark at each thread count, reporting each record as it is measured.
  public func run(threads: [Int], report: (BenchmarkRecord) -> Void) {
    for t in threads {
      withThreads(t) {
        let selected = { (name: String) in groups.isEmpty || groups.contains(name) }
        if selected("bandwidth") { bandwidth(threads: t, report: report) }
        if selected("matmul") { matmul(threads: t, report: report) }
        if selected("overhead") { overhead(threads: t, report: report) }
        if selected("autodiff") { autodiff(threads: t, report: report) }
        if selected("conv") { convolution(threads: t, report: report) }
      }
    }
  }

  func bandwidth(threads t: Int, report: (BenchmarkRecord) -> Void) {
    let n = largeCount
    let triad = MachineLimits.triadBandwidth(count: n, repetitions: repetitions)
    report(
      BenchmarkRecord(
        benchmark: "memory.triad", config: "n=\(n) float32 (limit)", threads: t,
        medianSeconds: Double(12 * n) / triad, throughput: triad / 1e9, unit: "GB/s",
        fractionOfLimit: nil))
    let a = Tensor.full([n], value: 1.5)
    let b = Tensor.full([n], value: 0.25)
    func measure(_ name: String, bytes: Int, _ body: () -> Void) {
      let seconds = Timing.median(warmup: 2, repetitions: repetitions, body)
      let rate = Double(bytes) / seconds
      report(
        BenchmarkRecord(
          benchmark: name, config: "n=\(n) float32", threads: t, medianSeconds: seconds,
          throughput: rate / 1e9, unit: "GB/s", fractionOfLimit: rate / triad))
    }
    measure("elementwise.add", bytes: 12 * n) { blackHole(a + b) }
    measure("elementwise.multiplyScalar", bytes: 8 * n) { blackHole(a * 0.5) }
    measure("elementwise.exp", bytes: 8 * n) { blackHole(a.exp()) }
    measure("elementwise.tanh", bytes: 8 * n) { blackHole(a.tanh()) }
    measure("elementwise.relu", bytes: 8 * n) { blackHole(a.relu()) }
    measure("reduction.sum", bytes: 4 * n) { blackHole(a.sum()) }
    let side = Int(Double(n).squareRoot())
    let matrix = Tensor.full([side, side], value: 0.5)
    measure("reduction.sumAxis0", bytes: 4 * side * side) { blackHole(matrix.sum(axis: 0)) }
    measure("reduction.sumAxis1", bytes: 4 * side * side) { blackHole(matrix.sum(axis: 1)) }
  }

  func matmul(threads t: Int, report: (BenchmarkRecord) -> Void) {
    for size in matmulSizes {
      let a = Tensor.full([size, size], value: 0.5)
      let b = Tensor.full([size, size], value: 0.25)
      let flops = 2.0 * Double(size * size * size)
      let reps = size >= 2048 ? max(3, repetitions / 2) : repetitions
      let c = UnsafeMutablePointer<Float>.allocate(capacity: size * size)
      defer { c.deallocate() }
      var limit: Double?
      let blasOK = a.withUnsafeBufferPointer(as: Float.self) { pa in
        b.withUnsafeBufferPointer(as: Float.self) { pb in
          BLASLibrary.shared.rawSGEMM(pa.baseAddress!, pb.baseAddress!, c, m: size, n: size, k: size, threads: t)
        }
      }
      if blasOK {
        let seconds = Timing.median(warmup: 1, repetitions: reps) {
          a.withUnsafeBufferPointer(as: Float.self) { pa in
            b.withUnsafeBufferPointer(as: Float.self) { pb in
              _ = BLASLibrary.shared.rawSGEMM(
                pa.baseAddress!, pb.baseAddress!, c, m: size, n: size, k: size, threads: t)
            }
          }
        }
        limit = flops / seconds
        report(
          BenchmarkRecord(
            benchmark: "blas.sgemm", config: "n=\(size) float32 (limit)", threads: t,
            medianSeconds: seconds, throughput: flops / seconds / 1e9, unit: "GFLOP/s",
            fractionOfLimit: nil))
      }
      let seconds = Timing.median(warmup: 1, repetitions: reps) { blackHole(a.matmul(b)) }
      report(
        BenchmarkRecord(
          benchmark: "matmul", config: "n=\(size) float32", threads: t, medianSeconds: seconds,
          throughput: flops / seconds / 1e9, unit: "GFLOP/s",
          fractionOfLimit: limit.map { flops / seconds / $0 }))
    }
  }

  /// conv2d of a [32, 16, 32, 32] batch with 32 3×3 filters (padding 1), float32: forward, and
  /// forward + backward to input and weight (im2col + GEMM; col2im in the backward).
  func convolution(threads t: Int, report: (BenchmarkRecord) -> Void) {
    let keys = RandomKey(seed: 5).split(into: 2)
    let input = Tensor.normal([32, 16, 32, 32], key: keys[0])
    let weight = Tensor.normal([32, 16, 3, 3], std: 0.1, key: keys[1])
    let config = "[32,16,32,32] * [32,16,3,3] pad 1 float32"
    let flops = 2.0 * 32 * 32 * 16 * 9 * 32 * 32
    let forward = Timing.median(warmup: 2, repetitions: repetitions) {
      blackHole(conv2d(input, weight, padding: 1))
    }
    report(
      BenchmarkRecord(
        benchmark: "conv2d.forward", config: config, threads: t, medianSeconds: forward,
        throughput: flops / forward / 1e9, unit: "GFLOP/s", fractionOfLimit: nil))
    let both = Timing.median(warmup: 2, repetitions: repetitions) {
      blackHole(grad(of: { xs in conv2d(xs[0], xs[1], padding: 1).sum() }, at: [input, weight]))
    }
    report(
      BenchmarkRecord(
        benchmark: "conv2d.forwardBackward", config: config, threads: t, medianSeconds: both,
        throughput: 3 * flops / both / 1e9, unit: "GFLOP/s", fractionOfLimit: nil))
  }

  func overhead(threads t: Int, report: (BenchmarkRecord) -> Void) {
    let x = Tensor([1, 2, 3, 4])
    let y = Tensor([0.5, 0.25, 2, 1])
    let opsPerBlock = 1000
    func perOp(_ name: String, _ config: String, _ body: () -> Void) {
      let seconds = Timing.median(warmup: 3, repetitions: 21, body) / Double(opsPerBlock)
      report(
        BenchmarkRecord(
          benchmark: name, config: config, threads: t, medianSeconds: seconds,
          throughput: seconds * 1e6, unit: "µs/op", fractionOfLimit: nil))
    }
    perOp("overhead.add", "4 elements, no gradient recording") {
      var z = x
      for _ in 0..<opsPerBlock { z = z + y }
      blackHole(z)
    }
    let tracked = x.trackingGradients()
    perOp("overhead.add", "4 elements, recording gradients") {
      var z = tracked
      for _ in 0..<opsPerBlock { z = z + y }
      blackHole(z)
    }
  }
}
