import Testing

@testable import DescentTraining

/// `--config run.toml`: a run's options from a TOML file (parsed by TOMLKit).
@Suite struct ConfigurationFileTests {
  /// Found by fuzzing (docs/fuzzing.md): a table header starting with a character that is no
  /// bare-key character stopped the process on an assertion inside toml++; now a usage error.
  @Test(arguments: [
    "[\u{C7}et]\n", "steps = 3\n[ \u{FFFD}x]\n", "[[\u{E9}]]\n", "\u{FEFF}[\u{FFFD}",
    "\u{FEFF}\u{C7}x = 1\n",
    // The third: a third `[` (the check used to skip every `[`).
    "[[[pochc = 2\nsee\u{FFFD}d\u{FFFD}\u{FFFD}[er =soptet0\nt", "[[[x]]]\n",
    // A header cut by the end of the line or of the file, a combining mark on the `[` (one
    // Character, two scalars), and a header after a CRLF line (one Character, two scalars).
    "[\n", "[[", "[\u{301}x]\n", "a = 1\r\n[\u{C7}]\r\n",
  ])
  func headerWithANonKeyCharacterIsASyntaxError(text: String) throws {
    var c = TrainingConfiguration()
    #expect(throws: TrainingError.self) { try c.apply(toml: text, file: "run.toml") }
  }

  /// The check refuses only what toml++ would stop on: spaced and CRLF headers still read.
  @Test(arguments: ["[ set ]\nmomentum = 0.5\n", "steps = 3\r\n[set]\r\nmomentum = 0.5\r\n"])
  func ordinaryHeadersStillRead(text: String) throws {
    var c = TrainingConfiguration()
    try c.apply(toml: text, file: "run.toml")
    #expect(c.settings["momentum"] == "0.5")
  }

  @Test func readsEveryKindOfValueAndTheSetTable() throws {
    var c = TrainingConfiguration()
    try c.apply(
      toml: """
        # a run
        model = "mlp:128-64"   # hidden widths
        data = "iris"
        optimizer = "sgd"
        lr = 5e-2
        schedule = "onecycle"
        batch-size = 16
        steps = 1_000
        seed = 7
        test-fraction = 0.25
        standardize = false
        on-nonfinite = "skip-step"

        [set]
        momentum = 0.9
        nesterov = true
        """, file: "run.toml")
    #expect(c.model == "mlp:128-64")
    #expect(c.data == "iris")
    #expect(c.optimizer == "sgd")
    #expect(c.learningRate == 0.05)
    #expect(c.schedule == .onecycle)
    #expect(c.batchSize == 16)
    #expect(c.steps == 1000)
    #expect(c.seed == 7)
    #expect(c.testFraction == 0.25)
    #expect(c.standardize == false)
    #expect(c.onNonFinite == .skipStep)
    #expect(c.settings == ["momentum": "0.9", "nesterov": "true"])
    try c.validate()
  }

  @Test(arguments: [
    (
      "steps = \"ten\"", "run.toml: key 'steps': steps must be an integer, found the string \"ten\""
    ),
    ("lr = true", "run.toml: key 'lr': lr must be a number"),
    ("batchSize = 3", "did you mean 'batch-size'?"),
    ("[optimizer]", "run.toml: key 'optimizer': must be a string, number or boolean"),
    ("schedule = \"exp\"", "schedule must be one of constant, cosine"),
    ("model \"mlp\"", "run.toml:1:7: Error while parsing key-value pair"),
  ])
  func badFilesNameFileLineAndFix(text: String, fragment: String) {
    var c = TrainingConfiguration()
    do {
      try c.apply(toml: text, file: "run.toml")
      Issue.record("'\(text)' was accepted")
    } catch let error as TrainingError {
      #expect(error.exitStatus == 64)
      #expect(error.description.contains(fragment), "\(error)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }
}
