import Descent
import DescentNN
import DescentOptimizers

/// `descent bench conv`: CNN training steps and the convolution-layer kernels they are made of.
/// Benchmarks/compare_conv_pytorch.py runs the same work in PyTorch eager mode (the models are the
/// golden-script twins, scripts/golden/make_nn_golden.py) in the same run.
///
/// Records (float32 throughout; inputs uniform in [0, 1), labels uniform over 10 classes):
/// - `train.lenet` (LeNet-5 28×28, batch 64) and `train.resnet20` (ResNet-20 32×32, batch 128):
///   one training step as `descent train` takes it — the model in training mode through
///   `with(parameters:)`, mean cross-entropy, `valueAndGrad`, then the catalogue's SGD with
///   momentum 0.9 (lr 0.01) in place; throughput in examples per second.
/// - `conv2d.forward` and `conv2d.forwardBackward` (the gradient of the output's sum with respect
///   to input and weight) for each convolution shape of the two models (``cases``); throughput in
///   GFLOP/s counting `2·N·O·C/G·kh·kw·outH·outW` per product (three products forward + backward),
///   `fractionOfLimit` against raw OpenBLAS SGEMM at n = 1024 on the same threads, measured in the
///   run (`blas.sgemm` record; no fraction when OpenBLAS is unavailable).
/// - `batchnorm2d.forwardBackward` (training mode, gradient of the output's square sum) and
///   `maxpool2d.forwardBackward`; throughput in elements per second.
public struct ConvolutionBenchmarks: Sendable {
  public var repetitions = 9

  public init() {}

  /// One convolution shape: name, input shape, weight shape, stride, padding.
  public struct Case: Sendable {
    public var name: String
    public var input: [Int]
    public var weight: [Int]
    public var stride: Int
    public var padding: Int

    /// The configuration string, the same in the PyTorch script.
    public var config: String {
      "\(name) x\(input) w\(weight) s\(stride) p\(padding) float32"
    }

    /// Multiply-adds × 2 of the forward product.
    public var flops: Double {
      let outH = (input[2] + 2 * padding - weight[2]) / stride + 1
      let outW = (input[3] + 2 * padding - weight[3]) / stride + 1
      return 2 * Double(input[0] * weight[0] * weight[1] * weight[2] * weight[3] * outH * outW)
    }
  }

  /// The convolutions of LeNet-5 (batch 64) and ResNet-20 (batch 128); the same list as the
  /// PyTorch script's `CONV_CASES`.
  public static let cases: [Case] = [
    Case(name: "lenet.conv1", input: [64, 1, 28, 28], weight: [6, 1, 5, 5], stride: 1, padding: 2),
    Case(name: "lenet.conv2", input: [64, 6, 14, 14], weight: [16, 6, 5, 5], stride: 1, padding: 0),
    Case(
      name: "resnet.stage1", input: [128, 16, 32, 32], weight: [16, 16, 3, 3], stride: 1,
      padding: 1),
    Case(
      name: "resnet.stage2.down", input: [128, 16, 32, 32], weight: [32, 16, 3, 3], stride: 2,
      padding: 1),
    Case(
      name: "resnet.stage2", input: [128, 32, 16, 16], weight: [32, 32, 3, 3], stride: 1,
      padding: 1),
    Case(
      name: "resnet.stage3", input: [128, 64, 8, 8], weight: [64, 64, 3, 3], stride: 1, padding: 1),
  ]

  public func run(threads t: Int, report: (BenchmarkRecord) -> Void) throws {
    try withThreads(t) {
      try training(threads: t, report: report)
      kernels(threads: t, gemmGFLOPS: sgemmLimit(threads: t, report: report), report: report)
    }
  }

  /// A model, its training data and an SGD-momentum optimizer, stepping as the trainer does.
  struct TrainingWorkload {
    let model: any Layer
    var parameters: ParameterTree
    let optimizer: Optimizer
    let input: Tensor
    let labels: Tensor

    init(model: any Layer, input: [Int], key: RandomKey) throws {
      self.model = model
      parameters = model.parameters
      optimizer = Optimizer(
        erasing: try OptimizerCatalogue.make(
          "sgd", learningRate: 0.01, settings: ["momentum": "0.9"]),
        for: parameters)
      let (inputKey, labelKey) = key.split()
      self.input = Tensor.uniform(input, key: inputKey)
      labels = Tensor.randint([input[0]], low: 0, high: 10, key: labelKey)
    }

    mutating func step(_ index: Int) throws {
      let (model, input, labels) = (self.model, self.input, self.labels)
      let context = ForwardContext.training(key: RandomKey(seed: 1).folded(in: UInt64(index)))
      let (value, gradients) = valueAndGrad(
        of: { p in crossEntropy(logits: model.with(parameters: p)(input, context: context), labels: labels) },
        at: parameters)
      blackHole(value)
      try optimizer.step(&parameters, gradients: gradients)
    }
  }

  func training(threads t: Int, report: (BenchmarkRecord) -> Void) throws {
    let keys = RandomKey(seed: 18).split(into: 4)
    let workloads: [(String, String, any Layer, [Int])] = [
      (
        "train.lenet", "LeNet-5 28x28 batch 64 SGD-momentum float32", LeNet(key: keys[0]),
        [64, 1, 28, 28]
      ),
      (
        "train.resnet20", "ResNet-20 32x32 batch 128 SGD-momentum float32",
        ResNet.resnet20(key: keys[1]), [128, 3, 32, 32]
      ),
    ]
    for (index, (name, config, model, shape)) in workloads.enumerated() {
      var workload = try TrainingWorkload(model: model, input: shape, key: keys[2 + index])
      var step = 0
      var failure: (any Error)?
      let seconds = Timing.median(warmup: 3, repetitions: repetitions) {
        do { try workload.step(step) } catch { failure = error }
        step += 1
      }
      if let failure { throw failure }
      report(
        BenchmarkRecord(
          benchmark: name, config: config, threads: t, medianSeconds: seconds,
          throughput: Double(shape[0]) / seconds, unit: "examples/s", fractionOfLimit: nil))
    }
  }

  /// Raw OpenBLAS SGEMM, n = 1024, on `t` of its own threads, in GFLOP/s (`nil` without OpenBLAS).
  func sgemmLimit(threads t: Int, report: (BenchmarkRecord) -> Void) -> Double? {
    let size = 1024
    let a = Tensor.full([size, size], value: 0.5)
    let b = Tensor.full([size, size], value: 0.25)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: size * size)
    defer { c.deallocate() }
    func call() -> Bool {
      a.withUnsafeBufferPointer(as: Float.self) { pa in
        b.withUnsafeBufferPointer(as: Float.self) { pb in
          BLASLibrary.shared.rawSGEMM(
            pa.baseAddress!, pb.baseAddress!, c, m: size, n: size, k: size, threads: t)
        }
      }
    }
    guard call() else { return nil }
    let seconds = Timing.median(warmup: 1, repetitions: repetitions) { _ = call() }
    let gflops = 2 * Double(size * size * size) / seconds / 1e9
    report(
      BenchmarkRecord(
        benchmark: "blas.sgemm", config: "n=\(size) float32 (limit)", threads: t,
        medianSeconds: seconds, throughput: gflops, unit: "GFLOP/s", fractionOfLimit: nil))
    return gflops
  }

  func kernels(threads t: Int, gemmGFLOPS: Double?, report: (BenchmarkRecord) -> Void) {
    let keys = RandomKey(seed: 19).split(into: 2 * Self.cases.count + 2)
    for (i, c) in Self.cases.enumerated() {
      let x = Tensor.uniform(c.input, key: keys[2 * i])
      let w = Tensor.normal(c.weight, key: keys[2 * i + 1]) * 0.1
      let forward = Timing.median(repetitions: repetitions) {
        blackHole(conv2d(x, w, stride: Size2D(c.stride), padding: Size2D(c.padding)))
      }
      let gflops = c.flops / forward / 1e9
      report(
        BenchmarkRecord(
          benchmark: "conv2d.forward", config: c.config, threads: t, medianSeconds: forward,
          throughput: gflops, unit: "GFLOP/s", fractionOfLimit: gemmGFLOPS.map { gflops / $0 }))
      let both = Timing.median(repetitions: repetitions) {
        blackHole(
          grad(
            of: { p in conv2d(p[0], p[1], stride: Size2D(c.stride), padding: Size2D(c.padding)).sum() },
            at: [x, w]))
      }
      let gflopsBoth = 3 * c.flops / both / 1e9
      report(
        BenchmarkRecord(
          benchmark: "conv2d.forwardBackward", config: c.config, threads: t, medianSeconds: both,
          throughput: gflopsBoth, unit: "GFLOP/s", fractionOfLimit: gemmGFLOPS.map { gflopsBoth / $0 }))
    }
    let bnShape = [128, 16, 32, 32]
    let x = Tensor.uniform(bnShape, key: keys[2 * Self.cases.count])
    let gamma = Tensor.ones([16])
    let beta = Tensor.zeros([16])
    let normalization = Timing.median(repetitions: repetitions) {
      blackHole(
        grad(
          of: { p in
            let y = p[0].batchNormalized(weight: p[1], bias: p[2], epsilon: 1e-5).output
            return (y * y).sum()
          }, at: [x, gamma, beta]))
    }
    report(
      BenchmarkRecord(
        benchmark: "batchnorm2d.forwardBackward", config: "x\(bnShape) training float32",
        threads: t, medianSeconds: normalization,
        throughput: Double(x.count) / normalization / 1e9, unit: "Gelem/s", fractionOfLimit: nil))
    let poolShape = [64, 6, 28, 28]
    let p = Tensor.uniform(poolShape, key: keys[2 * Self.cases.count + 1])
    let pooling = Timing.median(repetitions: repetitions) {
      blackHole(
        grad(
          of: { q in
            let y = q[0].maxPool2d(kernelSize: 2)
            return (y * y).sum()
          }, at: [p]))
    }
    report(
      BenchmarkRecord(
        benchmark: "maxpool2d.forwardBackward", config: "x\(poolShape) kernel 2 float32",
        threads: t, medianSeconds: pooling, throughput: Double(p.count) / pooling / 1e9,
        unit: "Gelem/s", fractionOfLimit: nil))
  }
}
