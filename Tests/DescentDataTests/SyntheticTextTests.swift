import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct SyntheticTextTests {
  @Test func sameSeedSameTextAndOnlyTheAlphabet() {
    let a = SyntheticData.markovText(length: 5_000, seed: 7)
    let b = SyntheticData.markovText(length: 5_000, seed: 7)
    let c = SyntheticData.markovText(length: 5_000, seed: 8)
    #expect(a == b)
    #expect(a != c)
    #expect(a.count == 5_000)
    #expect(Set(a).isSubset(of: Set(SyntheticData.markovAlphabet)))
    #expect(Set(a).count == SyntheticData.markovAlphabet.count)
  }

  @Test func rowsAreDistributionsAndTheSourceIsFixedBySourceSeed() {
    let table = SyntheticData.markovTable(alphabetSize: 16, temperature: 2, sourceSeed: 1)
    #expect(table.count == 256)
    for row in table {
      #expect(abs(row.reduce(0, +) - 1) < 1e-12)
      #expect(row.allSatisfy { $0 > 0 })
    }
    #expect(table == SyntheticData.markovTable(alphabetSize: 16, temperature: 2, sourceSeed: 1))
    #expect(table != SyntheticData.markovTable(alphabetSize: 16, temperature: 2, sourceSeed: 2))
  }

  /// The plug-in conditional entropy of a long sample matches the stationary entropy rate (the
  /// plug-in estimate is biased low by about (cells − contexts) / 2N ≈ 0.02 nats here).
  @Test func empiricalConditionalEntropyMatchesTheEntropyRate() {
    let alphabet = SyntheticData.markovAlphabet
    let index = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })
    let ids = SyntheticData.markovText(length: 200_000, seed: 3).map { index[$0]! }
    let v = alphabet.count
    var counts = [Double](repeating: 0, count: v * v * v)
    for i in 2..<ids.count { counts[(ids[i - 2] * v + ids[i - 1]) * v + ids[i]] += 1 }
    var entropy = 0.0
    let n = Double(ids.count - 2)
    for ab in 0..<(v * v) {
      let row = counts[(ab * v)..<((ab + 1) * v)]
      let total = row.reduce(0, +)
      for count in row where count > 0 { entropy -= count / n * log(count / total) }
    }
    let rate = SyntheticData.markovEntropyRate()
    #expect(rate > 1 && rate < log(Double(v)))
    #expect(abs(entropy - rate) < 0.05)
    // Zipfian weights: the first character is more frequent than the last.
    #expect(ids.filter { $0 == 0 }.count > ids.filter { $0 == v - 1 }.count)
  }
}
