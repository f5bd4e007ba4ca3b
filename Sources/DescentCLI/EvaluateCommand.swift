import ArgumentParser
import DescentTraining
import Foundation

/// `descent evaluate`: loss and accuracy of given weights on a dataset.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Print the loss and accuracy of given weights on a dataset.",
    discussion: """
      --weights is a safetensors file with the model's PyTorch state_dict names (0.weight, \
      0.bias, 2.weight, ... for an mlp) or a `descent train` checkpoint. Loss is the mean \
      cross-entropy over every example; features are used as loaded unless --standardize. \
      Weights exported from PyTorch for the same architecture give PyTorch's numbers. \
      Exit status: 0; 64 usage error; 65 a missing or unusable file, or weights that do not fit.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Option(help: "Model spec (see `descent train --help`).") var model: String
  @Option(help: "Weights file (.safetensors).") var weights: String
  @Option(help: "Embedded dataset name or data path.") var data: String
  @Flag(help: "Standardize features with the evaluated data's own statistics.")
  var standardize = false
  @Option(help: "Output: text or json.") var format: Format = .text

  func run() throws {
    let result: EvaluationResult
    do {
      result = try Trainer.evaluate(
        model: model, weights: weights, data: data, standardize: standardize)
    } catch let error as TrainingError {
      throw CommandFailure(
        command: "evaluate", message: error.description, status: error.exitStatus
      )
      .report()
    }
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      print(String(decoding: try encoder.encode(result), as: UTF8.self))
    case .text:
      print("loss \(result.loss) accuracy \(result.accuracy) (\(result.examples) examples)")
    }
  }
}
