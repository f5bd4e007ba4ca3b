/// The `--set` keys of ``StateStorage`` for catalogued optimizers that support 8-bit state.
extension StateStorage {
  /// `stateBits`, `blockSize` and `minQuantizedSize`, with `bits` as the default of `stateBits`.
  static func catalogueHyperparameters(bits: Int = 32) -> [HyperparameterInfo] {
    [
      HyperparameterInfo(
        name: "stateBits", defaultValue: .number(Double(bits)),
        description: "bits per optimizer-state value: 32, or 8 for block-wise quantized state",
        validValues: "8|32"),
      HyperparameterInfo(
        name: "blockSize", defaultValue: .number(256),
        description: "values per quantization block of 8-bit state (one float32 absmax each)",
        validValues: "power of two, 16…4096"),
      HyperparameterInfo(
        name: "minQuantizedSize", defaultValue: .number(4096),
        description: "parameters with fewer elements keep 32-bit state",
        validValues: "integer ≥ 0"),
    ]
  }

  /// The storage that catalogue settings describe, with the settings' full-precision paths opted
  /// out; throws when a value is not an integer or is out of range.
  init(settings: OptimizerSettings, optimizer: String) throws {
    func integer(_ name: String) throws -> Int {
      let x = settings.number(name)
      try Validate.check(
        x == x.rounded() && abs(x) < 1e9, in: optimizer,
        "\(name)=\(Validate.format(x)) is invalid: must be an integer")
      return Int(x)
    }
    try self.init(
      bits: integer("stateBits"), blockSize: integer("blockSize"),
      minQuantizedSize: integer("minQuantizedSize"), optimizer: optimizer)
    self = keepingFullPrecision(settings.fullPrecisionStatePaths)
  }
}
