import Descent
import DescentData
import Foundation

/// Model-level checkpoints: a layer's ``Layer/stateDict`` (parameters and buffers, PyTorch
/// `state_dict` names) as a safetensors file.
extension Layer {
  /// Writes the parameters and buffers to `url` atomically (temporary file, then rename).
  public func save(to url: URL, metadata: [String: String] = [:]) throws {
    try SafetensorsFile(stateDict, metadata: metadata).write(to: url)
  }

  /// Loads parameters and buffers from the safetensors file at `url` (written by ``save(to:)``
  /// or by PyTorch's `safetensors.torch.save_file(model.state_dict())`). Throws the reader's
  /// `DataError` for a bad file and ``StateLoadingError`` when a path, shape or dtype does not fit
  /// (with `strict`, also for extra tensors).
  public mutating func load(from url: URL, strict: Bool = true) throws {
    try loadStateDict(SafetensorsFile.read(contentsOf: url).parameterTree, strict: strict)
  }
}
