import Descent

/// The autodiff workload: an MLP 784-512-512-10 with ReLU, batch 128, cross-entropy from
/// logits, in float32. The same network, initialization ranges and data shapes as
/// Benchmarks/compare_pytorch.py's `mlp_records`.
struct MLPWorkload {
  let parameters: [Tensor]
  let input: Tensor
  let targets: Tensor
  let direction: [Tensor]

  init() {
    let sizes = [784, 512, 512, 10]
    let keys = RandomKey(seed: 0).split(into: 16)
    var parameters: [Tensor] = []
    for layer in 0..<3 {
      let bound = 1 / Double(sizes[layer]).squareRoot()
      parameters.append(
        Tensor.uniform([sizes[layer + 1], sizes[layer]], low: -bound, high: bound, key: keys[2 * layer]))
      parameters.append(Tensor.uniform([sizes[layer + 1]], low: -bound, high: bound, key: keys[2 * layer + 1]))
    }
    self.parameters = parameters
    input = Tensor.uniform([128, 784], key: keys[6])
    targets = Tensor.randint([128], low: 0, high: 10, key: keys[7]).oneHot(classes: 10)
    direction = parameters.enumerated().map { i, p in Tensor.normal(p.shape, key: keys[8 + i]) }
  }

  /// Mean cross-entropy of the MLP's logits.
  func loss(_ p: [Tensor]) -> Tensor {
    var h = input
    for layer in 0..<3 {
      h = h.matmulTransposed(p[2 * layer]) + p[2 * layer + 1]
      if layer < 2 { h = h.relu() }
    }
    return -(h.logSoftmax(axis: 1) * targets).sum() / 128
  }
}

extension CoreBenchmarks {
  /// Gradient and Hessian-vector product of ``MLPWorkload``; the HVP's cost is also reported as
  /// a multiple of the gradient's (the target: at most 2.5×).
  func autodiff(threads t: Int, report: (BenchmarkRecord) -> Void) {
    let workload = MLPWorkload()
    let config = "784-512-512-10 batch 128 float32"
    let reps = Swift.max(repetitions, 15)
    let gradientSeconds = Timing.median(warmup: 5, repetitions: reps) {
      blackHole(valueAndGrad(of: workload.loss, at: workload.parameters))
    }
    let hvpSeconds = Timing.median(warmup: 5, repetitions: reps) {
      blackHole(valueGradAndHVP(of: workload.loss, at: workload.parameters, v: workload.direction))
    }
    report(
      BenchmarkRecord(
        benchmark: "autodiff.mlp.gradient", config: config, threads: t, medianSeconds: gradientSeconds,
        throughput: 1 / gradientSeconds, unit: "steps/s", fractionOfLimit: nil))
    report(
      BenchmarkRecord(
        benchmark: "autodiff.mlp.hvp", config: config, threads: t, medianSeconds: hvpSeconds,
        throughput: 1 / hvpSeconds, unit: "steps/s", fractionOfLimit: nil))
    report(
      BenchmarkRecord(
        benchmark: "autodiff.mlp.hvpOverGradient", config: config, threads: t,
        medianSeconds: hvpSeconds, throughput: hvpSeconds / gradientSeconds, unit: "× gradient",
        fractionOfLimit: nil))
  }
}
