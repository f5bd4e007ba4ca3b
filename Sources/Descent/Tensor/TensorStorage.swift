/// The buffer behind one or more ``Tensor`` values: 64-byte aligned, contiguous, owned.
///
/// Tensors share a storage until one of them is mutated in place; the mutating tensor then copies
/// (copy-on-write), so `Tensor` has value semantics.
public final class TensorStorage: @unchecked Sendable {
  /// The first byte. Valid for `byteCount` bytes.
  public let pointer: UnsafeMutableRawPointer
  public let byteCount: Int

  /// Allocates uninitialized storage of `byteCount` bytes.
  public init(byteCount: Int) {
    self.byteCount = byteCount
    self.pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
  }

  /// Allocates zero-filled storage.
  public static func zeroed(byteCount: Int) -> TensorStorage {
    let storage = TensorStorage(byteCount: byteCount)
    storage.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    return storage
  }

  /// A fresh storage holding a copy of these bytes.
  public func copy() -> TensorStorage {
    let storage = TensorStorage(byteCount: byteCount)
    storage.pointer.copyMemory(from: pointer, byteCount: byteCount)
    return storage
  }

  deinit { pointer.deallocate() }
}
