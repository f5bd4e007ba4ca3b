import Descent
import DescentData
import DescentNN
import Foundation

/// The full-batch training loss of a model as a function of its parameters, for curvature
/// analysis (`descent hessian`):
///
/// ```
/// L(θ) = (1/n) Σᵢ crossEntropy(model_θ(xᵢ), yᵢ)      (PyTorch's F.cross_entropy, mean)
/// ```
///
/// evaluated in chunks of 512 examples (the sum of the chunks' summed losses over n), in
/// evaluation mode (no dropout), with buffers (batch-norm statistics) held fixed. `loss` is
/// differentiable to any order in `θ`, so `hvp`/`HVPOracle` give the exact Hessian-vector product.
public struct FullBatchLoss: Sendable {
  /// The parameters the weights file or checkpoint holds (the point θ₀ to analyse).
  public let parameters: ParameterTree
  /// L(θ) for parameters shaped like ``parameters``.
  public let loss: @Sendable (ParameterTree) -> Tensor
  /// The number of examples n.
  public let examples: Int
  /// The model spec, as parsed.
  public let model: String

  /// The loss of `model` over every example of `data`, at the model's own parameters.
  public init(model: any Layer, spec: String, data: TensorDataset, inputShape: [Int]) {
    let n = data.count
    parameters = model.parameters
    examples = n
    self.model = spec
    loss = { p in
      let m = model.with(parameters: p)
      var total: Tensor? = nil
      var start = 0
      while start < n {
        let indices = Array(start..<min(n, start + 512))
        let part = data.subset(indices)
        let x = part.features.reshaped([indices.count] + inputShape)
        let chunk = crossEntropy(
          logits: m(x, context: .evaluation), labels: part.labels, reduction: .sum)
        total = total.map { $0 + chunk } ?? chunk
        start += 512
      }
      guard let total else { return Tensor.zeros([], dtype: p[index: 0].dtype) }
      return total / Double(max(n, 1))
    }
  }

  /// The loss of `model` (a ``ModelSpec``) with the weights in a safetensors file (PyTorch state
  /// dict names, or a `descent train` checkpoint) on the whole dataset `data`, features used as
  /// loaded unless `standardize` (as `descent evaluate`). One-line ``TrainingError``s.
  public static func load(
    model: String, weights: String, data: String, standardize: Bool = false
  ) throws -> FullBatchLoss {
    let (spec, layer, dataset, inputShape) = try Trainer.loadWeights(
      model: model, weights: weights, data: data, standardize: standardize)
    guard dataset.count > 0 else {
      throw TrainingError.data("--data \(data): no examples")
    }
    return FullBatchLoss(
      model: layer, spec: spec.description, data: dataset, inputShape: inputShape)
  }

  /// The loss on the training split of the run saved in a `descent train` checkpoint (its model,
  /// data, seeded split and standardization), at the checkpoint's parameters.
  public static func load(checkpoint url: URL) throws -> FullBatchLoss {
    let trainer = try Trainer(resumingFrom: url, flag: "--checkpoint")
    return FullBatchLoss(
      model: trainer.currentModel, spec: trainer.spec.description, data: trainer.trainData,
      inputShape: trainer.inputShape)
  }
}
