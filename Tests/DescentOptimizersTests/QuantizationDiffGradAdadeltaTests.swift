import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// 8-bit block-wise state of diffGrad (m, v, g_prev) and AdaDelta (v, u).
@Suite("Quantized diffGrad and AdaDelta state")
struct QuantizationDiffGradAdadeltaTests {
  static func tensor(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
    QuantizedOptimizerTests.tensor(shape, seed: seed, scale: scale)
  }

  static func floats(_ x: Tensor) -> [Float] { x.scalars(as: Float.self) }
  static func tensor(_ values: [Float], _ shape: [Int]) -> Tensor {
    Tensor(scalars: values, shape: shape)
  }

  /// One step of the reference: dequantize every buffer, apply `update` (the 32-bit formula, in
  /// the 32-bit kernel's operation order) to each element, requantize with the same map and block
  /// size. `update(p, g, state) -> (p, state)`.
  static func referenceStep(
    _ parameter: inout [Float], _ gradient: [Float], _ buffers: inout [QuantizedTensor],
    _ update: (Float, Float, [Float]) -> (Float, [Float])
  ) {
    let shape = buffers[0].shape
    let old = buffers.map { floats($0.dequantized()) }
    var new = old
    for i in parameter.indices {
      let (p, s) = update(parameter[i], gradient[i], old.map { $0[i] })
      parameter[i] = p
      for k in s.indices { new[k][i] = s[k] }
    }
    buffers = zip(buffers, new).map { b, values in
      QuantizedTensor(tensor(values, shape), map: b.mapKind, blockSize: b.blockSize)
    }
  }

  /// Runs `optimizer` for `steps` on one 1000-element parameter (blocks of 256: the last one
  /// partial) and the reference beside it; both must agree bit for bit in parameter and state.
  static func expectMatchesReference<O: FusedOptimizer>(
    _ optimizer: O, steps: Int, quantized: (O.State) -> QuantizedStateTree?,
    update: (_ step: Int, Float, Float, [Float]) -> (Float, [Float])
  ) throws {
    let shape = [1000]
    var p = ParameterTree([("w", tensor(shape, seed: 1))])
    var state = optimizer.initialState(for: p)
    var referenceParameter = floats(p["w"]!)
    var referenceBuffers = try #require(quantized(state)?.entries.first?.buffers)
    for step in 1...steps {
      let g = tensor(shape, seed: 50 + UInt64(step), scale: 0.1)
      try optimizer.apply(
        to: &p, gradients: ParameterTree([("w", g)]), state: &state,
        context: UpdateContext(step: step, parameters: ParameterTree()))
      referenceStep(&referenceParameter, floats(g), &referenceBuffers) { update(step, $0, $1, $2) }
      let differing = zip(floats(p["w"]!), referenceParameter).filter {
        $0.bitPattern != $1.bitPattern
      }.count
      #expect(differing == 0, "\(O.self) step \(step): \(differing) parameters differ")
      let buffers = try #require(quantized(state)?.entries.first?.buffers)
      for (k, (mine, reference)) in zip(buffers, referenceBuffers).enumerated() {
        let codes = zip(mine.codes.bytes, reference.codes.bytes).filter { $0 != $1 }.count
        #expect(
          codes == 0 && mine.absmax.bytes == reference.absmax.bytes,
          "\(O.self) step \(step), buffer \(k): \(codes) codes differ, absmax \(mine.absmax.bytes == reference.absmax.bytes ? "equal" : "differs")"
        )
      }
      #expect(buffers == referenceBuffers)
    }
  }

  static let eightBit = try! StateStorage.eightBit(minQuantizedSize: 0)

  @Test(
    "8-bit diffGrad = dequantize → 32-bit diffGrad → requantize, bit for bit",
    arguments: [(0.0, false), (0.01, true)])
  func diffGradMatchesReference(_ weightDecay: Double, _ maximize: Bool) throws {
    let (lr, beta1, beta2, epsilon) = (1e-2, 0.9, 0.999, 1e-8)
    let optimizer = try DiffGrad(
      learningRate: Hyperparameter(lr), weightDecay: weightDecay, maximize: maximize,
      stateStorage: Self.eightBit)
    try Self.expectMatchesReference(optimizer, steps: 4, quantized: \.quantized) {
      step, p, g, s in
      let t = Double(step)
      let negStep = Float(-(lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))))
      var g = maximize ? -g : g
      if weightDecay != 0 { g = g + Float(weightDecay) * p }
      let m = s[0] * Float(beta1) + Float(1 - beta1) * g
      let v = s[1] * Float(beta2) + Float(1 - beta2) * g * g
      let friction = 1 / (1 + Float.vectorizableExp(-abs(s[2] - g)))
      let newP = p + negStep * (m * friction) / (v.squareRoot() + Float(epsilon))
      return (newP, [m, v, g])
    }
  }

  @Test(
    "8-bit AdaDelta = dequantize → 32-bit AdaDelta → requantize, bit for bit",
    arguments: [(0.0, false), (0.01, true)])
  func adadeltaMatchesReference(_ weightDecay: Double, _ maximize: Bool) throws {
    let (lr, rho, epsilon) = (0.5, 0.9, 1e-6)
    let optimizer = try Adadelta(
      learningRate: Hyperparameter(lr), rho: rho, epsilon: epsilon, weightDecay: weightDecay,
      maximize: maximize, stateStorage: Self.eightBit)
    try Self.expectMatchesReference(optimizer, steps: 4, quantized: \.quantized) { _, p, g, s in
      var g = maximize ? -g : g
      if weightDecay != 0 { g = g + Float(weightDecay) * p }
      let (r, w, eps) = (Float(rho), Float(1 - rho), Float(epsilon))
      let v = s[0] * r + w * g * g
      let delta = (s[1] + eps).squareRoot() / (v + eps).squareRoot() * g
      let u = s[1] * r + w * delta * delta
      return (p + Float(-lr) * delta, [v, u])
    }
  }

  @Test("which buffers are 8-bit, with which maps; the first step equals 32-bit's bit for bit")
  func layoutAndFirstStep() throws {
    let p = QuantizedOptimizerTests.parameters()
    let storage = try StateStorage.eightBit()
    let diffGrad = try DiffGrad(stateStorage: storage).initialState(for: p)
    #expect(diffGrad.quantized?.paths == ["big"] && diffGrad.expAvg.paths == ["small"])
    #expect(diffGrad.previousGradient.paths == ["small"])
    #expect(
      diffGrad.quantized?.entries[0].buffers.map(\.mapKind)
        == [.dynamicSigned, .dynamicUnsigned, .dynamicSigned])
    let adadelta = try Adadelta(stateStorage: storage).initialState(for: p)
    #expect(adadelta.quantized?.paths == ["big"] && adadelta.accumulatedDelta.paths == ["small"])
    #expect(
      adadelta.quantized?.entries[0].buffers.map(\.mapKind) == [.dynamicUnsigned, .dynamicUnsigned]
    )
    func run(_ t: some GradientTransformation) throws -> ParameterTree {
      try QuantizedOptimizerTests.run(t, steps: 1)
    }
    #expect(try run(DiffGrad()) == run(DiffGrad(stateStorage: storage)))
    #expect(
      try run(DiffGrad(weightDecay: 0.1, maximize: true))
        == run(DiffGrad(weightDecay: 0.1, maximize: true, stateStorage: storage)))
    #expect(try run(Adadelta()) == run(Adadelta(stateStorage: storage)))
  }

  @Test(
    "over 50 steps 8-bit diffGrad and AdaDelta track 32-bit",
    arguments: [
      ("diffgrad", ["learningRate": "0.01"]),
      ("diffgrad", ["learningRate": "0.01", "weightDecay": "0.01"]),
      ("adadelta", ["learningRate": "1"]),
      ("adadelta", ["learningRate": "1", "maximize": "true"]),
    ])
  func tracksFullPrecision(_ name: String, _ settings: [String: String]) throws {
    let full = try OptimizerCatalogue.make(name, settings: settings)
    let eight = try OptimizerCatalogue.make(
      name, settings: settings.merging(["stateBits": "8"]) { a, _ in a })
    var p = QuantizedOptimizerTests.parameters()
    let fullOptimizer = Optimizer(erasing: full, for: p)
    var q = p
    let eightOptimizer = Optimizer(erasing: eight, for: q)
    for s in 0..<50 {
      try fullOptimizer.step(&p, gradients: QuantizedOptimizerTests.gradients(s))
      try eightOptimizer.step(&q, gradients: QuantizedOptimizerTests.gradients(s))
    }
    let a = Self.floats(p["big"]!)
    let b = Self.floats(q["big"]!)
    let start = Self.floats(QuantizedOptimizerTests.parameters()["big"]!)
    let (gap, moved) = gapAndDistanceMoved(a, b, start: start)
    #expect(gap / moved < 0.05, "\(name) \(settings): gap \(gap / moved) of the distance moved")
    #expect(gap > 0)
    #expect(p["small"]!.bytes == q["small"]!.bytes)
  }

  @Test("update() gives apply()'s step; results do not depend on the thread count")
  func updateModeAndThreads() throws {
    try checkUpdateModeAndThreads(DiffGrad(learningRate: 1e-2, stateStorage: Self.eightBit))
    try checkUpdateModeAndThreads(Adadelta(stateStorage: Self.eightBit))
  }

  @Test("8-bit diffGrad and AdaDelta state checkpoints: save, restore, continue identically")
  func checkpointRoundTrip() throws {
    func check<O: GradientTransformation>(_ optimizer: O) throws where O.State: Equatable {
      var p = QuantizedOptimizerTests.parameters()
      let driver = Optimizer(optimizer, for: p)
      for s in 0..<3 { try driver.step(&p, gradients: QuantizedOptimizerTests.gradients(s)) }
      let archive = TensorArchive()
      let structure = try driver.stateDictionary(archive: archive)
      #expect(archive.tensors.contains { $0.tensor.dtype == .uint8 })
      var resumedParameters = p
      let resumed = Optimizer(optimizer, for: p)
      try resumed.loadStateDictionary(structure, archive: TensorArchive(archive.tensors))
      #expect(resumed.state(as: O.State.self) == driver.state(as: O.State.self), "\(O.self)")
      try driver.step(&p, gradients: QuantizedOptimizerTests.gradients(3))
      try resumed.step(&resumedParameters, gradients: QuantizedOptimizerTests.gradients(3))
      #expect(p == resumedParameters, "\(O.self)")
    }
    try check(DiffGrad(stateStorage: .eightBit()))
    try check(Adadelta(stateStorage: .eightBit()))
  }

  @Test("state bytes: 8-bit diffGrad and AdaDelta hold ≤ 27% of 32-bit's")
  func stateBytes() throws {
    let p = ParameterTree([("w", Tensor.zeros([500, 10])), ("b", Tensor.zeros([10]))])
    // w: one code per value per buffer + 4 bytes per block of 256 (20 blocks); b: 32-bit.
    for (buffers, full, eight) in [
      (
        3, try DiffGrad() as any GradientTransformation,
        try DiffGrad(stateStorage: .eightBit()) as any GradientTransformation
      ),
      (2, try Adadelta(), try Adadelta(stateStorage: .eightBit())),
    ] {
      let fullBytes = Optimizer(erasing: full, for: p).stateBytes
      let eightBytes = Optimizer(erasing: eight, for: p).stateBytes
      #expect(fullBytes == buffers * 4 * 5010)
      #expect(eightBytes == buffers * (5000 + 4 * 20) + buffers * 4 * 10)
      #expect(Double(eightBytes) <= 0.27 * Double(fullBytes))
    }
  }

  @Test("catalogue: --set stateBits=8, blockSize, minQuantizedSize on diffgrad and adadelta")
  func catalogue() throws {
    let d = try #require(
      try OptimizerCatalogue.make(
        "diffgrad", settings: ["stateBits": "8", "blockSize": "2048", "minQuantizedSize": "10"])
        as? DiffGrad)
    #expect(d.stateStorage.bits == 8 && d.stateStorage.blockSize == 2048)
    #expect(d.stateStorage.minQuantizedSize == 10)
    let a = try #require(
      try OptimizerCatalogue.make("adadelta", settings: ["stateBits": "8"]) as? Adadelta)
    #expect(a.stateStorage.bits == 8 && a.stateStorage.blockSize == 256)
    #expect(try (OptimizerCatalogue.make("diffgrad") as? DiffGrad)?.stateStorage.bits == 32)
    for name in ["diffgrad", "adadelta"] {
      do {
        _ = try OptimizerCatalogue.make(name, settings: ["stateBits": "4"])
        Issue.record("\(name): expected an error for stateBits=4")
      } catch let error as OptimizerError {
        #expect("\(error)" == "\(name): stateBits = 4 is invalid: must be 8 or 32", "\(error)")
      }
    }
  }

  @Test("full-precision paths from the catalogue keep 32-bit state (StableEmbedding's hook)")
  func fullPrecisionPaths() throws {
    let p = ParameterTree([
      ("embedding.weight", Self.tensor([5000], seed: 3)),
      ("head.weight", Self.tensor([5000], seed: 4)),
    ])
    for name in ["adam8bit", "adamw8bit"] {
      let optimizer = try OptimizerCatalogue.make(
        name, fullPrecisionStatePaths: ["embedding.weight"])
      let state = Optimizer(erasing: optimizer, for: p).state(as: Adam.State.self)
      #expect(state?.quantized?.paths == ["head.weight"], "\(name)")
      #expect(state?.expAvg.paths == ["embedding.weight"], "\(name)")
    }
    let diffGrad = try #require(
      try OptimizerCatalogue.make(
        "diffgrad", settings: ["stateBits": "8"], fullPrecisionStatePaths: ["head.weight"])
        as? DiffGrad)
    #expect(diffGrad.initialState(for: p).quantized?.paths == ["embedding.weight"])
    let storage = try StateStorage.eightBit(keepsFullPrecision: { $0 == "head.weight" })
      .keepingFullPrecision(["embedding.weight"])
    #expect(try Adam(stateStorage: storage).initialState(for: p).quantized == nil)
  }

  /// QuantizationTrainingTests' MLP (64-128-64-10 tanh, 2000 samples, 600 steps of 64, every
  /// weight matrix quantized: minQuantizedSize 512).
  @Test(
    "MLP 64-128-64-10 (tanh): 8-bit diffGrad and AdaDelta reach 32-bit's loss within 2%, state ≤ 27%",
    arguments: [("diffgrad", 1e-3), ("adadelta", 1.0)])
  func mlp(_ name: String, _ learningRate: Double) throws {
    let (x, oneHot) = QuantizationTrainingTests.classification(
      samples: 2000, features: 64, classes: 10, seed: 7)
    var rng = SeededSamples(seed: 8)
    func initial(_ shape: [Int], fanIn: Int) -> Tensor {
      let n = shape.reduce(1, *)
      return Tensor((0..<n).map { _ in rng.normal() / Double(fanIn).squareRoot() }, shape: shape)
    }
    let parameters = ParameterTree([
      ("0.weight", initial([64, 128], fanIn: 64)), ("0.bias", Tensor.zeros([128])),
      ("1.weight", initial([128, 64], fanIn: 128)), ("1.bias", Tensor.zeros([64])),
      ("2.weight", initial([64, 10], fanIn: 64)), ("2.bias", Tensor.zeros([10])),
    ])
    func model(_ p: ParameterTree, _ x: Tensor) -> Tensor {
      let h1 = (x.matmul(p["0.weight"]!) + p["0.bias"]!).tanh()
      let h2 = (h1.matmul(p["1.weight"]!) + p["1.bias"]!).tanh()
      return h2.matmul(p["2.weight"]!) + p["2.bias"]!
    }
    let lr = Validate.format(learningRate)
    let full = try OptimizerCatalogue.make(name, settings: ["learningRate": lr])
    let eight = try OptimizerCatalogue.make(
      name, settings: ["learningRate": lr, "stateBits": "8", "minQuantizedSize": "512"])
    func train(_ t: any GradientTransformation) throws -> (loss: Double, stateBytes: Int) {
      func open<T: GradientTransformation>(_ t: T) throws -> (loss: Double, stateBytes: Int) {
        try QuantizationTrainingTests.train(
          t, parameters: parameters, x: x, oneHot: oneHot, batch: 64, steps: 600, model: model)
      }
      return try open(t)
    }
    let (l32, b32) = try train(full)
    let (l8, b8) = try train(eight)
    print("MLP \(name): loss 32-bit \(l32), 8-bit \(l8); state \(b32) B vs \(b8) B")
    #expect(l32 < 0.6 * log(10.0), "32-bit \(name) should learn: \(l32)")
    #expect(abs(l8 - l32) / l32 < 0.02, "\(name): 8-bit \(l8), 32-bit \(l32)")
    #expect(Double(b8) <= 0.27 * Double(b32))
  }

  @Test("AdaGrad-Norm reports its scalar accumulator: 8 bytes")
  func adaGradNormStateBytes() throws {
    let p = ParameterTree([("w", Tensor.zeros([500, 10]))])
    var q = p
    let optimizer = Optimizer(try AdaGradNorm(), for: q)
    #expect(optimizer.stateBytes == 8)
    try optimizer.step(&q, gradients: ParameterTree([("w", Self.tensor([500, 10], seed: 5))]))
    #expect(optimizer.stateBytes == 8)
  }
}
