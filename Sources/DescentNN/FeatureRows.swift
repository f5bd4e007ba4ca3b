import Descent

extension Tensor {
  /// Applies `transform`, a map of rows `[n, inputSize] → [n, outputSize]`, to a tensor
  /// `[…, inputSize]` of any rank ≥ 1: leading axes are flattened into rows and restored after, as
  /// `nn.Linear` treats its input. `layer` names the caller in the precondition's message.
  func mappingFeatureRows(
    inputSize: Int, outputSize: Int, layer: String, _ transform: (Tensor) -> Tensor
  ) -> Tensor {
    precondition(
      rank >= 1 && shape.last == inputSize,
      "\(layer): input \(shape) must end in \(inputSize) features")
    if rank == 2 { return transform(self) }
    let batchShape = Array(shape.dropLast())
    let rows = reshaped([batchShape.reduce(1, *), inputSize])
    return transform(rows).reshaped(batchShape + [outputSize])
  }
}
