import DescentOptimizers
import Testing

/// Hardening (issue 19): one rule for typed numbers — the optimizers' constraints, applied to the
/// text as typed (so `1e999`, which parses to infinity, is refused and quoted as `1e999`) — and
/// booleans that accept exactly the two words the message names.
struct ConstraintTextTests {
  @Test func overflowingAndNonFiniteTextIsRefused() {
    for text in ["1e999", "-1e999", "inf", "nan", "Infinity", "", "abc", "1,5"] {
      #expect(HyperparameterConstraint.finite.value(of: text) == nil, "\(text)")
    }
    #expect(HyperparameterConstraint.finite.value(of: " 1e308 ") == 1e308)
    #expect(HyperparameterConstraint.nonNegative.value(of: "-0.5") == nil)
    #expect(HyperparameterConstraint.openUnitInterval.value(of: "0.25") == 0.25)
    #expect(
      HyperparameterConstraint.nonNegative.problem(flag: "--lr", text: "1e999")
        == "--lr 1e999: must be a finite number ≥ 0")
    #expect(
      HyperparameterConstraint.openUnitInterval.problem(flag: "--test-fraction", value: .infinity)
        == "--test-fraction inf: must be in (0, 1)")
    #expect(
      HyperparameterConstraint.nonNegative.problem(flag: "--lr", value: -1)
        == "--lr -1: must be a finite number ≥ 0")
  }

  /// The whole-number rule of every integer flag: decimal whole numbers in range only, the
  /// text quoted as typed, the upper bound named when it is not the type's own.
  @Test func wholeNumbersInRangeOnly() {
    let steps = WholeNumberRule<Int>(atLeast: 1)
    for text in ["abc", "", "1.5", "2.0", "1e3", "-1", "0", "0x10", "99999999999999999999"] {
      #expect(steps.value(of: text) == nil, "\(text)")
    }
    #expect(steps.value(of: " 7 ") == 7)
    #expect(steps.value(of: "+7") == 7)
    #expect(steps.problem(flag: "--steps", text: "abc") == "--steps abc: must be a whole number ≥ 1")
    #expect(
      steps.problem(flag: "--steps", text: "99999999999999999999")
        == "--steps 99999999999999999999: must be a whole number from 1 to 9223372036854775807")
    let threads = WholeNumberRule<Int>(1...1024)
    #expect(threads.value(of: "1024") == 1024 && threads.value(of: "1025") == nil)
    #expect(threads.problem(flag: "--threads", value: 0) == "--threads 0: must be a whole number from 1 to 1024")
    let seed = WholeNumberRule<UInt64>(atLeast: 0)
    #expect(seed.value(of: "18446744073709551615") == UInt64.max)
    #expect(seed.problem(flag: "--seed", text: "-1") == "--seed -1: must be a whole number ≥ 0")
  }

  func message(_ settings: [String: String], optimizer: String = "adam") -> String {
    do {
      _ = try OptimizerCatalogue.make(optimizer, settings: settings)
      return "accepted"
    } catch { return "\(error)" }
  }

  /// Every numeric hyperparameter of every optimizer refuses `1e999`, quoting it.
  @Test func everyNumericHyperparameterRefusesOverflow() throws {
    for info in OptimizerCatalogue.available {
      for parameter in info.hyperparameters {
        guard case .number = parameter.defaultValue else { continue }
        let text = message([parameter.name: "1e999"], optimizer: info.name)
        #expect(text.contains("\(parameter.name)=1e999 is invalid"), "\(info.name): \(text)")
      }
    }
  }

  @Test func booleansAcceptExactlyTrueAndFalse() {
    #expect(message(["amsgrad": "true"]) == "accepted")
    #expect(message(["amsgrad": "false"]) == "accepted")
    for text in ["yes", "no", "1", "0", "TRUE", "on", ""] {
      #expect(
        message(["amsgrad": text]) == "adam: amsgrad=\(text) is invalid: must be true or false",
        "\(text)")
    }
  }
}
