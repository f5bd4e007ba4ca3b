import DescentOptimizers
import Foundation
import Testing

/// Constructors reject out-of-range hyperparameters with a one-line message naming the value and
/// the valid range; the catalogue parses `--set` values and names unknown ones.
@Suite struct HyperparameterValidationTests {
  /// Expects `body` to throw `invalidHyperparameter` whose message contains every fragment.
  func expectInvalid(_ fragments: [String], _ body: () throws -> Any) {
    do {
      _ = try body()
      Issue.record("no error; expected one mentioning \(fragments)")
    } catch let error as OptimizerError {
      guard case .invalidHyperparameter(let message) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(!message.contains("\n"))
      for fragment in fragments { #expect(message.contains(fragment), "\(message)") }
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func constructorsRejectOutOfRangeValues() {
    expectInvalid(["sgd", "learningRate = -0.1", "≥ 0"]) { try SGD(learningRate: -0.1) }
    expectInvalid(["sgd", "momentum = -1"]) { try SGD(momentum: -1) }
    expectInvalid(["sgd", "nesterov", "momentum > 0"]) { try SGD(nesterov: true) }
    expectInvalid(["nesterov", "dampening = 0.1"]) {
      try SGD(momentum: 0.9, dampening: 0.1, nesterov: true)
    }
    expectInvalid(["adagrad", "lrDecay = -1"]) { try Adagrad(lrDecay: -1) }
    expectInvalid(["adagrad", "initialAccumulatorValue = -0.5"]) {
      try Adagrad(initialAccumulatorValue: -0.5)
    }
    expectInvalid(["adadelta", "rho = 1.5", "[0, 1]"]) { try Adadelta(rho: 1.5) }
    expectInvalid(["rmsprop", "alpha = -0.1", "[0, 1]"]) { try RMSprop(alpha: -0.1) }
    expectInvalid(["rmsprop", "epsilon = -1"]) { try RMSprop(epsilon: -1) }
    expectInvalid(["adam", "beta1 = 1", "[0, 1)"]) { try Adam(beta1: 1) }
    expectInvalid(["adam", "beta2 = -0.1", "[0, 1)"]) { try Adam(beta2: -0.1) }
    expectInvalid(["adam", "weightDecay = -0.01"]) { try Adam(weightDecay: -0.01) }
    expectInvalid(["adamw", "beta1 = 2"]) { try AdamW(beta1: 2) }
    expectInvalid(["diffgrad", "beta2 = 1"]) { try DiffGrad(beta2: 1) }
    expectInvalid(["adagradnorm", "epsilon = -1"]) { try AdaGradNorm(epsilon: -1) }
    expectInvalid(["adam", "learningRate = nan"]) { try Adam(learningRate: Hyperparameter(.nan)) }
  }

  @Test func defaultsAreTheReferenceDefaults() throws {
    // torch.optim 2.13 and torch-optimizer 0.3.0 signatures.
    let sgd = try #require(try OptimizerCatalogue.make("sgd") as? SGD)
    #expect(sgd.learningRate.constantValue == 1e-3 && sgd.momentum == 0 && sgd.dampening == 0)
    #expect(sgd.weightDecay == 0 && !sgd.nesterov && !sgd.maximize)
    let adagrad = try #require(try OptimizerCatalogue.make("adagrad") as? Adagrad)
    #expect(adagrad.learningRate.constantValue == 1e-2 && adagrad.lrDecay == 0)
    #expect(adagrad.initialAccumulatorValue == 0 && adagrad.epsilon == 1e-10)
    let adadelta = try #require(try OptimizerCatalogue.make("adadelta") as? Adadelta)
    #expect(
      adadelta.learningRate.constantValue == 1 && adadelta.rho == 0.9 && adadelta.epsilon == 1e-6)
    let rmsprop = try #require(try OptimizerCatalogue.make("rmsprop") as? RMSprop)
    #expect(rmsprop.learningRate.constantValue == 1e-2 && rmsprop.alpha == 0.99)
    #expect(rmsprop.epsilon == 1e-8 && rmsprop.momentum == 0 && !rmsprop.centered)
    let adam = try #require(try OptimizerCatalogue.make("adam") as? Adam)
    #expect(adam.learningRate.constantValue == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999)
    #expect(adam.epsilon == 1e-8 && adam.weightDecay == 0 && !adam.amsgrad)
    let adamw = try #require(try OptimizerCatalogue.make("adamw") as? AdamW)
    #expect(adamw.weightDecay == 0.01 && adamw.learningRate.constantValue == 1e-3)
    let diffgrad = try #require(try OptimizerCatalogue.make("diffgrad") as? DiffGrad)
    #expect(diffgrad.learningRate.constantValue == 1e-3 && diffgrad.beta1 == 0.9)
    #expect(diffgrad.beta2 == 0.999 && diffgrad.epsilon == 1e-8 && diffgrad.weightDecay == 0)
    let norm = try #require(try OptimizerCatalogue.make("adagradnorm") as? AdaGradNorm)
    #expect(norm.learningRate.constantValue == 1e-2 && norm.initialAccumulatorValue == 0)
  }

  @Test func catalogueDefaultsMatchTheConstructorDefaults() throws {
    // The listed default of every hyperparameter is what `make` with no settings builds: setting
    // each one explicitly to its listed default gives the same configuration.
    for info in OptimizerCatalogue.all {
      #expect(info.hyperparameters.first?.name == "learningRate")
      #expect(!info.paper.isEmpty && !info.reference.isEmpty && !info.summary.isEmpty)
      #expect(Set(info.hyperparameters.map(\.name)).count == info.hyperparameters.count)
      let explicit = Dictionary(
        uniqueKeysWithValues: info.hyperparameters.map { ($0.name, $0.defaultValue.description) })
      let a = "\(try info.make())"
      let b = "\(try info.make(settings: explicit))"
      #expect(a == b, "\(info.name)")
    }
  }

  @Test func catalogueEncodesAsJSONForTheCommandLine() throws {
    let data = try JSONEncoder().encode(OptimizerCatalogue.all)
    let list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    #expect(list.map { $0["name"] as? String } == OptimizerCatalogue.names)
    let adam = try #require(list.first { $0["name"] as? String == "adam" })
    let parameters = try #require(adam["hyperparameters"] as? [[String: Any]])
    let beta1 = try #require(parameters.first { $0["name"] as? String == "beta1" })
    #expect(beta1["defaultValue"] as? Double == 0.9 && beta1["validValues"] as? String == "[0, 1)")
    let amsgrad = try #require(parameters.first { $0["name"] as? String == "amsgrad" })
    #expect(amsgrad["defaultValue"] as? Bool == false)
    #expect((adam["paper"] as? String)?.contains("1412.6980") == true)
  }

  @Test func catalogueSettingsAreParsedAndApplied() throws {
    let adam = try #require(
      try OptimizerCatalogue.make(
        "adam", learningRate: 0.1, settings: ["beta1": "0.5", "amsgrad": "true", "epsilon": "1e-6"])
        as? Adam)
    #expect(adam.learningRate.constantValue == 0.1 && adam.beta1 == 0.5 && adam.amsgrad)
    #expect(adam.epsilon == 1e-6)
    let sgd = try #require(
      try OptimizerCatalogue.make(
        "SGD", settings: ["learningRate": "0.2", "nesterov": "true", "momentum": "0.9"]) as? SGD)
    #expect(sgd.learningRate.constantValue == 0.2 && sgd.nesterov && sgd.momentum == 0.9)
  }

  @Test func catalogueErrorsAreOneLineAndSpecific() {
    func message(_ body: () throws -> Any) -> String {
      do {
        _ = try body()
        return "no error"
      } catch { return "\(error)" }
    }
    let unknown = message { try OptimizerCatalogue.make("adma") }
    #expect(
      unknown.contains("unknown optimizer 'adma'") && unknown.contains("did you mean 'adam'?"))
    #expect(unknown.contains("sgd") && !unknown.contains("\n"))
    #expect(!message { try OptimizerCatalogue.make("zzzzzzzz") }.contains("did you mean"))
    let key = message { try OptimizerCatalogue.make("adam", settings: ["beta3": "0.1"]) }
    #expect(
      key.contains("adam has no hyperparameter 'beta3'") && key.contains("did you mean 'beta1'?"))
    let lrName = message { try OptimizerCatalogue.make("sgd", settings: ["lr": "0.1"]) }
    #expect(lrName.contains("'lr'") && lrName.contains("learningRate"))
    let number = message { try OptimizerCatalogue.make("adam", settings: ["beta1": "abc"]) }
    #expect(number.contains("beta1=abc") && number.contains("[0, 1)"))
    let flag = message { try OptimizerCatalogue.make("adam", settings: ["amsgrad": "maybe"]) }
    #expect(flag.contains("amsgrad=maybe") && flag.contains("true or false"))
    let range = message { try OptimizerCatalogue.make("rmsprop", settings: ["alpha": "2"]) }
    #expect(range.contains("alpha = 2") && range.contains("[0, 1]"))
    let twice = message {
      try OptimizerCatalogue.make("sgd", learningRate: 0.1, settings: ["learningRate": "0.2"])
    }
    #expect(twice.contains("learningRate is given twice"))
  }
}
