import Descent
import DescentOptimizers
import Foundation
import Testing

/// The catalogue comes from each optimizer's one declaration (``CataloguedOptimizer``): these
/// tests iterate it, so a new optimizer is covered by registering its type.
@Suite struct CatalogueDefinitionTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// Every type in Sources/DescentOptimizers that conforms to `CataloguedOptimizer` is registered.
  @Test func everyConformingTypeIsRegistered() throws {
    let sources = Self.root.appendingPathComponent("Sources/DescentOptimizers")
    let files = try #require(FileManager.default.enumerator(atPath: sources.path))
      .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
    var conforming: Set<String> = []
    let pattern = try Regex(#"(?:struct|final class|class|extension)\s+(\w+)\s*:[^{]*\bCataloguedOptimizer\b"#)
    for file in files {
      let text = try String(
        contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
      for match in text.matches(of: pattern) {
        if let name = match.output[1].substring { conforming.insert(String(name)) }
      }
    }
    conforming.remove("Self")
    #expect(conforming.count >= 12)
    let registered = Set(OptimizerCatalogue.registered.map { String(describing: $0) })
    #expect(conforming.subtracting(registered).isEmpty,
      "conform to CataloguedOptimizer but are not in OptimizerCatalogue.registered: \(conforming.subtracting(registered).sorted())")
  }

  @Test func namesAreUniqueAndLowercase() {
    let names = OptimizerCatalogue.available.map(\.name)
    #expect(Set(names).count == names.count)
    #expect(names.allSatisfy { $0 == $0.lowercased() && !$0.contains(" ") })
    for info in OptimizerCatalogue.available {
      #expect(info.hyperparameters.first?.name == "learningRate", "\(info.name)")
      let keys = info.hyperparameters.map(\.name)
      #expect(Set(keys).count == keys.count, "\(info.name) declares a key twice")
    }
  }

  /// Each default resolves and builds, and a value outside each numeric constraint is refused
  /// with a message that names the optimizer, the key, the value and the valid range.
  @Test func everyConstraintIsEnforcedWithOneLineErrors() throws {
    for info in OptimizerCatalogue.available {
      _ = try info.make()
      for hyperparameter in info.hyperparameters where hyperparameter.validValues != "true|false" {
        guard let bad = Self.violatingValue(hyperparameter.validValues) else { continue }
        do {
          _ = try info.make(settings: [hyperparameter.name: bad])
          Issue.record("\(info.name): \(hyperparameter.name)=\(bad) was accepted")
        } catch let error as OptimizerError {
          let message = error.description
          #expect(message.hasPrefix("\(info.name): \(hyperparameter.name) = "), "\(message)")
          #expect(message.contains("is invalid: must be"), "\(message)")
          #expect(!message.contains("\n"))
        }
      }
      for hyperparameter in info.hyperparameters
      where hyperparameter.validValues.contains("|")
        && !hyperparameter.validValues.split(separator: "|").allSatisfy({ Double($0) != nil })
        && hyperparameter.validValues != "true|false"
      {
        do {
          _ = try info.make(settings: [hyperparameter.name: "bogus"])
          Issue.record("\(info.name): \(hyperparameter.name)=bogus was accepted")
        } catch let error as OptimizerError {
          #expect(
            error.description.hasPrefix(
              "\(info.name): \(hyperparameter.name)=bogus is invalid: must be one of "))
        }
      }
      do {
        _ = try info.make(settings: ["learningRate": "fast"])
        Issue.record("\(info.name): learningRate=fast was accepted")
      } catch let error as OptimizerError {
        #expect(error.description.hasPrefix("\(info.name): learningRate=fast is invalid"))
      }
    }
  }

  /// A number that violates the constraint whose listing text is `valid`.
  static func violatingValue(_ valid: String) -> String? {
    switch valid {
    case "≥ 0", "[0, 1)", "[0, 1]", "(0, 1)", "> 0": return valid == "[0, 1]" ? "1.5" : "-1"
    case "finite": return nil
    default:
      if valid.hasPrefix("integer ≥ ") { return "1.5" }
      if valid.hasPrefix("power of two") { return "300" }
      if valid.contains("|") {
        // Numbers (8|32) get an out-of-range number; named choices are checked below.
        return valid.split(separator: "|").allSatisfy { Double($0) != nil } ? "7" : nil
      }
      if valid.hasPrefix("≥ ") || valid.hasPrefix("> ") { return "-1e9" }
      return nil
    }
  }

  /// docs/optimizers.md holds the generated table (DESCENT_REWRITE_SNAPSHOTS=1 rewrites it).
  @Test func docsTableIsGenerated() throws {
    let url = Self.root.appendingPathComponent("docs/optimizers.md")
    let page = try String(contentsOf: url, encoding: .utf8)
    let begin = "<!-- catalogue:begin (generated by OptimizerCatalogue.markdownTable) -->\n"
    let end = "\n<!-- catalogue:end -->"
    let start = try #require(page.range(of: begin), "docs/optimizers.md has no catalogue markers")
    let stop = try #require(page.range(of: end, range: start.upperBound..<page.endIndex))
    let table = OptimizerCatalogue.markdownTable()
    if ProcessInfo.processInfo.environment["DESCENT_REWRITE_SNAPSHOTS"] == "1" {
      let rewritten = page.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: table)
      try rewritten.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    #expect(String(page[start.upperBound..<stop.lowerBound]) == table,
      "docs/optimizers.md's table is stale: run DESCENT_REWRITE_SNAPSHOTS=1 swift test --filter CatalogueDefinitionTests")
  }

  /// `learningRateSchedule` goes into the optimizer itself: AdaHessian stays an AdaHessian (its
  /// shared-graph Hessian-vector-product path is kept), and each step uses the scheduled value.
  @Test func schedulesLiveInsideTheOptimizer() throws {
    let schedule = CosineDecay(initial: 0.1, decaySteps: 10)
    let adahessian = try OptimizerCatalogue.info(named: "adahessian").make(
      learningRateSchedule: schedule)
    #expect(adahessian is AdaHessian)
    #expect(adahessian is any HessianVectorProductUser)
    let sgd = try #require(
      try OptimizerCatalogue.info(named: "sgd").make(learningRateSchedule: schedule) as? SGD)
    var parameters = ParameterTree([("x", Tensor([1.0, -2.0], dtype: .float64))])
    let gradients = ParameterTree([("x", Tensor([0.5, 0.25], dtype: .float64))])
    let optimizer = Optimizer(sgd, for: parameters)
    var expected = [1.0, -2.0]
    for step in 0..<4 {
      try optimizer.step(&parameters, gradients: gradients)
      let lr = schedule.value(atStep: step)
      expected = [expected[0] - lr * 0.5, expected[1] - lr * 0.25]
      #expect(parameters["x"]!.doubles == expected)
    }
  }

  /// A skipped step advances the schedule (and the step count) but not the moments or the
  /// optimizer's own step (bias corrections).
  @Test func skipStepAdvancesTheScheduleOnly() throws {
    let schedule = StepDecay(initial: 0.1, stepSize: 1, gamma: 0.5)
    let adam = try Adam(learningRate: Hyperparameter(schedule))
    var parameters = ParameterTree([("x", Tensor([1.0, -2.0], dtype: .float64))])
    let gradients = ParameterTree([("x", Tensor([0.5, 0.25], dtype: .float64))])
    let skipping = Optimizer(adam, for: parameters)
    try skipping.step(&parameters, gradients: gradients)
    let afterFirst = parameters
    let stateAfterFirst = try #require(skipping.state(as: Adam.State.self))
    skipping.skipStep()
    #expect(skipping.stepCount == 2)
    #expect(skipping.state(as: Adam.State.self) == stateAfterFirst)
    #expect(parameters["x"]!.doubles == afterFirst["x"]!.doubles)
    try skipping.step(&parameters, gradients: gradients)
    #expect(skipping.state(as: Adam.State.self)?.step == 2)

    // The same two Adam steps with the learning rates the schedule gives at steps 0 and 2.
    let rates = [schedule.value(atStep: 0), schedule.value(atStep: 2)]
    var reference = ParameterTree([("x", Tensor([1.0, -2.0], dtype: .float64))])
    let lrs = RateList(rates: rates)
    let manual = Optimizer(try Adam(learningRate: Hyperparameter(lrs)), for: reference)
    try manual.step(&reference, gradients: gradients)
    try manual.step(&reference, gradients: gradients)
    #expect(parameters["x"]!.doubles == reference["x"]!.doubles)
  }

  struct RateList: Schedule {
    let rates: [Double]
    func value(atStep step: Int) -> Double { rates[min(step, rates.count - 1)] }
  }
}
