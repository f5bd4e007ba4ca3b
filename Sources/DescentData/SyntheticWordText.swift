import Descent
import Foundation

extension SyntheticData {
  /// The characters ``wordText(characterCount:wordCount:seed:)`` can write: the 26 lowercase
  /// and 26 uppercase ASCII letters, the 10 digits, space, newline and `.,;:!?` (70 in all).
  public static let markovTextAlphabet: [Character] =
    Array("abcdefghijklmnopqrstuvwxyz") + Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    + Array("0123456789") + [" ", "\n", ".", ",", ";", ":", "!", "?"]

  /// A seeded English-like text for character-level language modelling where no real corpus is
  /// available: words follow a first-order Markov chain, with sentences, punctuation, numbers
  /// and line breaks, so that a model has spelling, word order and layout to learn.
  ///
  /// Construction (every draw from one `RandomGenerator(seed:)`, so the same arguments give the
  /// same text on every machine):
  /// - a lexicon of `wordCount` distinct lowercase words, lengths uniform in 1…8, letters
  ///   uniform in a…z;
  /// - every word has 3 successors drawn uniformly from the lexicon, taken with probabilities
  ///   0.6, 0.3 and 0.1;
  /// - the text starts at word 0; each word is preceded by a space (or begins the line), is
  ///   capitalized at the start of a sentence, and is replaced with probability 0.03 by a number
  ///   of 1–3 random digits; after a word the sentence ends with probability 0.12 (`.` 80 %, `!`
  ///   10 %, `?` 10 %), else a `,` `;` or `:` follows with probability 0.08 (0.6/0.2/0.2); after
  ///   every 4th sentence comes a newline;
  /// - the text is cut at exactly `characterCount` characters.
  ///
  /// A text of 100 000 characters uses all 70 characters of ``markovTextAlphabet`` (tested), so
  /// a character model's embedding has 70 rows, as for a real mixed-case text.
  public static func wordText(characterCount: Int, wordCount: Int = 200, seed: UInt64)
    -> String
  {
    precondition(characterCount >= 0 && wordCount >= 1, "markovText: invalid sizes")
    var rng = RandomGenerator(seed: seed)
    func index(_ n: Int) -> Int { min(n - 1, Int(rng.nextUnit() * Double(n))) }
    let lowercase = Array("abcdefghijklmnopqrstuvwxyz")
    var seen = Set<String>()
    var lexicon: [String] = []
    while lexicon.count < wordCount {
      let length = 1 + index(8)
      let word = String((0..<length).map { _ in lowercase[index(26)] })
      if seen.insert(word).inserted { lexicon.append(word) }
    }
    let successors = (0..<wordCount).map { _ in (0..<3).map { _ in index(wordCount) } }
    var text: [Character] = []
    text.reserveCapacity(characterCount + 16)
    var word = 0
    var sentenceStart = true
    var lineStart = true
    var sentences = 0
    while text.count < characterCount {
      if !lineStart { text.append(" ") }
      if rng.nextUnit() < 0.03 {
        let digits = 1 + index(3)
        text += (0..<digits).map { _ in Character(String(index(10))) }
      } else {
        let spelled = lexicon[word]
        text += sentenceStart ? spelled.prefix(1).uppercased() : String(spelled.prefix(1))
        text += spelled.dropFirst()
      }
      lineStart = false
      sentenceStart = false
      if rng.nextUnit() < 0.12 {
        let u = rng.nextUnit()
        text.append(u < 0.8 ? "." : u < 0.9 ? "!" : "?")
        sentenceStart = true
        sentences += 1
        if sentences % 4 == 0 {
          text.append("\n")
          lineStart = true
        }
      } else if rng.nextUnit() < 0.08 {
        let u = rng.nextUnit()
        text.append(u < 0.6 ? "," : u < 0.8 ? ";" : ":")
      }
      let u = rng.nextUnit()
      word = successors[word][u < 0.6 ? 0 : u < 0.9 ? 1 : 2]
    }
    return String(text.prefix(characterCount))
  }
}
