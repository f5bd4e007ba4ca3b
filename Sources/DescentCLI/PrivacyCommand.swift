import ArgumentParser
import DescentOptimizers
import DescentPrivacy
import Foundation

/// `descent privacy epsilon|noise`: the RDP accountant of DP-SGD (``RDPAccountant``,
/// ``NoiseMultiplierSearch``), as Opacus 1.6 computes it (docs/privacy.md).
struct PrivacyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "privacy",
    abstract: "Differential privacy of DP-SGD: epsilon spent, or the noise for a budget (RDP).",
    discussion: """
      The accountant is Opacus 1.6's RDPAccountant: the sampled Gaussian mechanism's Rényi DP \
      (Mironov et al. 2019) at Opacus' 151 default orders, converted to (epsilon, delta) as \
      Balle et al. 2020. Exit status: 0; 64 for a usage error (a parameter outside its range: \
      noise multiplier and epsilon > 0, sample rate in (0, 1], delta in (0, 1), steps ≥ 1; or \
      a budget no noise multiplier up to 1e6 meets).
      """,
    subcommands: [PrivacyEpsilonCommand.self, PrivacyNoiseCommand.self])
}

enum PrivacyFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

/// The number `text` gives for `flag` under `range`, or a usage failure of `command` (exit 64)
/// quoting the text as typed: `descent privacy epsilon: --delta 0: must be in (0, 1)`.
private func privacyNumber(
  _ text: String, flag: String, range: PrivacyParameterRange, command: String
) throws -> Double {
  guard let value = range.value(of: text) else {
    throw CommandFailure(
      command: command, message: "\(flag) \(text): must be \(range.requirement)", status: 64
    ).report()
  }
  return value
}

private func privacySteps(_ text: String, command: String) throws -> Int {
  try wholeNumber(text, flag: "--steps", rule: WholeNumberRule<Int>(atLeast: 1), command: command)!
}

/// A finite number as JSON (shortest text that reads back to it), `null` otherwise.
private func json(_ x: Double?) -> String {
  guard let x, x.isFinite else { return "null" }
  return "\(x)"
}

/// `descent privacy epsilon --noise-multiplier S --sample-rate Q --steps T --delta D`.
struct PrivacyEpsilonCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "epsilon",
    abstract: "The epsilon of T steps of DP-SGD at noise multiplier S and sample rate Q.",
    discussion: """
      Prints epsilon and the RDP order that gives it; JSON: {"epsilon": e, "order": a}.
      """)

  @Option(
    name: .customLong("noise-multiplier"), parsing: .unconditional,
    help: ArgumentHelp("Noise standard deviation over the clipping norm (> 0).", valueName: "S"))
  var noiseMultiplier: String
  @Option(
    name: .customLong("sample-rate"), parsing: .unconditional,
    help: ArgumentHelp("Probability that an example is in a batch, in (0, 1].", valueName: "Q"))
  var sampleRate: String
  @Option(parsing: .unconditional, help: ArgumentHelp("Training steps (≥ 1).", valueName: "T"))
  var steps: String
  @Option(parsing: .unconditional, help: ArgumentHelp("delta, in (0, 1).", valueName: "D"))
  var delta: String
  @Option(help: "Output: table or json.") var format: PrivacyFormat = .table

  func run() throws {
    let command = "privacy epsilon"
    let sigma = try privacyNumber(
      noiseMultiplier, flag: "--noise-multiplier", range: .positive, command: command)
    let q = try privacyNumber(
      sampleRate, flag: "--sample-rate", range: .sampleRate, command: command)
    let steps = try privacySteps(steps, command: command)
    let delta = try privacyNumber(delta, flag: "--delta", range: .delta, command: command)
    let phase = try PrivacyPhase(noiseMultiplier: sigma, sampleRate: q, steps: steps)
    let spent = try RDPAccountant(phases: [phase]).guarantee(delta: delta)
    switch format {
    case .json:
      print("{\"epsilon\": \(json(spent.epsilon)), \"order\": \(json(spent.order))}")
    case .table:
      print("epsilon  \(spent.epsilon)")
      print("order    \(spent.order.map { "\($0)" } ?? "none")")
    }
  }
}

/// `descent privacy noise --epsilon E --delta D --sample-rate Q --steps T`.
struct PrivacyNoiseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "noise",
    abstract: "The noise multiplier that keeps T steps at sample rate Q within (E, D).",
    discussion: """
      Opacus' get_noise_multiplier search (doubling from 20, then bisection until epsilon is \
      within 0.01 below E); the result meets the budget. JSON: {"noiseMultiplier": s}.
      """)

  @Option(parsing: .unconditional, help: ArgumentHelp("Target epsilon (> 0).", valueName: "E"))
  var epsilon: String
  @Option(parsing: .unconditional, help: ArgumentHelp("delta, in (0, 1).", valueName: "D"))
  var delta: String
  @Option(
    name: .customLong("sample-rate"), parsing: .unconditional,
    help: ArgumentHelp("Probability that an example is in a batch, in (0, 1].", valueName: "Q"))
  var sampleRate: String
  @Option(parsing: .unconditional, help: ArgumentHelp("Training steps (≥ 1).", valueName: "T"))
  var steps: String
  @Option(help: "Output: table or json.") var format: PrivacyFormat = .table

  func run() throws {
    let command = "privacy noise"
    let epsilon = try privacyNumber(epsilon, flag: "--epsilon", range: .positive, command: command)
    let delta = try privacyNumber(delta, flag: "--delta", range: .delta, command: command)
    let q = try privacyNumber(
      sampleRate, flag: "--sample-rate", range: .sampleRate, command: command)
    let steps = try privacySteps(steps, command: command)
    let sigma: Double
    do {
      sigma = try NoiseMultiplierSearch.noiseMultiplier(
        targetEpsilon: epsilon, delta: delta, sampleRate: q, steps: steps)
    } catch {
      throw CommandFailure(command: command, message: error.description, status: 64).report()
    }
    switch format {
    case .json: print("{\"noiseMultiplier\": \(json(sigma))}")
    case .table: print("noiseMultiplier  \(sigma)")
    }
  }
}
