import Descent
import DescentExperiments
import Testing

/// The same seed gives the same numbers, whatever the thread count.
@Suite struct ReproducibilityTests {
  @Test func sameSeedSameMeasurementsAtAnyThreadCount() throws {
    let one = try withThreads(1) {
      try ExperimentCatalogue.run(id: "stability", context: ExperimentContext(seed: 12, quick: true))
    }
    let two = try withThreads(2) {
      try ExperimentCatalogue.run(id: "stability", context: ExperimentContext(seed: 12, quick: true))
    }
    #expect(one.criteria.count == two.criteria.count)
    for (a, b) in zip(one.criteria, two.criteria) {
      #expect(
        a.measured.bitPattern == b.measured.bitPattern, "\(a.name): \(a.measured) vs \(b.measured)")
    }
    #expect(one.notes == two.notes)
  }
}
