import Descent
import Foundation

extension SyntheticData {
  /// The 16 characters of ``markovText(length:alphabet:temperature:sourceSeed:seed:)``'s default
  /// alphabet: the letters a to o and space.
  public static let markovAlphabet = Array("abcdefghijklmno ")

  /// Text from a fixed random second-order Markov source with Zipfian character frequencies: a
  /// corpus for character-level language models when no real text is prepared (a declared
  /// stand-in, not a substitute for natural language).
  ///
  /// The source (a pure function of `sourceSeed`): the alphabet's `V` characters get Zipfian
  /// weights `w_c = 1 / (c + 1)` in alphabet order, and every context `(a, b)` of the two previous
  /// characters has the next-character distribution
  ///
  /// ```
  /// p(c | a, b) ∝ w_c · exp(temperature · z_abc),     z_abc ~ N(0, 1), drawn once per source
  /// ```
  ///
  /// so frequent characters stay frequent overall while each context prefers its own. The text
  /// starts at the context `(alphabet[0], alphabet[0])` and draws `length` characters from the
  /// source with a stream seeded by `seed`. The best achievable next-character loss is the
  /// source's conditional entropy, ``markovEntropyRate(alphabet:temperature:sourceSeed:)``
  /// estimates it on the stationary chain. The same arguments give the same text on every
  /// machine.
  public static func markovText(
    length: Int, alphabet: [Character] = markovAlphabet, temperature: Double = 2,
    sourceSeed: UInt64 = 0x5EC0_0D0E, seed: UInt64
  ) -> String {
    precondition(length >= 0, "markovText: length must be non-negative")
    let table = markovTable(
      alphabetSize: alphabet.count, temperature: temperature, sourceSeed: sourceSeed)
    var rng = RandomGenerator(seed: seed)
    var (a, b) = (0, 0)
    var text = ""
    text.reserveCapacity(length)
    for _ in 0..<length {
      let c = sample(table[a * alphabet.count + b], unit: rng.nextUnit())
      text.append(alphabet[c])
      (a, b) = (b, c)
    }
    return text
  }

  /// The conditional entropy (nats per character) of
  /// ``markovText(length:alphabet:temperature:sourceSeed:seed:)``'s source under its stationary
  /// distribution of contexts (found by 500 power iterations from the uniform one): the
  /// validation loss a perfect model would reach on a long text.
  public static func markovEntropyRate(
    alphabet: [Character] = markovAlphabet, temperature: Double = 2,
    sourceSeed: UInt64 = 0x5EC0_0D0E
  ) -> Double {
    let v = alphabet.count
    let table = markovTable(alphabetSize: v, temperature: temperature, sourceSeed: sourceSeed)
    var context = [Double](repeating: 1 / Double(v * v), count: v * v)
    for _ in 0..<500 {
      var next = [Double](repeating: 0, count: v * v)
      for ab in 0..<(v * v) where context[ab] > 0 {
        let b = ab % v
        for c in 0..<v { next[b * v + c] += context[ab] * table[ab][c] }
      }
      context = next
    }
    var entropy = 0.0
    for ab in 0..<(v * v) {
      for p in table[ab] where p > 0 { entropy -= context[ab] * p * Foundation.log(p) }
    }
    return entropy
  }

  /// Row `a·V + b`: the probabilities p(· | a, b).
  static func markovTable(alphabetSize v: Int, temperature: Double, sourceSeed: UInt64)
    -> [[Double]]
  {
    precondition(v >= 1, "markovText: the alphabet must not be empty")
    var rng = RandomGenerator(seed: sourceSeed)
    return (0..<(v * v)).map { _ in
      let logits = (0..<v).map { c in
        -Foundation.log(Double(c + 1)) + temperature * rng.nextNormal()
      }
      let top = logits.max()!
      let weights = logits.map { Foundation.exp($0 - top) }
      let total = weights.reduce(0, +)
      return weights.map { $0 / total }
    }
  }

  /// The category of `probabilities` (summing to 1) at cumulative mass `unit` ∈ [0, 1).
  private static func sample(_ probabilities: [Double], unit: Double) -> Int {
    var remaining = unit
    for (c, p) in probabilities.enumerated() {
      remaining -= p
      if remaining < 0 { return c }
    }
    return probabilities.count - 1
  }
}
