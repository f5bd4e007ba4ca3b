import Descent
import Testing

@testable import DescentDistributed

/// The cyclic-repetition code (Tandon et al. 2017): its support, and decoding to the full sum of
/// partition gradients from every surviving set.
@Suite struct CyclicRepetitionCodeTests {
  static func partials(_ n: Int, length: Int, seed: UInt64) -> [[Double]] {
    var g = RandomGenerator(seed: seed)
    return (0..<n).map { _ in Tensor.normal([length], dtype: .float64, using: &g).doubles }
  }

  static func subsets(_ n: Int, size: Int) -> [[Int]] {
    guard size > 0 else { return [[]] }
    guard size <= n else { return [] }
    return subsets(n - 1, size: size - 1).map { $0 + [n - 1] } + subsets(n - 1, size: size)
  }

  @Test(arguments: [(7, 0), (7, 1), (7, 3), (7, 6), (6, 2)])
  func rowsHaveTheCyclicSupportAndSpanTheOnesVector(n: Int, s: Int) throws {
    let code = try CyclicRepetitionCode(workers: n, stragglers: s, seed: 4)
    for i in 0..<n {
      #expect(code.support(worker: i) == (0...s).map { (i + $0) % n })
      let nonzero = (0..<n).filter { code.encodingMatrix[i][$0] != 0 }
      #expect(Set(nonzero) == Set(code.support(worker: i)), "row \(i)")
      #expect(code.encodingMatrix[i][i] == 1)
    }
    #expect(code.normalizedLoad == Double(s + 1) / Double(n))
  }

  /// For n = 7 and every s, every surviving set of size n − s … n decodes the sum of the
  /// partition gradients to 1e-10 (relative, max norm).
  @Test(arguments: [0, 1, 2, 3, 4, 5, 6])
  func everySurvivingSetDecodesTheFullGradient(s: Int) throws {
    let n = 7
    let code = try CyclicRepetitionCode(workers: n, stragglers: s, seed: 9)
    let partials = Self.partials(n, length: 5, seed: 3)
    let full = (0..<5).map { k in partials.reduce(0) { $0 + $1[k] } }
    let scale = full.map(abs).max()!
    var checked = 0
    for size in (n - s)...n {
      for survivors in Self.subsets(n, size: size) {
        let messages = Dictionary(
          uniqueKeysWithValues: survivors.map { ($0, code.encode(partials: partials, worker: $0)) })
        let decoded = try code.decode(messages: messages)
        let error = zip(decoded, full).map { abs($0 - $1) }.max()!
        #expect(error <= 1e-10 * scale, "s = \(s), survivors \(survivors): error \(error)")
        let a = try code.decodingVector(survivors: survivors)
        for j in 0..<n {
          let combination = zip(survivors, a).reduce(0) { $0 + $1.1 * code.encodingMatrix[$1.0][j] }
          #expect(abs(combination - 1) <= 1e-10)
        }
        checked += 1
      }
    }
    #expect(checked == (0...s).reduce(0) { $0 + Self.subsets(n, size: n - $1).count })
  }

  @Test func tooFewSurvivorsAndBadParametersThrowOneLineErrors() throws {
    let code = try CyclicRepetitionCode(workers: 5, stragglers: 2, seed: 1)
    #expect(throws: GradientCodingError.tooFewSurvivors(job: nil, survivors: 2, needed: 3)) {
      try code.decodingVector(survivors: [0, 4])
    }
    #expect(throws: GradientCodingError.invalidWorker(index: 5, workers: 5)) {
      try code.decodingVector(survivors: [0, 1, 5])
    }
    #expect(throws: GradientCodingError.self) { try code.decodingVector(survivors: [0, 1, 1]) }
    #expect(throws: GradientCodingError.self) {
      try CyclicRepetitionCode(workers: 5, stragglers: 5)
    }
    #expect(throws: GradientCodingError.self) {
      try CyclicRepetitionCode(workers: 0, stragglers: 0)
    }
    let message = GradientCodingError.tooFewSurvivors(job: 3, survivors: 2, needed: 3).description
    #expect(!message.contains("\n") && message.contains("job 3") && message.contains("at least 3"))
  }

  /// n = 32 with s = 16 (the experiment's largest code): random surviving sets of 16 still decode
  /// to 1e-10.
  @Test func largeCodeDecodesRandomSurvivingSets() throws {
    let n = 32
    let s = 16
    let code = try CyclicRepetitionCode(workers: n, stragglers: s, seed: 2)
    let partials = Self.partials(n, length: 4, seed: 8)
    let full = (0..<4).map { k in partials.reduce(0) { $0 + $1[k] } }
    var g = RandomGenerator(seed: 6)
    for _ in 0..<50 {
      let survivors = Array((0..<n).shuffled(using: &g).prefix(n - s))
      let messages = Dictionary(
        uniqueKeysWithValues: survivors.map { ($0, code.encode(partials: partials, worker: $0)) })
      let decoded = try code.decode(messages: messages)
      let error = zip(decoded, full).map { abs($0 - $1) }.max()! / full.map(abs).max()!
      #expect(error <= 1e-10, "survivors \(survivors.sorted()): \(error)")
    }
  }
}
