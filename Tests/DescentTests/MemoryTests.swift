import Descent
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Memory behaviour of the autodiff core: a long training loop keeps a flat footprint, and the
/// graph of a differentiation is freed as soon as `valueAndGrad` (or `hvp`) returns.
@Suite(.serialized) struct MemoryTests {
  /// A small MLP regression: softplus(x W₁ + b₁) W₂ against targets, mean squared error. Uses
  /// matmul, broadcast +, exp, log, −, *, mean: the core's main node kinds.
  static func loss(_ p: [Tensor], x: Tensor, y: Tensor) -> Tensor {
    let hidden = x.matmul(p[0]) + p[1]
    let activation = (hidden.exp() + 1).log()
    let error = activation.matmul(p[2]) - y
    return (error * error).mean()
  }

  static func problem() -> (parameters: [Tensor], x: Tensor, y: Tensor) {
    let keys = RandomKey(seed: 31).split(into: 5)
    let x = Tensor.normal([16, 8], key: keys[0])
    let y = Tensor.normal([16, 1], key: keys[1])
    let parameters = [
      Tensor.normal([8, 16], std: 0.3, key: keys[2]), Tensor.zeros([16]),
      Tensor.normal([16, 1], std: 0.3, key: keys[3]),
    ]
    return (parameters, x, y)
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/statm")))
  func trainingLoopKeepsAFlatFootprint() throws {
    var (parameters, x, y) = Self.problem()
    let learningRate = 0.05
    var firstLoss = 0.0
    var lastLoss = 0.0
    // Resident set sampled every 50 steps; the minimum over a window ignores transient
    // allocations (of this loop or of tests running beside it), which a leak never undoes.
    var earlyResident = Int.max
    var lateResident = Int.max
    let clock = ContinuousClock()
    let start = clock.now
    for step in 1...10_000 {
      let (value, gradients) = valueAndGrad(of: { Self.loss($0, x: x, y: y) }, at: parameters)
      for i in parameters.indices { parameters[i] = parameters[i] - learningRate * gradients[i] }
      if step == 1 { firstLoss = value.item }
      lastLoss = value.item
      if step % 50 == 0 {
        if (500...1_000).contains(step) { earlyResident = min(earlyResident, try residentBytes()) }
        if (9_500...10_000).contains(step) { lateResident = min(lateResident, try residentBytes()) }
      }
    }
    let elapsed = clock.now - start
    let growth = lateResident - earlyResident
    print(
      "MemoryTests: 10,000 steps in \(elapsed); resident \(earlyResident >> 10) KiB after ~1,000 steps, "
        + "\(lateResident >> 10) KiB after ~10,000 (growth \(growth >> 10) KiB); loss \(firstLoss) → \(lastLoss)")
    #expect(growth < 4 << 20, "resident memory grew by \(growth >> 10) KiB over 9,000 steps")
    #expect(lastLoss < 0.5 * firstLoss, "the loop did not train: loss \(firstLoss) → \(lastLoss)")
  }

  @Test func graphIsFreedWhenValueAndGradReturns() {
    let (parameters, x, y) = Self.problem()
    weak var hiddenNode: GradNode?
    weak var lossNode: GradNode?
    weak var variableNode: GradNode?
    let result = valueAndGrad(
      of: { p in
        let hidden = x.matmul(p[0]) + p[1]
        hiddenNode = hidden.gradNode
        variableNode = p[0].gradNode
        let value = ((hidden.exp() + 1).log().matmul(p[2]) - y).sum()
        lossNode = value.gradNode
        return value
      }, at: parameters)
    #expect(hiddenNode == nil && lossNode == nil && variableNode == nil)
    #expect(!result.value.isTracked && result.gradients.allSatisfy { !$0.isTracked })
  }

  @Test func graphIsFreedWhenHVPReturns() {
    let (parameters, x, y) = Self.problem()
    weak var hiddenNode: GradNode?
    weak var lossNode: GradNode?
    let result = valueGradAndHVP(
      of: { p in
        let hidden = x.matmul(p[0]) + p[1]
        hiddenNode = hidden.gradNode
        let value = Self.loss(p, x: x, y: y) + hidden.exp().sum()
        lossNode = value.gradNode
        return value
      }, at: parameters, v: parameters.map { Tensor.ones(like: $0) })
    #expect(hiddenNode == nil && lossNode == nil)
    #expect(result.hvp.allSatisfy { !$0.isTracked })
  }
}

/// This process's resident set in bytes, from `/proc/self/statm` (second field, in pages).
private func residentBytes() throws -> Int {
  let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
  guard fields.count > 1, let pages = Int(fields[1]) else {
    throw CocoaError(.fileReadCorruptFile)
  }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
