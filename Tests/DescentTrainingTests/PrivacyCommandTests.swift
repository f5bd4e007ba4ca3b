import DescentPrivacy
import Foundation
import Testing

/// `descent privacy epsilon|noise` as a user runs it: the printed numbers are the library's
/// (``RDPAccountant``, ``NoiseMultiplierSearch``, whose parity with Opacus 1.6 DescentPrivacyTests
/// checks), and invalid parameters are one-line errors with exit status 64.
@Suite(.enabled(if: DescentExecutable.url != nil, "the descent executable is built"))
struct PrivacyCommandTests {
  struct EpsilonOutput: Decodable {
    let epsilon: Double
    let order: Double
  }
  struct NoiseOutput: Decodable {
    let noiseMultiplier: Double
  }

  @Test func epsilonPrintsTheAccountantsGuaranteeAsJSON() throws {
    let output = try DescentExecutable.run([
      "privacy", "epsilon", "--noise-multiplier", "1.1", "--sample-rate", "0.01", "--steps",
      "1000", "--delta", "1e-5", "--format", "json",
    ])
    #expect(output.status == 0, "\(output)")
    let printed = try JSONDecoder().decode(EpsilonOutput.self, from: Data(output.stdout.utf8))
    let expected = try RDPAccountant(
      phases: [PrivacyPhase(noiseMultiplier: 1.1, sampleRate: 0.01, steps: 1000)]
    ).guarantee(delta: 1e-5)
    #expect(printed.epsilon == expected.epsilon)
    #expect(printed.order == expected.order)
    #expect(output.stdout.hasPrefix("{\"epsilon\": "))
  }

  @Test func epsilonTableNamesEpsilonAndOrder() throws {
    let output = try DescentExecutable.run([
      "privacy", "epsilon", "--noise-multiplier", "2", "--sample-rate", "1", "--steps", "3",
      "--delta", "0.001",
    ])
    #expect(output.status == 0, "\(output)")
    let lines = output.stdout.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first?.hasPrefix("epsilon  ") == true)
    #expect(lines.last?.hasPrefix("order    ") == true)
  }

  /// A noise multiplier so small that ε is infinite prints null (JSON) or inf (table), exit 0.
  @Test func vanishingNoisePrintsInfiniteEpsilon() throws {
    let arguments = [
      "privacy", "epsilon", "--noise-multiplier", "1e-200", "--sample-rate", "0.01", "--steps",
      "10", "--delta", "1e-5",
    ]
    let json = try DescentExecutable.run(arguments + ["--format", "json"])
    #expect(json.status == 0 && json.stdout == "{\"epsilon\": null, \"order\": 1.1}\n", "\(json)")
    let table = try DescentExecutable.run(arguments)
    #expect(table.status == 0 && table.stdout.hasPrefix("epsilon  inf\n"), "\(table)")
  }

  /// Opacus 1.6's `get_noise_multiplier(target_epsilon=1, target_delta=1e-5, sample_rate=0.01,
  /// steps=1000)` returns 1.5234375 (Golden/privacy.json of DescentPrivacyTests).
  @Test func noisePrintsTheSearchedNoiseMultiplier() throws {
    let output = try DescentExecutable.run([
      "privacy", "noise", "--epsilon", "1", "--delta", "1e-5", "--sample-rate", "0.01",
      "--steps", "1000", "--format", "json",
    ])
    #expect(output.status == 0, "\(output)")
    let printed = try JSONDecoder().decode(NoiseOutput.self, from: Data(output.stdout.utf8))
    #expect(printed.noiseMultiplier == 1.5234375)
    let table = try DescentExecutable.run([
      "privacy", "noise", "--epsilon", "1", "--delta", "1e-5", "--sample-rate", "0.01",
      "--steps", "1000",
    ])
    #expect(table.stdout == "noiseMultiplier  1.5234375\n")
  }

  @Test(arguments: [
    (["epsilon", "--noise-multiplier", "0"], "--noise-multiplier 0: must be a finite number > 0"),
    (
      ["epsilon", "--noise-multiplier", "-1"], "--noise-multiplier -1: must be a finite number > 0"
    ),
    (
      ["epsilon", "--noise-multiplier", "nan"],
      "--noise-multiplier nan: must be a finite number > 0"
    ),
    (["epsilon", "--sample-rate", "0"], "--sample-rate 0: must be in (0, 1]"),
    (["epsilon", "--sample-rate", "1.5"], "--sample-rate 1.5: must be in (0, 1]"),
    (["epsilon", "--delta", "0"], "--delta 0: must be in (0, 1)"),
    (["epsilon", "--delta", "1"], "--delta 1: must be in (0, 1)"),
    (["epsilon", "--steps", "0"], "--steps 0: must be a whole number ≥ 1"),
    (["epsilon", "--steps", "2.5"], "--steps 2.5: must be a whole number ≥ 1"),
    (["noise", "--epsilon", "0"], "--epsilon 0: must be a finite number > 0"),
    (["noise", "--epsilon", "1e999"], "--epsilon 1e999: must be a finite number > 0"),
    (["noise", "--sample-rate", "-0.1"], "--sample-rate -0.1: must be in (0, 1]"),
    (["noise", "--delta", "2"], "--delta 2: must be in (0, 1)"),
    (["noise", "--steps", "-3"], "--steps -3: must be a whole number ≥ 1"),
    (
      ["noise", "--epsilon", "1e-7", "--sample-rate", "1"],
      "is not reached even with noise multiplier"
    ),
  ])
  func invalidParametersAreOneLineUsageErrors(_ change: [String], _ message: String) throws {
    let subcommand = change[0]
    var values: [String: String] =
      subcommand == "epsilon"
      ? ["--noise-multiplier": "1", "--sample-rate": "0.01", "--steps": "100", "--delta": "1e-5"]
      : ["--epsilon": "1", "--sample-rate": "0.01", "--steps": "100", "--delta": "1e-5"]
    for k in stride(from: 1, to: change.count, by: 2) { values[change[k]] = change[k + 1] }
    let arguments =
      ["privacy", subcommand] + values.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
    try DescentExecutable.expectOneLineError(
      arguments, status: 64, containing: "descent privacy \(subcommand): ")
    try DescentExecutable.expectOneLineError(arguments, status: 64, containing: message)
  }
}
