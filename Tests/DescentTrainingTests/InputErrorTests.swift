import DescentData
import Foundation
import Testing

@testable import DescentTraining

/// Everything a user can get wrong gives a one-line error with the exit status of the contract.
@Suite struct InputErrorTests {
  func error(_ body: () throws -> Void) -> TrainingError? { trainingError(body) }

  func train(_ change: (inout TrainingConfiguration) -> Void) -> TrainingError? {
    var c = TrainingConfiguration()
    c.steps = 2
    change(&c)
    return error { _ = try Trainer(configuration: c) }
  }

  @Test func specsParse() throws {
    #expect(try ModelSpec.parse("mlp") == .mlp(widths: .hidden([64]), activation: "relu"))
    #expect(
      try ModelSpec.parse("mlp:128-64") == .mlp(widths: .hidden([128, 64]), activation: "relu"))
    #expect(
      try ModelSpec.parse("mlp:64-32-10:tanh")
        == .mlp(widths: .complete([64, 32, 10]), activation: "tanh"))
    #expect(
      try ModelSpec.parse("mlp:=64-10") == .mlp(widths: .complete([64, 10]), activation: "relu"))
    #expect(
      try ModelSpec.parse("cnn:channels=1,size=28") == .cnn(options: ["channels": 1, "size": 28]))
    #expect(try ModelSpec.parse("resnet20") == .resnet20(options: [:]))
    #expect(
      try ModelSpec.parse("gpt-char:layers=2,heads=4,dim=64")
        == .gptChar(options: ["layers": 2, "heads": 4, "dim": 64]))
  }

  @Test(arguments: [
    ("mlp:64-x-10", "width 'x'"), ("mlp:64-0-10", "width '0'"),
    ("mlp:64-10:swish", "unknown activation"),
    ("transformer", "unknown model"), ("cnn:kernels=3", "option 'kernels=3'"),
    ("gpt-char:dim=10,heads=4", "not a multiple"), ("mlp:1:relu:x", "too many"),
  ])
  func badSpecsAreUsageErrors(spec: String, fragment: String) {
    let e = error { _ = try ModelSpec.parse(spec) }
    #expect(e?.exitStatus == 64)
    #expect(e?.description.contains(fragment) == true, "\(e?.description ?? "no error")")
    #expect(e?.description.contains("\n") == false)
  }

  @Test func unknownOptimizerSuggestsTheClosestName() {
    let e = train { $0.optimizer = "adamm" }
    #expect(e?.exitStatus == 64)
    #expect(e?.description.contains("did you mean 'adam'") == true)
  }

  @Test func unknownHyperparameterSuggestsTheClosestName() {
    let e = train { $0.settings = ["beta3": "0.9"] }
    #expect(e?.exitStatus == 64)
    #expect(e?.description.contains("did you mean") == true)
    #expect(error { _ = try TrainingConfiguration.settings(["beta2"]) }?.exitStatus == 64)
  }

  @Test func dataThatDoesNotFitTheModel() {
    let features = train { $0.model = "mlp:30-16-10" }
    #expect(features?.exitStatus == 65)
    #expect(features?.description.contains("64 features") == true)
    let classes = train { $0.model = "mlp:64-16-3" }
    #expect(classes?.exitStatus == 65)
    #expect(classes?.description.contains("10 classes") == true)
    #expect(train { $0.model = "cnn" }?.exitStatus == 65)
  }

  @Test func missingFilesAndUnknownNames() {
    let missing = train { $0.data = "/nonexistent/train.csv" }
    #expect(missing?.exitStatus == 65)
    #expect(missing?.description.contains("/nonexistent/train.csv") == true)
    let name = train { $0.data = "mnistt" }
    #expect(name?.exitStatus == 64)
    #expect(name?.description.contains("digits") == true)
    #expect(train { $0.batchSize = 0 }?.exitStatus == 64)
  }

  @Test func corruptOrForeignCheckpointIsADataError() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-bad-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data("not a checkpoint at all".utf8).write(to: url)
    let corrupt = error { _ = try Trainer(resumingFrom: url) }
    #expect(corrupt?.exitStatus == 65)
    #expect(corrupt?.description.contains(url.path) == true)

    // A valid checkpoint whose model differs from its configuration's does not load.
    var c = TrainingConfiguration()
    c.steps = 2
    c.checkpointPath = url.path
    try Trainer(configuration: c).run()
    var wrong = try TrainingCheckpoint.read(from: url)
    var configuration = try JSONDecoder().decode(
      TrainingConfiguration.self, from: Data(wrong.metadata["training.configuration"]!.utf8))
    configuration.model = "mlp:16"
    wrong.metadata["training.configuration"] = String(
      decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    try wrong.write(to: url)
    let mismatch = error { _ = try Trainer(resumingFrom: url) }
    #expect(mismatch?.exitStatus == 65)
    #expect(mismatch?.description.contains("0.weight") == true)
  }
}

/// The `TrainingError` that `body` throws, nil when it throws none; any other error is recorded
/// as an issue.
func trainingError(_ body: () throws -> Void) -> TrainingError? {
  do {
    try body()
    return nil
  } catch let error as TrainingError {
    return error
  } catch {
    Issue.record("not a TrainingError: \(error)")
    return nil
  }
}
