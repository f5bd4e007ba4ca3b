import Descent
import DescentData
import DescentNN
import Foundation

/// The result of `descent evaluate`.
public struct EvaluationResult: Codable, Sendable, Equatable {
  public var model: String
  public var weights: String
  public var data: String
  public var examples: Int
  /// Mean cross-entropy (PyTorch's `F.cross_entropy`, reduction mean).
  public var loss: Double
  public var accuracy: Double
}

extension Trainer {
  /// Loss and accuracy of the weights in a safetensors file on a whole dataset.
  ///
  /// The file holds the model's state dict under PyTorch's names (as `safetensors.torch.save_file`
  /// writes `model.state_dict()`), or is a Descent training checkpoint (names `model.*` and
  /// `buffers.*`). Features are used as loaded unless `standardize` (statistics of the evaluated
  /// data). Weights exported from PyTorch for the same architecture give PyTorch's numbers.
  public static func evaluate(
    model specText: String, weights: String, data: String, standardize: Bool = false
  ) throws -> EvaluationResult {
    let (spec, model, dataset, inputShape) = try loadWeights(
      model: specText, weights: weights, data: data, standardize: standardize)
    let (loss, accuracy) = withThreads(Parallelism.threadCount) {
      evaluate(model: model, data: dataset, inputShape: inputShape)
    }
    return EvaluationResult(
      model: spec.description, weights: weights, data: data, examples: dataset.count, loss: loss,
      accuracy: accuracy)
  }

  /// The model `specText` with the weights of a safetensors state dict or training checkpoint,
  /// and the dataset it is evaluated on (shared by `evaluate` and `FullBatchLoss`).
  static func loadWeights(
    model specText: String, weights: String, data: String, standardize: Bool
  ) throws -> (spec: ModelSpec, model: any Layer, dataset: TensorDataset, inputShape: [Int]) {
    let spec = try ModelSpec.parse(specText)
    guard FileManager.default.fileExists(atPath: weights) else {
      throw TrainingError.data("--weights: file \(weights) does not exist; check the path")
    }
    var dataset = try DataSource.load(data)
    if standardize { dataset = dataset.standardized().dataset }
    let inputShape = try spec.inputShape(featureShape: dataset.featureShape, dataName: dataset.name)
    var model = try spec.build(
      inputShape: inputShape, classCount: dataset.classCount, key: RandomKey(seed: 0))
    let file = try DataSource.wrap {
      try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: weights))
    }
    var tree = ParameterTree()
    let isCheckpoint = file.tensors.allSatisfy {
      $0.name.hasPrefix("model.") || $0.name.hasPrefix("buffers.")
        || $0.name.hasPrefix("optimizer.")
    }
    for entry in file.tensors {
      if isCheckpoint {
        if entry.name.hasPrefix("model.") {
          tree.append(String(entry.name.dropFirst(6)), entry.tensor)
        }
        if entry.name.hasPrefix("buffers.") {
          tree.append(String(entry.name.dropFirst(8)), entry.tensor)
        }
      } else {
        tree.append(entry.name, entry.tensor)
      }
    }
    do {
      try model.loadStateDict(tree, strict: true)
    } catch let error as StateLoadingError {
      throw TrainingError.data(
        "--weights \(weights): \(error.description); the weights do not fit the model "
          + "'\(spec)' on \(dataset.name) (check --model)")
    }
    return (spec, model, dataset, inputShape)
  }
}
