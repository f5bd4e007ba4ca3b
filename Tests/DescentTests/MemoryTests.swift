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

  /// Resident memory after step 1,000 and after step 10,000 of a training loop must differ by
  /// less than 4 MiB (leaking just one 8×16 gradient per step adds ~12 MiB). The resident set is
  /// sampled every 50 steps and the minimum over steps 500–1,000 and 9,500–10,000 is used, which ignores
  /// transient allocations. Tests running beside this one in the same process can still raise it
  /// for good (allocator arenas keep freed memory), so on failure the loop runs up to four more
  /// rounds of 9,000 steps: a leak grows again in every round, a neighbour's allocation does not.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/statm")))
  func trainingLoopKeepsAFlatFootprint() throws {
    var (parameters, x, y) = Self.problem()
    let learningRate = 0.05
    var losses: [Double] = []
    func train(steps: Int, sampleFrom first: Int) throws -> Int {
      var resident = Int.max
      for step in 1...steps {
        let (value, gradients) = valueAndGrad(of: { Self.loss($0, x: x, y: y) }, at: parameters)
        for i in parameters.indices { parameters[i] = parameters[i] - learningRate * gradients[i] }
        if losses.isEmpty || step == steps { losses.append(value.item) }
        if step >= first && step % 50 == 0 { resident = min(resident, try residentBytes()) }
      }
      return resident
    }
    let clock = ContinuousClock()
    let start = clock.now
    var before = try train(steps: 1_000, sampleFrom: 500)
    var growths: [Int] = []
    for _ in 0..<5 {
      let after = try train(steps: 9_000, sampleFrom: 8_500)
      growths.append(after - before)
      if growths.last! < 4 << 20 { break }
      before = after
    }
    let kibibytes = growths.map { "\($0 >> 10) KiB" }
    print(
      "MemoryTests: \(1_000 + 9_000 * growths.count) steps in \(clock.now - start); resident "
        + "growth per 9,000 steps: \(kibibytes); loss \(losses.first!) → \(losses.last!)")
    #expect(growths.last! < 4 << 20, "resident memory grew in every round: \(growths) bytes")
    #expect(losses.last! < 0.5 * losses.first!, "the loop did not train: losses \(losses)")
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
