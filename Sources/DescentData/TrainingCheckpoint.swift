import Descent
import Foundation

/// Everything needed to continue a training run exactly where it stopped, in one safetensors
/// file written atomically (temporary file in the same folder, then rename).
///
/// Layout: model parameters as `model.<path>`, buffers (batch-norm statistics) as
/// `buffers.<path>`, the optimizer's state tensors as `optimizer.<name>`; in `__metadata__`:
/// `descent.format` (`descent-checkpoint/1`), `descent.step`, `descent.optimizer` (the optimizer
/// state's JSON, whose tensors refer to the `optimizer.` entries: see `TensorArchive`),
/// `descent.loader` and `descent.random` (JSON of the data order position and the RNG state), and
/// any caller metadata under its own keys. Parameter files written by PyTorch's
/// `safetensors.torch.save_file` load with ``read(from:)`` too when their names carry the
/// `model.` prefix; the model entries alone are a valid PyTorch state dict after stripping it.
public struct TrainingCheckpoint: Sendable {
  public static let format = "descent-checkpoint/1"

  public var parameters: ParameterTree
  public var buffers: ParameterTree
  /// Optimizer steps taken.
  public var step: Int
  /// The optimizer's state dictionary (JSON), its tensors in ``optimizerTensors``.
  public var optimizerState: Data
  public var optimizerTensors: [(name: String, tensor: Tensor)]
  public var loader: DataLoaderState?
  public var random: RandomGenerator?
  /// Caller metadata (run id, configuration); keys must not start with `descent.`.
  public var metadata: [String: String]

  public init(
    parameters: ParameterTree, buffers: ParameterTree = ParameterTree(), step: Int,
    optimizerState: Data, optimizerTensors: [(name: String, tensor: Tensor)],
    loader: DataLoaderState? = nil, random: RandomGenerator? = nil, metadata: [String: String] = [:]
  ) {
    self.parameters = parameters
    self.buffers = buffers
    self.step = step
    self.optimizerState = optimizerState
    self.optimizerTensors = optimizerTensors
    self.loader = loader
    self.random = random
    self.metadata = metadata
  }

  /// The optimizer tensors as an archive for `Optimizer.loadStateDictionary(_:archive:)`.
  public var optimizerArchive: TensorArchive { TensorArchive(optimizerTensors) }

  /// Writes the checkpoint atomically: a reader sees the old file or the new one, never a part.
  public func write(to url: URL) throws {
    var tensors: [NamedTensor] = []
    for (path, tensor) in parameters.entries { tensors.append(NamedTensor("model.\(path)", tensor)) }
    for (path, tensor) in buffers.entries { tensors.append(NamedTensor("buffers.\(path)", tensor)) }
    for (name, tensor) in optimizerTensors { tensors.append(NamedTensor("optimizer.\(name)", tensor)) }
    var meta = metadata.filter { !$0.key.hasPrefix("descent.") }
    meta["descent.format"] = Self.format
    meta["descent.step"] = String(step)
    meta["descent.optimizer"] = String(decoding: optimizerState, as: UTF8.self)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    if let loader { meta["descent.loader"] = String(decoding: try encoder.encode(loader), as: UTF8.self) }
    if let random { meta["descent.random"] = String(decoding: try encoder.encode(random), as: UTF8.self) }
    try SafetensorsFile(tensors: tensors, metadata: meta).write(to: url)
  }

  /// Reads a checkpoint written by ``write(to:)``, validating its format and parts.
  public static func read(from url: URL) throws -> TrainingCheckpoint {
    let file = try SafetensorsFile.read(contentsOf: url)
    let name = url.path
    func bad(_ detail: String) -> DataError {
      .malformedHeader(file: name, offset: 8, detail: "\(detail); is this a Descent checkpoint?")
    }
    guard file.metadata["descent.format"] == format else {
      throw bad("__metadata__ has descent.format '\(file.metadata["descent.format"] ?? "none")', expected '\(format)'")
    }
    guard let stepText = file.metadata["descent.step"], let step = Int(stepText), step >= 0 else {
      throw bad("descent.step is missing or not a non-negative integer")
    }
    guard let optimizer = file.metadata["descent.optimizer"] else { throw bad("descent.optimizer is missing") }
    var parameters = ParameterTree()
    var buffers = ParameterTree()
    var optimizerTensors: [(name: String, tensor: Tensor)] = []
    for entry in file.tensors {
      if entry.name.hasPrefix("model.") {
        parameters.append(String(entry.name.dropFirst(6)), entry.tensor)
      } else if entry.name.hasPrefix("buffers.") {
        buffers.append(String(entry.name.dropFirst(8)), entry.tensor)
      } else if entry.name.hasPrefix("optimizer.") {
        optimizerTensors.append((String(entry.name.dropFirst(10)), entry.tensor))
      } else {
        throw bad("tensor '\(entry.name)' has none of the prefixes model., buffers., optimizer.")
      }
    }
    let decoder = JSONDecoder()
    func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
      guard let text = file.metadata[key] else { return nil }
      do {
        return try decoder.decode(T.self, from: Data(text.utf8))
      } catch {
        throw bad("\(key) does not decode: \(error)")
      }
    }
    return TrainingCheckpoint(
      parameters: parameters, buffers: buffers, step: step, optimizerState: Data(optimizer.utf8),
      optimizerTensors: optimizerTensors, loader: try decode(DataLoaderState.self, "descent.loader"),
      random: try decode(RandomGenerator.self, "descent.random"),
      metadata: file.metadata.filter { !$0.key.hasPrefix("descent.") })
  }
}
