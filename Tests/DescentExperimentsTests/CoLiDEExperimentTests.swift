import DescentExperiments
import Foundation
import Testing

@Suite struct CoLiDEExperimentTests {
  /// The quick run on two seeds not used while designing the experiment: CoLiDE-EV's SHD and
  /// its σ̂ hold. The two NV criteria are measured but not required: on 3 graphs they pass on
  /// one seed and fail on the other (seed 11: SHD ratio 0.36, σ̂ error 0.048; seed 12: 1.11 and
  /// 0.15), and the full run fails the SHD ratio (docs/reproduce/colide.md), as does the official
  /// code on the official generator's graphs.
  @Test(arguments: [11, 12] as [UInt64])
  func quickRunMeasuresTheClaim(seed: UInt64) throws {
    let result = try ExperimentCatalogue.run(
      id: "colide", context: ExperimentContext(seed: seed, quick: true))
    let criteria = result.criteria
    try #require(criteria.count == 4)
    #expect(criteria[0].passed, "seed \(seed): EV SHD \(criteria[0].measured)")
    #expect(criteria[2].passed, "seed \(seed): EV sigma error \(criteria[2].measured)")
    #expect(criteria[1].measured.isFinite && criteria[1].measured >= 0)
    #expect(criteria[3].measured.isFinite && criteria[3].measured >= 0)
    #expect(result.accepted == criteria.allSatisfy(\.passed))
    for criterion in criteria {
      print("colide seed \(seed): \(criterion.name) = \(criterion.measured)")
    }
    print("colide seed \(seed) notes: \(result.notes.joined(separator: " | "))")
  }

  /// Same seed, same numbers; the JSON has the contract's keys.
  @Test func isDeterministic() throws {
    let first = try ExperimentCatalogue.run(
      id: "colide", context: ExperimentContext(seed: 13, quick: true))
    let second = try ExperimentCatalogue.run(
      id: "colide", context: ExperimentContext(seed: 13, quick: true))
    #expect(first.criteria == second.criteria)
    #expect(first.notes == second.notes)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(first.json().utf8)) as? [String: Any])
    #expect(object["id"] as? String == "colide")
    #expect((object["criteria"] as? [[String: Any]])?.count == 4)
  }
}
