import Synchronization

/// The buffer behind one or more ``Tensor`` values: 64-byte aligned, contiguous, owned.
///
/// Tensors share a storage until one of them is mutated in place; the mutating tensor then copies
/// (copy-on-write), so `Tensor` has value semantics.
///
/// Large buffers (≥ 64 KiB) come from ``LargeBufferCache``: the system allocator returns such
/// buffers to the OS on every free, so each new op output would page-fault through fresh, zeroed
/// memory — slower than the op itself. Reusing recently freed buffers keeps elementwise ops at
/// memory bandwidth.
public final class TensorStorage: @unchecked Sendable {
  /// The first byte. Valid for `byteCount` bytes.
  public let pointer: UnsafeMutableRawPointer
  public let byteCount: Int
  private let capacity: Int

  /// Allocates uninitialized storage of `byteCount` bytes.
  public init(byteCount: Int) {
    self.byteCount = byteCount
    let (pointer, capacity) = LargeBufferCache.shared.allocate(byteCount: byteCount)
    self.pointer = pointer
    self.capacity = capacity
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

  deinit { LargeBufferCache.shared.release(pointer, capacity: capacity) }
}

/// A bounded cache of freed large buffers, keyed by their size rounded up to 64 KiB.
///
/// Holds at most ``limitBytes`` in total; beyond that, buffers go back to the system. Small
/// buffers bypass it.
final class LargeBufferCache: Sendable {
  static let shared = LargeBufferCache()
  static let threshold = 1 << 16
  static let granularity = 1 << 16
  /// The most bytes kept for reuse.
  static let limitBytes = 1 << 30

  private struct State: @unchecked Sendable {
    var free: [Int: [UnsafeMutableRawPointer]] = [:]
    var cachedBytes = 0
  }
  private let state = Mutex(State())

  func allocate(byteCount: Int) -> (UnsafeMutableRawPointer, Int) {
    if byteCount < Self.threshold {
      return (UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64), 0)
    }
    let capacity = (byteCount + Self.granularity - 1) / Self.granularity * Self.granularity
    let cached = state.withLock { state -> UnsafeMutableRawPointer? in
      guard var list = state.free[capacity], let pointer = list.popLast() else { return nil }
      state.free[capacity] = list.isEmpty ? nil : list
      state.cachedBytes -= capacity
      return pointer
    }
    if let cached { return (cached, capacity) }
    return (UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 4096), capacity)
  }

  func release(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
    if capacity == 0 {
      pointer.deallocate()
      return
    }
    let kept = state.withLock { state -> Bool in
      guard state.cachedBytes + capacity <= Self.limitBytes else { return false }
      state.free[capacity, default: []].append(pointer)
      state.cachedBytes += capacity
      return true
    }
    if !kept { pointer.deallocate() }
  }

  /// Returns every cached buffer to the system.
  func purge() {
    let pointers = state.withLock { state -> [UnsafeMutableRawPointer] in
      let all = state.free.values.flatMap { $0 }
      state = State()
      return all
    }
    pointers.forEach { $0.deallocate() }
  }
}
