import Descent
import DescentTestSupport
import Foundation
import Testing

@testable import DescentOptimizers

/// The float32 C kernels (CDescentKernels' OptimizerKernels.c) behind the optimizers' in-place fast
/// paths give the same bits as the Swift general loops, and as each other on 1 and 2 threads.
@Suite struct FusedKernelTests {
  /// One optimizer kernel configuration that takes a C fast path when run in place on float32.
  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    /// Per state buffer: whether it holds non-negative values (second moments, sums of squares).
    let nonNegativeState: [Bool]
    /// The kernel of step t (1-based), built as the optimizer builds it.
    let kernel: @Sendable (Int) -> any FusedKernel
    var testDescription: String { name }
  }

  static func adam(_ t: Int, decoupled: Bool, weightDecay: Double) -> Adam.Kernel {
    let (lr, b1, b2) = (1e-2, 0.9, 0.999)
    return Adam.Kernel(
      learningRate: lr, beta1: b1, beta2: b2, epsilon: 1e-8, weightDecay: weightDecay,
      decoupled: decoupled, maximize: false, stepSize: lr / (1 - pow(b1, Double(t))),
      biasCorrection2Sqrt: (1 - pow(b2, Double(t))).squareRoot())
  }

  static func sgd(_ t: Int, momentum: Double, nesterov: Bool, weightDecay: Double) -> SGD.Kernel {
    SGD.Kernel(
      learningRate: 0.05, momentum: momentum, dampening: nesterov ? 0 : 0.1,
      weightDecay: weightDecay, nesterov: nesterov, maximize: false, firstStep: t == 1)
  }

  static let cases: [Case] = [
    Case(name: "sgd", nonNegativeState: []) { t in
      sgd(t, momentum: 0, nesterov: false, weightDecay: 0)
    },
    Case(name: "sgd weightDecay", nonNegativeState: []) { t in
      sgd(t, momentum: 0, nesterov: false, weightDecay: 0.1)
    },
    Case(name: "sgd momentum", nonNegativeState: [false]) { t in
      sgd(t, momentum: 0.9, nesterov: false, weightDecay: 0)
    },
    Case(name: "sgd momentum weightDecay", nonNegativeState: [false]) { t in
      sgd(t, momentum: 0.9, nesterov: false, weightDecay: 0.01)
    },
    Case(name: "sgd nesterov weightDecay", nonNegativeState: [false]) { t in
      sgd(t, momentum: 0.9, nesterov: true, weightDecay: 0.01)
    },
    Case(name: "adagrad", nonNegativeState: [true]) { t in
      Adagrad.Kernel(
        stepSize: 0.01 / (1 + Double(t - 1) * 0.1), weightDecay: 0, epsilon: 1e-10, maximize: false)
    },
    Case(name: "adadelta", nonNegativeState: [true, true]) { _ in
      Adadelta.Kernel(learningRate: 1, rho: 0.9, epsilon: 1e-6, weightDecay: 0, maximize: false)
    },
    Case(name: "rmsprop", nonNegativeState: [true]) { _ in
      RMSprop.Kernel(
        learningRate: 0.01, alpha: 0.99, epsilon: 1e-8, weightDecay: 0, momentum: 0,
        centered: false, maximize: false)
    },
    Case(name: "rmsprop centered momentum", nonNegativeState: [true, false, false]) { _ in
      RMSprop.Kernel(
        learningRate: 0.01, alpha: 0.99, epsilon: 1e-8, weightDecay: 0, momentum: 0.9,
        centered: true, maximize: false)
    },
    Case(name: "rmsprop centered alpha 0.3", nonNegativeState: [true, false]) { _ in
      RMSprop.Kernel(
        learningRate: 0.01, alpha: 0.3, epsilon: 1e-8, weightDecay: 0, momentum: 0,
        centered: true, maximize: false)
    },
    Case(name: "rmsprop momentum", nonNegativeState: [true, false]) { _ in
      RMSprop.Kernel(
        learningRate: 0.01, alpha: 0.99, epsilon: 1e-8, weightDecay: 0, momentum: 0.9,
        centered: false, maximize: false)
    },
    Case(name: "adam", nonNegativeState: [false, true]) { t in
      adam(t, decoupled: false, weightDecay: 0)
    },
    Case(name: "adam amsgrad", nonNegativeState: [false, true, true]) { t in
      adam(t, decoupled: false, weightDecay: 0)
    },
    Case(name: "adamw", nonNegativeState: [false, true]) { t in
      adam(t, decoupled: true, weightDecay: 0.01)
    },
    Case(name: "adamw amsgrad", nonNegativeState: [false, true, true]) { t in
      adam(t, decoupled: true, weightDecay: 0.01)
    },
    Case(name: "diffgrad", nonNegativeState: [false, true, false]) { t in
      let (lr, b1, b2) = (1e-2, 0.9, 0.999)
      return DiffGrad.Kernel(
        beta1: b1, beta2: b2, epsilon: 1e-8, weightDecay: 0, maximize: false,
        stepSize: lr * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t))))
    },
    Case(name: "adagradnorm", nonNegativeState: []) { t in
      AdaGradNorm.Kernel(
        stepSize: 0.01, denominator: 3.7 * Double(t), weightDecay: 0, maximize: false)
    },
    Case(name: "adagradnorm weightDecay", nonNegativeState: []) { t in
      AdaGradNorm.Kernel(
        stepSize: 0.01, denominator: 3.7 * Double(t), weightDecay: 0.01, maximize: false)
    },
  ]

  /// Float buffers that live for the whole test.
  final class Buffers {
    let count: Int
    let pointers: [UnsafeMutablePointer<Float>]
    init(_ arrays: [[Float]]) {
      count = arrays.first?.count ?? 0
      pointers = arrays.map { values in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        return p
      }
    }
    deinit { pointers.forEach { $0.deallocate() } }
    func bits(_ k: Int) -> [UInt32] { (0..<count).map { pointers[k][$0].bitPattern } }
  }

  /// Seven steps of `kernel` on 3,001 elements (an odd count, so every vector loop has a tail),
  /// with fresh gradients each step; the in-place run is split into two chunks like two threads.
  @Test(arguments: cases)
  func cKernelMatchesTheSwiftGeneralLoopBitForBit(_ testCase: Case) throws {
    let n = 3001
    var rng = SplitMix64(state: 11)
    // Second moments in [0.01, 0.02), signed state in [−0.01, 0.01): centered RMSprop's v − ḡ²
    // stays positive.
    func floats(nonNegative: Bool = false, scale: Double = 1) -> [Float] {
      rng.values(n).map { Float(nonNegative ? (1 + abs($0)) * scale : $0 * scale) }
    }
    let start = floats()
    let states = testCase.nonNegativeState.map { floats(nonNegative: $0, scale: 0.01) }
    // In place (the fast path): parameter, state...; general: parameter, output, state...
    let inPlace = Buffers([start] + states)
    let general = Buffers([start, start] + states)
    for t in 1...7 {
      let g = Buffers([floats()])
      defer { withExtendedLifetime(g) {} }
      let kernel = testCase.kernel(t)
      let fast = FusedBuffers(
        parameter: UnsafePointer(inPlace.pointers[0]), gradient: UnsafePointer(g.pointers[0]),
        output: inPlace.pointers[0], storesDifference: false,
        state: Array(inPlace.pointers.dropFirst()))
      #expect(fast.inPlaceFloat32(0..<n) != nil)
      kernel.run(fast, 0..<1000)
      kernel.run(fast, 1000..<n)
      let slow = FusedBuffers(
        parameter: UnsafePointer(general.pointers[0]), gradient: UnsafePointer(g.pointers[0]),
        output: general.pointers[1], storesDifference: false,
        state: Array(general.pointers.dropFirst(2)))
      #expect(slow.inPlaceFloat32(0..<n) == nil)
      kernel.run(slow, 0..<n)
      general.pointers[0].update(from: general.pointers[1], count: n)
    }
    #expect(
      firstDifference(inPlace.bits(0), general.bits(0)) == nil,
      "\(testCase.name): parameters differ")
    #expect(inPlace.bits(0) != start.map(\.bitPattern), "\(testCase.name): nothing moved")
    for s in testCase.nonNegativeState.indices {
      #expect(
        firstDifference(inPlace.bits(1 + s), general.bits(2 + s)) == nil,
        "\(testCase.name): state \(s) differs")
    }
  }

  /// The first index where two bit patterns differ (and both values there), or nil.
  func firstDifference(_ a: [UInt32], _ b: [UInt32]) -> String? {
    guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
    return "element \(i): \(Float(bitPattern: a[i])) vs \(Float(bitPattern: b[i]))"
  }

  /// Through the public driver on a tensor large enough to be split over two threads (and, for
  /// AdaGradNorm, a norm pass of several blocks): the thread count changes no bit.
  @Test(arguments: [
    ("sgd", [String: String]()), ("sgd", ["momentum": "0.9", "weightDecay": "0.01"]),
    ("sgd", ["momentum": "0.9", "nesterov": "true"]), ("adagrad", [:]), ("adadelta", [:]),
    ("rmsprop", [:]), ("rmsprop", ["centered": "true", "momentum": "0.9"]),
    ("adam", ["amsgrad": "true"]), ("adamw", [:]), ("diffgrad", [:]),
    ("adagradnorm", [:]), ("adagradnorm", ["weightDecay": "0.01"]),
  ])
  func oneAndTwoThreadsGiveTheSameBits(_ name: String, _ settings: [String: String]) throws {
    var rng = SplitMix64(state: 7)
    let start = ParameterTree([
      ("w", Tensor(rng.values(140_003), shape: [140_003], dtype: .float32)),
      ("b", Tensor(rng.values(17), shape: [17], dtype: .float32)),
    ])
    func run(threads: Int) throws -> ParameterTree {
      try withThreads(threads) {
        var p = start
        let t = try OptimizerCatalogue.make(name, learningRate: 0.01, settings: settings)
        try OptimizerStateTests.run(Optimizer(erasing: t, for: p), &p, steps: 3)
        return p
      }
    }
    let one = try run(threads: 1)
    #expect(one == (try run(threads: 2)), "\(name) \(settings)")
    #expect(one != start)
  }

  /// The blocked norm pass of AdaGradNorm (fixed blocks of 32-lane sums, combined in index order)
  /// agrees with a plain float64 sum to rounding, over several blocks and a ragged last block.
  @Test(arguments: [(DType.float32, 0.0), (.float32, 0.1), (.float64, 0.0), (.float64, 0.1)])
  func adaGradNormAccumulatorIsTheSquaredGradientNorm(_ dtype: DType, _ weightDecay: Double)
    throws
  {
    var rng = SplitMix64(state: 9)
    let n = 3 * AdaGradNorm.normBlock + 123
    let round: (Double) -> Double = dtype == .float32 ? { Double(Float($0)) } : { $0 }
    let g = rng.values(n).map(round)
    let w = rng.values(n).map(round)
    var p = ParameterTree([("w", Tensor(w, shape: [n], dtype: dtype))])
    let gradient = ParameterTree([("w", Tensor(g, shape: [n], dtype: dtype))])
    let optimizer = Optimizer(
      try AdaGradNorm(learningRate: 0.01, weightDecay: weightDecay), for: p)
    try optimizer.step(&p, gradients: gradient)
    let state = try #require(optimizer.state(as: AdaGradNorm.State.self))
    let expected = zip(g, w).reduce(0.0) { total, gw in
      let e =
        dtype == .float32
        ? Double(Float(gw.0) + Float(weightDecay) * Float(gw.1)) : gw.0 + weightDecay * gw.1
      return total + e * e
    }
    #expect(abs(state.accumulator - expected) <= 1e-12 * expected, "\(dtype) \(weightDecay)")
  }
}
