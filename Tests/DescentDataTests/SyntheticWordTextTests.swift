import DescentData
import Testing

@Suite("SyntheticData.wordText")
struct SyntheticWordTextTests {
  @Test("the same seed gives the same text; another seed another text")
  func deterministic() {
    let a = SyntheticData.wordText(characterCount: 5000, seed: 3)
    #expect(a == SyntheticData.wordText(characterCount: 5000, seed: 3))
    #expect(a != SyntheticData.wordText(characterCount: 5000, seed: 4))
    // A shorter text is a prefix of a longer one of the same seed (cut, not regenerated).
    #expect(SyntheticData.wordText(characterCount: 1234, seed: 3) == String(a.prefix(1234)))
  }

  @Test("exactly characterCount characters, all 70 of the alphabet in 100 000")
  func lengthAndAlphabet() {
    let text = SyntheticData.wordText(characterCount: 100_000, seed: 0)
    #expect(text.count == 100_000)
    #expect(Set(text) == Set(SyntheticData.markovTextAlphabet))
    #expect(SyntheticData.markovTextAlphabet.count == 70)
    #expect(CharacterCorpus(name: "markov", text: text).vocabulary.count == 70)
    #expect(SyntheticData.wordText(characterCount: 0, seed: 0).isEmpty)
  }

  @Test("sentences start with a capital after '. ', lines hold 4 sentences")
  func layout() {
    let text = SyntheticData.wordText(characterCount: 20_000, seed: 1)
    let lines = text.split(separator: "\n").dropLast()
    #expect(lines.count > 10)
    for line in lines {
      #expect(line.filter { ".!?".contains($0) }.count == 4, "\(line)")
      let first = line.first!
      #expect(first.isUppercase || first.isNumber, "\(line)")
    }
    // Words come from a lexicon of 200 (numbers aside): far fewer distinct words than words.
    let words = text.split { " \n.,;:!?".contains($0) }.map { $0.lowercased() }
      .filter { !$0.first!.isNumber }
    #expect(Set(words).count <= 200 && words.count > 2000)
  }
}
