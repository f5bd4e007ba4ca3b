import Descent
import DescentData
import DescentOptimizers
import DescentTraining
import Foundation

/// One reader under fuzzing: it gets the bytes of a file and must either accept them or throw —
/// never trap, read out of bounds (AddressSanitizer), or allocate far beyond the input
/// (libFuzzer's `-malloc_limit_mb`, set by scripts/fuzz.sh). See docs/fuzzing.md.
enum FuzzTarget: String, CaseIterable {
  /// `NPYReader` (NumPy `.npy` v1–v3 headers, every dtype it reads).
  case npy
  /// `IDXReader`, plain and gzip (the corpus holds both; gzip is detected by its magic bytes).
  case idx
  /// `CSVReader.read`: header, label column, quoting, numbers.
  case csv
  /// `CIFARReader.readBatch`: 3073-byte records.
  case cifar
  /// `SafetensorsFile.read`: the JSON header, dtypes, offsets.
  case safetensors
  /// `TrainingCheckpoint.read`, then what `--resume` does with it before any model exists: the
  /// training configuration decoded and validated, the optimizer built for the checkpoint's
  /// parameters and its state loaded (`StateLayoutCheck`).
  case checkpoint
  /// `TrainingConfiguration.apply(toml:file:)` (TOMLKit) and `validate()`: `--config` files.
  case toml

  /// The file name extension the input is written with (some readers name it in messages).
  var fileExtension: String {
    switch self {
    case .npy: "npy"
    case .idx: "idx"
    case .csv: "csv"
    case .cifar: "bin"
    case .safetensors, .checkpoint: "safetensors"
    case .toml: "toml"
    }
  }

  /// Feeds `url` (holding the fuzzer's bytes) to the reader. Thrown errors are the accepted
  /// outcome for bad input; the caller ignores them.
  func run(_ url: URL, bytes: Data) throws {
    switch self {
    case .npy: _ = try NPYReader.read(contentsOf: url)
    case .idx: _ = try IDXReader.read(contentsOf: url)
    case .csv: _ = try CSVReader.read(contentsOf: url)
    case .cifar: _ = try CIFARReader.readBatch(contentsOf: url)
    case .safetensors: _ = try SafetensorsFile.read(contentsOf: url)
    case .checkpoint:
      let checkpoint = try TrainingCheckpoint.read(from: url)
      guard let text = checkpoint.metadata["training.configuration"] else { return }
      let configuration = try JSONDecoder().decode(
        TrainingConfiguration.self, from: Data(text.utf8))
      try configuration.validate()
      let transformation = try OptimizerCatalogue.make(
        configuration.optimizer, learningRate: configuration.learningRate,
        settings: configuration.settings)
      let optimizer = Optimizer(erasing: transformation, for: checkpoint.parameters)
      try optimizer.loadStateDictionary(
        checkpoint.optimizerState, archive: checkpoint.optimizerArchive)
    case .toml:
      var configuration = TrainingConfiguration()
      try configuration.apply(toml: String(decoding: bytes, as: UTF8.self), file: url.path)
      try configuration.validate()
    }
  }
}
