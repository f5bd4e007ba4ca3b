import DescentExperiments
import Foundation
import Testing

@Suite struct CriterionTests {
  @Test func boundsAreInclusiveAndNaNNeverPasses() {
    #expect(Criterion.atMost("a", 1, 1).passed)
    #expect(!Criterion.atMost("a", 1.0000001, 1).passed)
    #expect(Criterion.atLeast("a", -0.5, -0.5).passed)
    #expect(!Criterion.atLeast("a", -0.6, -0.5).passed)
    #expect(Criterion.within("a", -0.9, -0.9, -0.75).passed)
    #expect(!Criterion.within("a", -0.7, -0.9, -0.75).passed)
    for bad in [Double.nan, .infinity, -.infinity] {
      #expect(!Criterion.atMost("a", bad, .infinity).passed)
      #expect(!Criterion.atLeast("a", bad, -.infinity).passed)
      #expect(!Criterion(name: "a", measured: bad, target: "any", passed: true).passed)
    }
    #expect(Criterion.holds("a", true).measured == 1 && !Criterion.holds("a", false).passed)
  }

  @Test func nonFiniteMeasurementsEncodeAsNullAndDecodeAsFailed() throws {
    let criterion = Criterion(name: "x", measured: .nan, target: "≤ 1", passed: true)
    let json = String(decoding: try JSONEncoder().encode(criterion), as: UTF8.self)
    #expect(json.contains("\"measured\":null"))
    #expect(json.contains("\"passed\":false"))
    let forged = #"{"name":"x","measured":null,"target":"≤ 1","passed":true}"#
    let decoded = try JSONDecoder().decode(Criterion.self, from: Data(forged.utf8))
    #expect(decoded.measured.isNaN && !decoded.passed)
  }

  @Test func numbersPrintShortAndExact() {
    #expect(Criterion.format(0.01) == "0.01")
    #expect(Criterion.format(200) == "200")
    #expect(Criterion.format(2.621754037129831e-05) == "2.62175e-05")
    #expect(Criterion.format(.nan) == "nan" && Criterion.format(-.infinity) == "-inf")
  }

  @Test func suggestionsAreCloseAndCaseInsensitive() {
    func message(_ id: String) -> String { ExperimentError.unknownPaper(id).description }
    #expect(message("difgrad").contains("did you mean 'diffgrad'"))
    #expect(message("ALL").contains("did you mean 'all'"))
    #expect(message("Sophia").contains("did you mean 'sophia'"))
    #expect(!message("").contains("did you mean"))
    #expect(!message("xyz").contains("did you mean"))
  }

  /// Streams of different seeds or names never coincide (seed + offset schemes would).
  @Test func streamsAreDistinct() {
    let a = ExperimentContext(seed: 0), b = ExperimentContext(seed: 12)
    #expect(a.stream("data") != b.stream("data"))
    #expect(a.stream("data") != a.stream("split"))
    #expect(a.stream("batch", 16) != b.stream("batch", 4))
    #expect(a.stream("data") == ExperimentContext(seed: 0).stream("data"))
  }
}
