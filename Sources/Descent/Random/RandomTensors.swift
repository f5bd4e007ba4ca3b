import CDescentKernels
import RealModule

// Random tensors. Every generator maps element `i` to Philox block `i / perBlock` of the key's
// `.data` domain (perBlock = 4 when an element takes 32 bits, 2 when it takes 64), so element `i`
// is a pure function of `(key, i)`: tensors are filled in parallel and come out bit-identical for
// every thread count. Rejection samplers (`randint`, `permutation`, `truncatedNormal`) draw the
// extra attempts for element `i` from blocks indexed by `(i, attempt)`, which keeps that property.

extension Tensor {
  /// Uniform values in `[low, high)`: `low + (high − low)·u` with `u` uniform in `[0, 1)` on a
  /// grid of 2⁻²⁴ (float32, from 24 random bits) or 2⁻⁵³ (float64, from 53 bits). Where rounding
  /// would give `high`, the result is the largest value below `high`. Like `torch.rand` and
  /// `jax.random.uniform`.
  public static func uniform(
    _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    precondition(
      low < high && low.isFinite && high.isFinite,
      "uniform: need finite low < high, got low \(low), high \(high)")
    switch dtype {
    case .float32:
      let (l, h) = (Float(low), Float(high))
      return fill(shape, Float.self, perBlock: 4, key: key) { b, _ in
        let v = l + (h - l) * (SIMD4<Float>(b &>> 8) * 0x1p-24)
        return v.replacing(with: h.nextDown, where: v .>= h)
      }
    case .float64:
      return fill(shape, Double.self, perBlock: 2, key: key) { b, _ in
        let v = low + (high - low) * SIMD4(unitDouble(b.x, b.y), unitDouble(b.z, b.w), 0, 0)
        return v.replacing(with: high.nextDown, where: v .>= high)
      }
    default:
      preconditionFailure("uniform: dtype must be float32 or float64, got \(dtype)")
    }
  }

  /// Normal values with the given mean and standard deviation, by the Box–Muller transform on
  /// pairs of elements: with `u₁ ∈ (0, 1)` and `u₂ ∈ [0, 1)`, `r = √(−2 ln u₁)`, elements `2j` and
  /// `2j + 1` are `mean + std·r cos 2πu₂` and `mean + std·r sin 2πu₂`. The transform runs in
  /// float64 for both dtypes; float32 takes 32-bit `u₁, u₂` (so |z| ≤ 6.77: the tail beyond
  /// has probability 1.3·10⁻¹¹), float64 53-bit (|z| ≤ 8.66). ln, sin and cos are the vectorized
  /// float64 approximations of CDescentKernels' RandomKernels.h (within 2 ulp).
  public static func normal(
    _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    precondition(
      std >= 0 && std.isFinite, "normal: std must be finite and non-negative, got \(std)")
    switch dtype {
    case .float32:
      return fillFromBlocks(shape, Float.self, perBlock: 4, key: key) { words, blocks, out in
        descent_box_muller_f32(words, blocks, mean, std, out)
      }
    case .float64:
      return fillFromBlocks(shape, Double.self, perBlock: 2, key: key) { words, blocks, out in
        descent_box_muller_f64(words, blocks, mean, std, out)
      }
    default:
      preconditionFailure("normal: dtype must be float32 or float64, got \(dtype)")
    }
  }

  /// Normal values conditioned on `lower ≤ z ≤ upper`, where `z = (x − mean) / std` is in standard
  /// units (as in `jax.random.truncated_normal`; PyTorch's `trunc_normal_(a, b)` takes the bounds
  /// in output units instead). Sampled by rejection from Box–Muller normals computed in float64,
  /// element by element; the interval must hold at least 0.1% of the probability so that
  /// rejection stays cheap (expected attempts per element: 1 / that probability).
  public static func truncatedNormal(
    _ shape: [Int], mean: Double = 0, std: Double = 1, lower: Double = -2, upper: Double = 2,
    dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    precondition(
      std >= 0 && std.isFinite, "truncatedNormal: std must be finite and non-negative, got \(std)")
    precondition(lower < upper, "truncatedNormal: need lower < upper, got \(lower), \(upper)")
    let mass = 0.5 * (Double.erf(upper / 2.0.squareRoot()) - Double.erf(lower / 2.0.squareRoot()))
    precondition(
      mass >= 1e-3,
      "truncatedNormal: [\(lower), \(upper)] holds only \(mass) of the probability "
        + "(need ≥ 0.001)"
    )
    func sample(_ i: Int) -> Double {
      var attempt: UInt32 = 0
      while true {
        let b = key.block(UInt64(i), extra: attempt, domain: .truncatedNormal)
        let z = boxMuller(unitDouble(b.x, b.y) + 0x1p-54, unitDouble(b.z, b.w)).0
        if z >= lower && z <= upper { return mean + std * z }
        attempt &+= 1
      }
    }
    switch dtype {
    case .float32: return fillEach(shape, Float.self) { Float(sample($0)) }
    case .float64: return fillEach(shape, Double.self) { sample($0) }
    default: preconditionFailure("truncatedNormal: dtype must be float32 or float64, got \(dtype)")
    }
  }

  /// 1 with probability `probability`, else 0 (`torch.bernoulli` with a scalar probability),
  /// decided by comparing 64 random bits with `probability·2⁶⁴`. Any dtype.
  public static func bernoulli(
    _ shape: [Int], probability: Double = 0.5, dtype: DType = .float32, key: RandomKey
  ) -> Tensor {
    precondition(
      probability >= 0 && probability <= 1,
      "bernoulli: probability must be in [0, 1], got \(probability)")
    let always = probability == 1
    let threshold = always ? UInt64.max : UInt64(probability * 0x1p64)
    func run<T: TensorScalar & SIMDScalar>(_ t: T.Type) -> Tensor {
      fill(shape, T.self, perBlock: 2, key: key) { b, _ in
        let hit0 = always || (UInt64(b.x) << 32 | UInt64(b.y)) < threshold
        let hit1 = always || (UInt64(b.z) << 32 | UInt64(b.w)) < threshold
        return SIMD4(hit0 ? 1 : 0, hit1 ? 1 : 0, 0, 0)
      }
    }
    switch dtype {
    case .float32: return run(Float.self)
    case .float64: return run(Double.self)
    case .int32: return run(Int32.self)
    case .uint8: return run(UInt8.self)
    }
  }

  /// −1 or +1 with probability ½ each (Rademacher), from one random bit per element: the probe
  /// vectors of Hutchinson's trace and diagonal estimators. float32, float64 or int32.
  public static func rademacher(_ shape: [Int], dtype: DType = .float32, key: RandomKey) -> Tensor {
    func run<T: TensorScalar & SIMDScalar>(_ t: T.Type) -> Tensor {
      let (minus, plus) = (T(exactlyOrClamping: -1), T(exactlyOrClamping: 1))
      return fill(shape, T.self, perBlock: 4, key: key) { b, _ in
        SIMD4(
          b.x >> 31 == 0 ? minus : plus, b.y >> 31 == 0 ? minus : plus,
          b.z >> 31 == 0 ? minus : plus, b.w >> 31 == 0 ? minus : plus)
      }
    }
    switch dtype {
    case .float32: return run(Float.self)
    case .float64: return run(Double.self)
    case .int32: return run(Int32.self)
    case .uint8:
      preconditionFailure("rademacher: uint8 cannot hold −1; use float32, float64 or int32")
    }
  }

  /// Integers uniform in `[low, high)`, int32 (`torch.randint`), exactly unbiased: Lemire's
  /// multiply-shift on 32 random bits with rejection ("Fast random integer generation in an
  /// interval", ACM TOMACS 2019); a rejected element redraws from its own blocks.
  public static func randint(_ shape: [Int], low: Int, high: Int, key: RandomKey) -> Tensor {
    precondition(
      low >= Int(Int32.min) && high <= Int(Int32.max) + 1 && low < high,
      "randint: need Int32.min ≤ low < high ≤ Int32.max + 1, got low \(low), high \(high)")
    let range = UInt64(high - low)
    return fill(shape, Int32.self, perBlock: 4, key: key) { b, first in
      var values = SIMD4<Int32>()
      for lane in 0..<4 {
        let draw = boundedDraw(b[lane], range: range, key: key, element: first + lane)
        values[lane] = Int32(truncatingIfNeeded: low + Int(draw))
      }
      return values
    }
  }

  /// A random permutation of `0..<n` (int32, `torch.randperm`), by Fisher–Yates: for `i` from
  /// `n − 1` down to 1, swap entry `i` with an entry `j` drawn unbiased from `0...i` with the
  /// bits of element `i` (as in ``randint(_:low:high:key:)``). O(n), sequential.
  public static func permutation(_ n: Int, key: RandomKey) -> Tensor {
    precondition(
      n >= 0 && n <= Int(Int32.max), "permutation: n must be in 0...Int32.max, got \(n)")
    let out = Tensor.uninitialized(shape: [n], dtype: .int32)
    let p = out.pointer(Int32.self)
    for i in 0..<n { p[i] = Int32(i) }
    var cachedBlockIndex = -1
    var bits = SIMD4<UInt32>()
    var i = n - 1
    while i >= 1 {
      if i / 4 != cachedBlockIndex {
        cachedBlockIndex = i / 4
        bits = key.block(UInt64(cachedBlockIndex))
      }
      let j = Int(boundedDraw(bits[i % 4], range: UInt64(i + 1), key: key, element: i))
      (p[i], p[j]) = (p[j], p[i])
      i -= 1
    }
    return out
  }
}

// MARK: - Overloads drawing the key from a generator

extension Tensor {
  /// ``uniform(_:low:high:dtype:key:)`` with the generator's next key.
  public static func uniform(
    _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
    using generator: inout RandomGenerator
  ) -> Tensor {
    uniform(shape, low: low, high: high, dtype: dtype, key: generator.nextKey())
  }

  /// ``normal(_:mean:std:dtype:key:)`` with the generator's next key.
  public static func normal(
    _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
    using generator: inout RandomGenerator
  ) -> Tensor {
    normal(shape, mean: mean, std: std, dtype: dtype, key: generator.nextKey())
  }

  /// ``truncatedNormal(_:mean:std:lower:upper:dtype:key:)`` with the generator's next key.
  public static func truncatedNormal(
    _ shape: [Int], mean: Double = 0, std: Double = 1, lower: Double = -2, upper: Double = 2,
    dtype: DType = .float32, using generator: inout RandomGenerator
  ) -> Tensor {
    truncatedNormal(
      shape, mean: mean, std: std, lower: lower, upper: upper, dtype: dtype,
      key: generator.nextKey())
  }

  /// ``bernoulli(_:probability:dtype:key:)`` with the generator's next key.
  public static func bernoulli(
    _ shape: [Int], probability: Double = 0.5, dtype: DType = .float32,
    using generator: inout RandomGenerator
  ) -> Tensor {
    bernoulli(shape, probability: probability, dtype: dtype, key: generator.nextKey())
  }

  /// ``rademacher(_:dtype:key:)`` with the generator's next key.
  public static func rademacher(
    _ shape: [Int], dtype: DType = .float32, using generator: inout RandomGenerator
  ) -> Tensor {
    rademacher(shape, dtype: dtype, key: generator.nextKey())
  }

  /// ``randint(_:low:high:key:)`` with the generator's next key.
  public static func randint(
    _ shape: [Int], low: Int, high: Int, using generator: inout RandomGenerator
  ) -> Tensor {
    randint(shape, low: low, high: high, key: generator.nextKey())
  }

  /// ``permutation(_:key:)`` with the generator's next key.
  public static func permutation(_ n: Int, using generator: inout RandomGenerator) -> Tensor {
    permutation(n, key: generator.nextKey())
  }
}

// MARK: - Kernels

extension Tensor {
  /// A tensor whose elements come `perBlock` at a time from consecutive Philox blocks of `key`:
  /// `make(bits, first)` returns the values of elements `first ..< first + perBlock` (in the first
  /// lanes) from block `first / perBlock`.
  fileprivate static func fill<T: TensorScalar & SIMDScalar>(
    _ shape: [Int], _ t: T.Type, perBlock: Int, key: RandomKey,
    _ make: (_ bits: SIMD4<UInt32>, _ first: Int) -> SIMD4<T>
  ) -> Tensor {
    let out = Tensor.uninitialized(shape: shape, dtype: T.dtype)
    let p = out.pointer(T.self)
    parallelChunks(count: out.count, grain: randomGrain, alignment: 16) { range in
      var i = range.lowerBound
      forEachBlockBatch(of: key, covering: range, perBlock: perBlock) { firstBlock, words in
        for (j, bits) in words.enumerated() {
          let first = (firstBlock + j) * perBlock
          let values = make(bits, first)
          let end = Swift.min(range.upperBound, first + perBlock)
          while i < end {
            p[i] = values[i - first]
            i += 1
          }
        }
      }
    }
    return out
  }

  /// Runs `body` on consecutive batches of Philox blocks (of `key`'s data stream) covering the
  /// elements `range` at `perBlock` elements per block: the index of the batch's first block and
  /// its blocks, generated by the vectorized C kernel (`descent_philox4x32_blocks`).
  fileprivate static func forEachBlockBatch(
    of key: RandomKey, covering range: Range<Int>, perBlock: Int,
    _ body: (_ firstBlock: Int, _ words: UnsafeBufferPointer<SIMD4<UInt32>>) -> Void
  ) {
    let batch = philoxBatch
    let philox = key.philoxKey
    withUnsafeTemporaryAllocation(of: SIMD4<UInt32>.self, capacity: batch) { words in
      var block = range.lowerBound / perBlock
      let endBlock = (range.upperBound + perBlock - 1) / perBlock
      while block < endBlock {
        let count = Swift.min(batch, endBlock - block)
        words.baseAddress!.withMemoryRebound(to: UInt32.self, capacity: 4 * count) {
          descent_philox4x32_blocks(
            UInt64(block), count, 0, RandomDomain.data.rawValue, philox.x, philox.y, $0)
        }
        body(block, UnsafeBufferPointer(rebasing: words[0..<count]))
        block += count
      }
    }
  }

  /// Like `fill`, for a C kernel that turns `blocks` Philox blocks (4 words each, block indices
  /// consecutive) into `blocks · perBlock` values; Philox runs in batches of 256 blocks.
  fileprivate static func fillFromBlocks<T: TensorScalar>(
    _ shape: [Int], _ t: T.Type, perBlock: Int, key: RandomKey,
    _ transform: (
      _ words: UnsafePointer<UInt32>, _ blocks: Int, _ out: UnsafeMutablePointer<T>
    ) -> Void
  ) -> Tensor {
    let out = Tensor.uninitialized(shape: shape, dtype: T.dtype)
    let p = out.pointer(T.self)
    parallelChunks(count: out.count, grain: randomGrain, alignment: 16) { range in
      withUnsafeTemporaryAllocation(of: T.self, capacity: philoxBatch * perBlock) { values in
        forEachBlockBatch(of: key, covering: range, perBlock: perBlock) { block, words in
          words.baseAddress!.withMemoryRebound(to: UInt32.self, capacity: 4 * words.count) {
            transform($0, words.count, values.baseAddress!)
          }
          let first = Swift.max(range.lowerBound, block * perBlock)
          let last = Swift.min(range.upperBound, (block + words.count) * perBlock)
          (p + first).update(
            from: values.baseAddress! + (first - block * perBlock), count: last - first)
        }
      }
    }
    return out
  }

  /// A tensor with element `i` equal to `value(i)`, filled in parallel.
  fileprivate static func fillEach<T: TensorScalar>(
    _ shape: [Int], _ t: T.Type, _ value: (Int) -> T
  ) -> Tensor {
    let out = Tensor.uninitialized(shape: shape, dtype: T.dtype)
    let p = out.pointer(T.self)
    parallelChunks(count: out.count, grain: randomGrain / 4, alignment: 16) { range in
      for i in range { p[i] = value(i) }
    }
    return out
  }
}

/// Elements below which a random fill runs on one thread (a Philox block costs ~10 multiplies).
private let randomGrain = 1 << 14
/// Philox blocks generated per call of the C kernel (4 KiB of words: stays in L1).
private let philoxBatch = 256

/// A double in `[0, 1)` on the grid 2⁻⁵³ from the high 53 of the 64 bits `hi:lo`.
@inline(__always)
private func unitDouble(_ hi: UInt32, _ lo: UInt32) -> Double {
  Double((UInt64(hi) << 32 | UInt64(lo)) >> 11) * 0x1p-53
}

/// Box–Muller: two independent standard normals from `u₁ ∈ (0, 1]` and `u₂ ∈ [0, 1)`.
@inline(__always)
private func boxMuller(_ u1: Double, _ u2: Double) -> (Double, Double) {
  let r = (-2 * Double.log(u1)).squareRoot()
  let theta = 2 * Double.pi * u2
  return (r * Double.cos(theta), r * Double.sin(theta))
}

/// An integer uniform in `0..<range` (`1 ≤ range ≤ 2³²`) from `word`, exactly unbiased (Lemire):
/// `⌊word·range / 2³²⌋`, rejecting the `2³² mod range` low products that would bias it; the
/// replacement words of `element` come from its `.retry` blocks.
@inline(__always)
private func boundedDraw(_ word: UInt32, range: UInt64, key: RandomKey, element: Int) -> UInt64 {
  if range == 1 << 32 { return UInt64(word) }
  var product = UInt64(word) * range
  let s = UInt32(truncatingIfNeeded: range)
  if UInt32(truncatingIfNeeded: product) < s {
    let rejectBelow = (0 &- s) % s
    var attempt: UInt32 = 0
    while UInt32(truncatingIfNeeded: product) < rejectBelow {
      product = UInt64(key.block(UInt64(element), extra: attempt, domain: .retry).x) * range
      attempt &+= 1
    }
  }
  return product >> 32
}
