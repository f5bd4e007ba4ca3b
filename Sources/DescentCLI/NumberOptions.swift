import DescentOptimizers

/// The number a real-valued option's text gives under `rule` (`HyperparameterConstraint`: finite, in range),
/// nil when the option is absent; otherwise a usage failure of `command` (exit 64) worded as
/// everywhere else, with the text as typed: `descent train: --lr 1e999: must be a finite number ≥ 0`.
/// Real-valued options are therefore declared as text: ArgumentParser would turn `1e999` into
/// infinity before any message could quote it.
func number(_ text: String?, flag: String, rule: HyperparameterConstraint, command: String) throws -> Double? {
  guard let text else { return nil }
  guard let value = rule.value(of: text) else {
    throw CommandFailure(command: command, message: rule.problem(flag: flag, text: text), status: 64)
      .report()
  }
  return value
}

/// The whole number an integer option's text gives under `rule` (`WholeNumberFlags`), nil when
/// the option is absent; otherwise a usage failure of `command` (exit 64) in the one wording of
/// every integer flag: `descent train: --steps abc: must be a whole number ≥ 1`.
func wholeNumber<Value>(
  _ text: String?, flag: String, rule: WholeNumberRule<Value>, command: String
) throws -> Value? {
  guard let text else { return nil }
  guard let value = rule.value(of: text) else {
    throw CommandFailure(command: command, message: rule.problem(flag: flag, text: text), status: 64)
      .report()
  }
  return value
}
