/// An immutable key naming one stream of random numbers, in the style of JAX's `PRNGKey`.
///
/// Randomness in Descent is a pure function of a key: element `i` of `Tensor.uniform(shape,
/// key: k)` depends only on `k` and `i` (see ``Philox4x32``), so the same key gives bit-identical
/// tensors for any thread count, on any run. Use a key once; derive new independent keys with
/// ``split(into:)`` (one per consumer) or ``folded(in:)`` (one per step, layer or rank index).
/// Two generators called with the same key draw from the same bits (`uniform` and `normal` with
/// one key are correlated), exactly as in JAX.
///
/// ```swift
/// let root = RandomKey(seed: 42)
/// let keys = root.split(into: 2)
/// let w = Tensor.normal([784, 128], std: 0.05, key: keys[0])
/// let dropoutKey = keys[1].folded(in: UInt64(step))
/// ```
///
/// A key is 64 bits, Philox's key size; ``RandomKey/init(seed:)`` uses the seed's bits as they are
/// (JAX does the same), which is safe because Philox streams under keys differing in one bit are
/// independent.
public struct RandomKey: Sendable, Codable, Hashable, CustomStringConvertible {
  /// The key's 64 bits: Philox key word 0 is the low half, word 1 the high half.
  public let bits: UInt64

  /// The root key for a seed.
  public init(seed: UInt64) { bits = seed }

  /// A key from the bits of ``bits`` (for restoring a key stored elsewhere).
  public init(bits: UInt64) { self.bits = bits }

  /// `n` new keys, independent of each other, of this key's own stream and of keys split or
  /// folded with other arguments. `split(into: n)[i]` is the same for every `n > i`.
  public func split(into n: Int) -> [RandomKey] {
    precondition(n >= 0, "RandomKey.split(into:): count must be non-negative, got \(n)")
    return (0..<n).map { derived(UInt64($0), domain: .split) }
  }

  /// Two new independent keys: `split(into: 2)` as a pair.
  public func split() -> (RandomKey, RandomKey) {
    (derived(0, domain: .split), derived(1, domain: .split))
  }

  /// A new key determined by this key and `data` (JAX's `fold_in`): distinct `data` give
  /// independent keys, and they are independent of the keys from ``split(into:)``.
  public func folded(in data: UInt64) -> RandomKey { derived(data, domain: .fold) }

  public var description: String {
    "RandomKey(0x" + String(bits, radix: 16).leftPadded(to: 16) + ")"
  }

  private func derived(_ index: UInt64, domain: RandomDomain) -> RandomKey {
    let b = block(index, domain: domain)
    return RandomKey(bits: UInt64(b.x) | UInt64(b.y) << 32)
  }
}

/// Which use a Philox block is drawn for: counter word 3. Tensor elements use `.data`, so a
/// tensor's block `b` is `Philox(counter: (b_lo, b_hi, 0, 0), key)`; the other uses never collide
/// with it or with each other.
enum RandomDomain: UInt32 {
  case data = 0
  case split = 1
  case fold = 2
  case stream = 3
  /// Extra draws for rejection sampling: word 2 holds the attempt number.
  case retry = 4
  case truncatedNormal = 5
}

extension RandomKey {
  var philoxKey: SIMD2<UInt32> {
    SIMD2(UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32))
  }

  /// Philox block `index` of `domain`, with `extra` in counter word 2.
  @inline(__always)
  func block(_ index: UInt64, extra: UInt32 = 0, domain: RandomDomain = .data) -> SIMD4<UInt32> {
    Philox4x32.block(
      counter: SIMD4(
        UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), extra,
        domain.rawValue),
      key: philoxKey)
  }
}

/// A small stateful convenience over ``RandomKey``: a key and a counter.
///
/// Each call to ``nextKey()`` returns `key.folded(in: counter)` and advances the counter, so a
/// training loop can write `Tensor.normal(shape, using: &generator)` without threading keys by
/// hand. The whole state is the two fields, `Codable`, so a checkpoint that stores it resumes the
/// exact same sequence. Also a Swift `RandomNumberGenerator` (for `Int.random(in:using:)`,
/// `shuffled(using:)`), drawing from a stream separate from the keys.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Hashable {
  /// The root key.
  public private(set) var key: RandomKey
  /// How many keys or 64-bit values have been drawn.
  public private(set) var counter: UInt64

  /// A generator at the start of `key`'s sequence, or at `counter` to resume a stored one.
  public init(key: RandomKey, counter: UInt64 = 0) {
    self.key = key
    self.counter = counter
  }

  /// A generator at the start of the sequence of `RandomKey(seed: seed)`.
  public init(seed: UInt64) { self.init(key: RandomKey(seed: seed)) }

  /// The next key of the sequence: `key.folded(in: counter)`, then the counter advances.
  public mutating func nextKey() -> RandomKey {
    defer { counter &+= 1 }
    return key.folded(in: counter)
  }

  /// The next 64 random bits, then the counter advances.
  public mutating func next() -> UInt64 {
    defer { counter &+= 1 }
    let b = key.block(counter, domain: .stream)
    return UInt64(b.x) | UInt64(b.y) << 32
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
