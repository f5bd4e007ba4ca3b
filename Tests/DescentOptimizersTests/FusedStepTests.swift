import Descent
import DescentOptimizers
import DescentTestSupport
import Testing

/// The fused in-place kernels: update and apply paths agree, float32 follows float64, the thread
/// count changes nothing, and diffGrad's friction really uses the previous gradient.
@Suite struct FusedStepTests {
  static let settings: [(String, [String: String])] =
    OptimizerStateTests.configurations
    + [
      ("sgd", ["weightDecay": "0.1", "dampening": "0.2", "momentum": "0.5"]),
      ("adam", ["weightDecay": "0.1", "maximize": "true"]),
    ]

  /// `Chain { optimizer; ClipByValue(∞) }` goes through `update` + add instead of the fused apply.
  @Test(arguments: 0..<settings.count)
  func updatePathAgreesWithFusedApply(_ index: Int) throws {
    let (name, extra) = Self.settings[index]
    func run(_ t: some GradientTransformation) throws -> [Double] {
      var p = OptimizerStateTests.startParameters()
      try OptimizerStateTests.run(Optimizer(t, for: p), &p, steps: 15)
      return flattened(p)
    }
    func throughUpdate<T: GradientTransformation>(_ t: T) throws -> [Double] {
      try run(Composed(t, ClipByValue(.infinity)))
    }
    let optimizer = try OptimizerCatalogue.make(name, learningRate: 0.01, settings: extra)
    let fused = try run(optimizer)
    let viaUpdate = try throughUpdate(optimizer)
    #expect(
      mismatch(viaUpdate, fused, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil,
      "\(name) \(extra)")
  }

  @Test(arguments: OptimizerCatalogue.names)
  func float32FollowsFloat64(_ name: String) throws {
    func run(_ dtype: DType) throws -> [Double] {
      var p = OptimizerStateTests.startParameters(dtype)
      let t = try OptimizerCatalogue.make(name, learningRate: 0.01)
      try OptimizerStateTests.run(Optimizer(erasing: t, for: p), &p, steps: 10)
      #expect(p.tensors.allSatisfy { $0.dtype == dtype })
      return flattened(p)
    }
    #expect(
      mismatch(
        try run(.float32), try run(.float64), relativeTolerance: 1e-4, absoluteTolerance: 1e-5)
        == nil)
  }

  @Test(arguments: ["adam", "diffgrad", "rmsprop"])
  func largeTensorsGiveTheSameResultOnAnyThreadCount(_ name: String) throws {
    var rng = SplitMix64(state: 5)
    let start = ParameterTree([
      ("big", Tensor(rng.values(300_000), shape: [300_000], dtype: .float32))
    ])
    func run(threads: Int) throws -> ParameterTree {
      try withThreads(threads) {
        var p = start
        let t = try OptimizerCatalogue.make(name, learningRate: 0.01, settings: [:])
        try OptimizerStateTests.run(Optimizer(erasing: t, for: p), &p, steps: 3)
        return p
      }
    }
    let one = try run(threads: 1)
    #expect(one == (try run(threads: 2)))
    #expect(one != start)
  }

  @Test func forEachChunkCoversEveryIndexOnce() {
    for (count, threads) in [(0, 2), (10, 2), (1 << 17, 1), ((1 << 17) + 37, 2), (1 << 20, 2)] {
      let hits = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
      hits.initialize(repeating: 0, count: max(count, 1))
      defer { hits.deallocate() }
      withThreads(threads) {
        Parallelism.forEachChunk(count: count) { range in
          for i in range { hits[i] &+= 1 }
        }
      }
      #expect((0..<count).allSatisfy { hits[$0] == 1 }, "count \(count), \(threads) threads")
    }
  }

  /// The driver's step writes into the parameter and state buffers without copying them: their
  /// storage addresses do not change.
  @Test(arguments: OptimizerStateTests.configurations.map(\.0))
  func stepWritesParametersAndStateInPlace(_ name: String) throws {
    let settings = OptimizerStateTests.configurations.first { $0.0 == name }!.1
    var p = OptimizerStateTests.startParameters(.float32)
    let optimizer = Optimizer(
      erasing: try OptimizerCatalogue.make(name, learningRate: 0.01, settings: settings), for: p)
    func addresses() -> [UnsafeRawPointer] {
      p.tensors.map { t in
        t.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress!) }
      }
    }
    let gradients = OptimizerStateTests.gradient(p)
    try optimizer.step(&p, gradients: gradients, loss: 1)
    let before = addresses()
    try optimizer.step(&p, gradients: gradients, loss: 1)
    try optimizer.step(&p, gradients: gradients, loss: 1)
    #expect(addresses() == before, "\(name) copied its parameters")
  }

  @Test func diffGradFrictionUsesACopyOfThePreviousGradient() throws {
    // One parameter, gradients 1 then 3: ξ₁ = σ(|0 − 1|), ξ₂ = σ(|1 − 3|), never 0.5.
    let lr = 0.1
    let b1 = 0.9
    let b2 = 0.999
    let eps = 1e-8
    var p = ParameterTree([("x", Tensor([0.0], dtype: .float64))])
    let optimizer = Optimizer(try DiffGrad(learningRate: Hyperparameter(lr)), for: p)
    var x = 0.0
    var m = 0.0
    var v = 0.0
    var previous = 0.0
    for (t, g) in [1.0, 3.0].enumerated() {
      try optimizer.step(&p, gradients: ParameterTree([("x", Tensor([g], dtype: .float64))]))
      m = b1 * m + (1 - b1) * g
      v = b2 * v + (1 - b2) * g * g
      let xi = 1 / (1 + Double.exp(-abs(previous - g)))
      #expect(xi > 0.7)
      previous = g
      let step = Double(t + 1)
      x -=
        lr * (1 - Double.pow(b2, step)).squareRoot() / (1 - Double.pow(b1, step)) * xi * m
        / (v.squareRoot() + eps)
      #expect(abs(p["x"]!.item - x) <= 1e-15)
    }
    let state = try #require(optimizer.state(as: DiffGrad.State.self))
    #expect(state.previousGradient["x"]!.item == 3)
  }

  /// The diffGrad paper's synthetic F1 and F2 (its analytic notebook): from x₀ = −1, 300 steps of
  /// lr 0.1, β1 0.95. diffGrad escapes the local minima that trap Adam.
  @Test func diffGradPaperSyntheticFunctions() throws {
    func f1(_ x: Double) -> Double { x <= 0 ? 2 * x + 0.6 : 2 * x - 0.4 }
    func f2(_ x: Double) -> Double {
      x <= -0.9 ? -40 : x * Double.cos(8 * x) + Double.sin(8 * x) + 3 * x * x
    }
    func final(_ t: some GradientTransformation, _ gradient: (Double) -> Double) throws -> Double {
      var p = ParameterTree([("x", Tensor([-1.0], dtype: .float64))])
      let optimizer = Optimizer(t, for: p)
      for _ in 0..<300 {
        try optimizer.step(
          &p, gradients: ParameterTree([("x", Tensor([gradient(p["x"]!.item)], dtype: .float64))]))
      }
      return p["x"]!.item
    }
    let diffGrad = try DiffGrad(learningRate: 0.1, beta1: 0.95)
    let adam = try Adam(learningRate: 0.1, beta1: 0.95)
    #expect(abs(try final(diffGrad, f1) + 0.3) < 0.01)
    #expect(abs(try final(adam, f1) - 0.2) < 0.01)
    #expect((-0.9 ... -0.75).contains(try final(diffGrad, f2)))
    #expect(abs(try final(adam, f2)) < 0.01)
  }
}
