/// Copies with one setting changed, for the catalogue's `stateBits`, `blockSize` and
/// `minQuantizedSize` declarations (``HyperparameterDeclaration/stateStorage(_:)``), which check
/// the value against its constraint before writing it.
extension StateStorage {
  func with(bits: Int? = nil, blockSize: Int? = nil, minQuantizedSize: Int? = nil) -> StateStorage
  {
    StateStorage(
      unchecked: bits ?? self.bits, blockSize: blockSize ?? self.blockSize,
      minQuantizedSize: minQuantizedSize ?? self.minQuantizedSize,
      keepsFullPrecision: keepsFullPrecision)
  }
}
