import Descent
import DescentOptimizers

/// `descent bench curvature`: one AdaHessian and one SophiaH step with their Hessian-vector product
/// on a 15.7M-parameter MLP, the gradient and HVP alone, and the optimizers' own update alone
/// against the memory-bandwidth limit. Benchmarks/compare_curvature_pytorch.py runs the same work
/// with pytorch_optimizer's AdaHessian and SophiaH.
///
/// The model (float32, the same in the PyTorch script): Linear 1024→3072, tanh, Linear 3072→3072,
/// tanh, Linear 3072→1024, mean cross-entropy over 1024 classes, batch 64; weights and biases
/// uniform in ±1/√fan_in (PyTorch's `nn.Linear` initialization), inputs uniform in [0, 1),
/// random targets. 15,735,808 parameters in 6 tensors.
///
/// Records:
/// - `curvature.gradient`, `curvature.hvp` (value, gradient and HVP by double backpropagation),
///   `curvature.hvpOverGradient` (the HVP's time as a multiple of the gradient's).
/// - `curvature.adahessian.step`, `curvature.sophiah.step`: what one training step costs with
///   each, as `descent train` takes it: the loss and gradient with the graph kept
///   (`valueGradAndCurvature`, since the optimizer asks for Hessian-vector products), then
///   `Optimizer.step(…, curvature:)`, which draws the probe, computes the HVP through the kept
///   graph and updates (SophiaH with `hessianUpdateInterval` 1, so every step estimates: the
///   PyTorch side uses `update_period=1`). `….step.separateHVP`: the same step with the gradient
///   from `valueAndGrad` and the HVP from the loss closure (a second forward and backward pass).
/// - `curvature.adahessian.update`, `curvature.sophiah.update`: the optimizer step alone, on a
///   step without a Hessian estimate (`updateEvery`/`hessianUpdateInterval` 10⁹, after the first
///   step), `fractionOfLimit` = bytes moved (AdaHessian 32 B/param: reads θ, g, m, v, D, writes θ,
///   m, v; SophiaH 24 B/param: reads θ, g, m, h, writes θ, m) per second ÷
///   ``MachineLimits/optimizerPatternBandwidth``.
/// - `curvature.probe.gaussian`, `curvature.probe.rademacher`: drawing one probe for all
///   parameters from the core RNG (`Tensor.normal`, `Tensor.rademacher`), part of each step above;
///   and `curvature.sophiah-rademacher.step`, SophiaH's step with Rademacher probes.
public struct CurvatureBenchmarks: Sendable {
  public var repetitions = 9
  public var sizes = [1024, 3072, 3072, 1024]
  public var batch = 64

  public init() {}

  public static let config = "MLP 1024-3072-3072-1024 tanh, batch 64, float32 (15.7M params)"

  struct Workload {
    var parameters: ParameterTree
    let loss: @Sendable (ParameterTree) -> Tensor

    init(sizes: [Int], batch: Int) {
      let keys = RandomKey(seed: 5).split(into: 2 * sizes.count + 2)
      var entries: [(String, Tensor)] = []
      for layer in 0..<(sizes.count - 1) {
        let bound = 1 / Double(sizes[layer]).squareRoot()
        entries.append(
          (
            "layers.\(layer).weight",
            Tensor.uniform(
              [sizes[layer + 1], sizes[layer]], low: -bound, high: bound, key: keys[2 * layer])
          ))
        entries.append(
          (
            "layers.\(layer).bias",
            Tensor.uniform([sizes[layer + 1]], low: -bound, high: bound, key: keys[2 * layer + 1])
          ))
      }
      parameters = ParameterTree(entries)
      let classes = sizes.last!
      let input = Tensor.uniform([batch, sizes[0]], key: keys[keys.count - 2])
      let targets = Tensor.randint([batch], low: 0, high: classes, key: keys[keys.count - 1])
        .oneHot(classes: classes)
      let layers = sizes.count - 1
      loss = { p in
        var h = input
        for layer in 0..<layers {
          h = h.matmulTransposed(p["layers.\(layer).weight"]!) + p["layers.\(layer).bias"]!
          if layer < layers - 1 { h = h.tanh() }
        }
        return -(h.logSoftmax(axis: 1) * targets).sum() / Double(batch)
      }
    }
  }

  public func run(threads t: Int, report: (BenchmarkRecord) -> Void) throws {
    try withThreads(t) {
      var workload = Workload(sizes: sizes, batch: batch)
      let count = workload.parameters.entries.reduce(0) { $0 + $1.tensor.count }
      let config = Self.config
      func record(_ name: String, _ seconds: Double, fraction: Double? = nil) {
        report(
          BenchmarkRecord(
            benchmark: name, config: config, threads: t, medianSeconds: seconds,
            throughput: 1 / seconds, unit: "steps/s", fractionOfLimit: fraction))
      }
      let limit = MachineLimits.optimizerPatternBandwidth(repetitions: repetitions)
      report(
        BenchmarkRecord(
          benchmark: "memory.optimizerPattern",
          config: "n=\(1 << 24) float32, 4 reads + 3 writes (limit)", threads: t,
          medianSeconds: Double(28 << 24) / limit, throughput: limit / 1e9, unit: "GB/s",
          fractionOfLimit: nil))

      let loss = workload.loss
      let probe = workload.parameters.map { Tensor.normal($0.shape, key: RandomKey(seed: 9)) }
      let gradient = Timing.median(warmup: 2, repetitions: repetitions) {
        blackHole(valueAndGrad(of: loss, at: workload.parameters))
      }
      record("curvature.gradient", gradient)
      let hvp = Timing.median(warmup: 2, repetitions: repetitions) {
        blackHole(valueGradAndHVP(of: loss, at: workload.parameters, v: probe))
      }
      record("curvature.hvp", hvp)
      report(
        BenchmarkRecord(
          benchmark: "curvature.hvpOverGradient", config: config, threads: t, medianSeconds: hvp,
          throughput: hvp / gradient, unit: "× gradient", fractionOfLimit: nil))

      let keys = RandomKey(seed: 11).split(into: workload.parameters.count)
      let gaussian = Timing.median(warmup: 1, repetitions: repetitions) {
        for (i, p) in workload.parameters.entries.enumerated() {
          blackHole(Tensor.normal(p.tensor.shape, key: keys[i]))
        }
      }
      record("curvature.probe.gaussian", gaussian)
      let rademacher = Timing.median(warmup: 1, repetitions: repetitions) {
        for (i, p) in workload.parameters.entries.enumerated() {
          blackHole(Tensor.rademacher(p.tensor.shape, key: keys[i]))
        }
      }
      record("curvature.probe.rademacher", rademacher)

      let full: [(String, any GradientTransformation)] = [
        ("curvature.adahessian.step", try AdaHessian()),
        ("curvature.sophiah.step", try SophiaH(hessianUpdateInterval: 1)),
        (
          "curvature.sophiah-rademacher.step",
          try SophiaH(hessianUpdateInterval: 1, probeDistribution: .rademacher)
        ),
      ]
      var failure: (any Error)?
      for (name, transformation) in full {
        var parameters = workload.parameters
        let optimizer = Optimizer(erasing: transformation, for: parameters)
        let seconds = Timing.median(warmup: 2, repetitions: repetitions) {
          do {
            let curvature = valueGradAndCurvature(of: loss, at: parameters)
            try optimizer.step(&parameters, gradients: curvature.gradient, curvature: curvature)
          } catch { failure = error }
        }
        if let failure { throw failure }
        record(name, seconds)
      }
      for (name, transformation) in full.prefix(2) {
        var parameters = workload.parameters
        let optimizer = Optimizer(erasing: transformation, for: parameters)
        let seconds = Timing.median(warmup: 2, repetitions: repetitions) {
          do {
            let gradients = valueAndGrad(of: loss, at: parameters).1
            try optimizer.step(&parameters, gradients: gradients, lossFunction: loss)
          } catch { failure = error }
        }
        if let failure { throw failure }
        record(name + ".separateHVP", seconds)
      }

      let gradients = valueAndGrad(of: loss, at: workload.parameters).1
      let alone: [(String, any GradientTransformation, Int)] = [
        ("curvature.adahessian.update", try AdaHessian(updateEvery: 1_000_000_000), 32),
        ("curvature.sophiah.update", try SophiaH(hessianUpdateInterval: 1_000_000_000), 24),
      ]
      for (name, transformation, bytes) in alone {
        let optimizer = Optimizer(erasing: transformation, for: workload.parameters)
        // The first step estimates the Hessian; the timed ones (after warm-up) do not.
        try optimizer.step(&workload.parameters, gradients: gradients, lossFunction: loss)
        let seconds = Timing.median(warmup: 3, repetitions: repetitions) {
          do { try optimizer.step(&workload.parameters, gradients: gradients) } catch {
            failure = error
          }
        }
        if let failure { throw failure }
        record(name, seconds, fraction: Double(bytes * count) / seconds / limit)
      }
    }
  }
}
