import Descent

/// How an elementwise optimizer stores its per-parameter state: 32-bit floats, or 8-bit
/// block-wise dynamic quantization (Dettmers et al., "8-bit Optimizers via Block-wise
/// Quantization", ICLR 2022, arXiv:2110.02861).
///
/// With `bits = 8`, each state buffer of a float32 parameter with at least `minQuantizedSize`
/// elements is a ``QuantizedTensor`` (signed dynamic map for first moments, unsigned for second
/// moments) in blocks of `blockSize` values; each step dequantizes, updates and requantizes it in
/// one fused pass per block. Smaller tensors, float64 parameters and the paths for which
/// `keepsFullPrecision` answers true (embeddings, as the paper's `StableEmbedding` asks) keep
/// 32-bit state. Defaults follow bitsandbytes 0.50.2 (`blocksize = 256`, `min_8bit_size = 4096`).
public struct StateStorage: Sendable {
  /// 32 (full precision) or 8 (block-wise quantized).
  public let bits: Int
  /// Values per quantization block: a power of two from 16 to 4096 (256 in bitsandbytes today,
  /// 2048 in the paper).
  public let blockSize: Int
  /// Parameters with fewer elements keep 32-bit state.
  public let minQuantizedSize: Int
  /// Per-parameter opt-out: paths for which this returns true keep 32-bit state.
  public let keepsFullPrecision: @Sendable (String) -> Bool

  /// 32-bit state (every optimizer's default).
  public static let fullPrecision = try! StateStorage(bits: 32)

  /// Validates the settings; `optimizer` names the optimizer in the error message.
  public init(
    bits: Int = 32, blockSize: Int = 256, minQuantizedSize: Int = 4096,
    keepsFullPrecision: @escaping @Sendable (String) -> Bool = { _ in false },
    optimizer: String = "optimizer"
  ) throws {
    try Validate.check(
      bits == 8 || bits == 32, in: optimizer, "stateBits=\(bits) is invalid: must be 8 or 32")
    try Validate.check(
      QuantizedTensor.isValidOptimizerBlockSize(blockSize), in: optimizer,
      "blockSize=\(blockSize) is invalid: must be a power of two from 16 to 4096")
    try Validate.check(
      minQuantizedSize >= 0, in: optimizer,
      "minQuantizedSize=\(minQuantizedSize) is invalid: must be ≥ 0")
    self.bits = bits
    self.blockSize = blockSize
    self.minQuantizedSize = minQuantizedSize
    self.keepsFullPrecision = keepsFullPrecision
  }

  /// Storage with values already validated (the catalogue checks them against their constraints).
  init(
    unchecked bits: Int, blockSize: Int, minQuantizedSize: Int,
    keepsFullPrecision: @escaping @Sendable (String) -> Bool
  ) {
    self.bits = bits
    self.blockSize = blockSize
    self.minQuantizedSize = minQuantizedSize
    self.keepsFullPrecision = keepsFullPrecision
  }

  /// 8-bit state with the given block size and threshold.
  public static func eightBit(
    blockSize: Int = 256, minQuantizedSize: Int = 4096,
    keepsFullPrecision: @escaping @Sendable (String) -> Bool = { _ in false }
  ) throws -> StateStorage {
    try StateStorage(
      bits: 8, blockSize: blockSize, minQuantizedSize: minQuantizedSize,
      keepsFullPrecision: keepsFullPrecision)
  }

  /// This storage with the parameters at `paths` opted out as well (32-bit state), e.g. a model's
  /// `StableEmbedding` weights:
  /// `try StateStorage.eightBit().keepingFullPrecision(model.fullPrecisionStatePaths)`.
  public func keepingFullPrecision(_ paths: some Sequence<String>) -> StateStorage {
    let pinned = Set(paths)
    if pinned.isEmpty { return self }
    let previous = keepsFullPrecision
    return try! StateStorage(
      bits: bits, blockSize: blockSize, minQuantizedSize: minQuantizedSize,
      keepsFullPrecision: { pinned.contains($0) || previous($0) })
  }

  /// Whether the state of parameter `path` is quantized.
  public func quantizes(_ path: String, _ parameter: Tensor) -> Bool {
    bits == 8 && parameter.dtype == .float32 && parameter.count >= minQuantizedSize
      && !keepsFullPrecision(path)
  }
}

/// The 8-bit state buffers of the quantized parameters, in parameter order: for each path, the
/// optimizer's buffers in its own order (Adam: m with the signed map, v with the unsigned map).
public struct QuantizedStateTree: Codable, Sendable, Equatable {
  public struct Entry: Codable, Sendable, Equatable {
    public var path: String
    public var buffers: [QuantizedTensor]
  }
  public var entries: [Entry] = []

  public var isEmpty: Bool { entries.isEmpty }
  public var paths: [String] { entries.map(\.path) }

  /// The 8-bit buffers for every parameter of `parameters` that `storage` quantizes, one per map
  /// in `maps`, each holding `initialValue` exactly (a constant block quantizes without error);
  /// nil when none is quantized.
  static func zeros(
    for parameters: ParameterTree, storage: StateStorage, maps: [QuantizationMapKind],
    initialValue: Double = 0
  ) -> QuantizedStateTree? {
    var tree = QuantizedStateTree()
    for (path, tensor) in parameters.entries where storage.quantizes(path, tensor) {
      tree.entries.append(
        Entry(
          path: path,
          buffers: maps.map {
            QuantizedTensor(
              Tensor.full(tensor.shape, value: initialValue, dtype: .float32), map: $0,
              blockSize: storage.blockSize)
          }))
    }
    return tree.isEmpty ? nil : tree
  }
}

extension ParameterTree {
  /// The entries whose paths are not in `excluded`, in order.
  func excluding(_ excluded: Set<String>) -> ParameterTree {
    ParameterTree(entries.filter { !excluded.contains($0.path) })
  }
}
