import CDescentKernels
import Descent

/// A float32 tensor stored as 8-bit codes with one float32 scale per block of `blockSize` values
/// (block-wise dynamic quantization, Dettmers et al., "8-bit Optimizers via Block-wise
/// Quantization", ICLR 2022, arXiv:2110.02861).
///
/// ```
/// blocks:      the flattened tensor in contiguous runs of B values; the last run may be shorter
/// absmax[b]  = max |x| over block b
/// codes[i]   = the map entry nearest to x[i] / max(absmax[b], 1e-38)   (ties to the lower entry)
/// x̂[i]       = map[codes[i]] · absmax[b]
/// ```
///
/// Semantics and rounding are those of bitsandbytes' reference kernel (`quantize_blockwise` in
/// `backends/default/ops.py`, 0.50.2): a full block is scaled by `x · (1/absmax)`, the partial last
/// block by `x / absmax`. bitsandbytes' native CPU kernel walks a binary tree that sometimes misses
/// the nearest code for small values; Descent always takes the nearest.
///
/// Memory: one byte per value plus four bytes per block (1.016 B/value at B = 256). Work is split
/// over threads by blocks; each block's result depends only on the block, so the output does not
/// depend on the thread count.
public struct QuantizedTensor: Codable, Sendable, Equatable {
  /// The codes, uint8, shaped like the original tensor.
  public private(set) var codes: Tensor
  /// One float32 scale per block, shape `[blockCount]`.
  public private(set) var absmax: Tensor
  public let mapKind: QuantizationMapKind
  public let blockSize: Int

  /// Block sizes the 8-bit optimizer steps accept: powers of two from 16 to 4096. (Quantizing a
  /// tensor alone takes any positive block size; `count` gives tensor-wise quantization.)
  public static func isValidOptimizerBlockSize(_ blockSize: Int) -> Bool {
    blockSize >= 16 && blockSize <= 4096 && blockSize & (blockSize - 1) == 0
  }

  /// Quantizes a float32 tensor in blocks of `blockSize` values.
  public init(_ x: Tensor, map: QuantizationMapKind, blockSize: Int = 256) {
    precondition(
      x.dtype == .float32, "QuantizedTensor: only float32 tensors are quantized, got \(x.dtype)")
    precondition(blockSize >= 1, "QuantizedTensor: blockSize must be positive, got \(blockSize)")
    self.mapKind = map
    self.blockSize = blockSize
    let n = x.count
    let blocks = (n + blockSize - 1) / blockSize
    var codes = Tensor.zeros(x.shape, dtype: .uint8)
    var absmax = Tensor.zeros([blocks], dtype: .float32)
    let m = map.map
    x.withUnsafeBufferPointer(as: Float.self) { xs in
      codes.withUnsafeMutableBufferPointer(as: UInt8.self) { q in
        absmax.withUnsafeMutableBufferPointer(as: Float.self) { a in
          m.nearest.withUnsafeBufferPointer { nearest in
            let (xp, qp, ap, np) = (
              xs.baseAddress, q.baseAddress, a.baseAddress, nearest.baseAddress
            )
            Self.forEachBlockRange(blocks: blocks, blockSize: blockSize) { r in
              descent_quantize_blockwise_f32(
                xp, qp, ap, n, blockSize, r.lowerBound, r.upperBound, np)
            }
          }
        }
      }
    }
    self.codes = codes
    self.absmax = absmax
  }

  /// Zero state: every code is the map's zero entry and every absmax 0 (so x̂ = 0 whatever the map).
  public static func zeros(shape: [Int], map: QuantizationMapKind, blockSize: Int = 256)
    -> QuantizedTensor
  {
    QuantizedTensor(Tensor.zeros(shape, dtype: .float32), map: map, blockSize: blockSize)
  }

  public var shape: [Int] { codes.shape }
  public var count: Int { codes.count }
  public var blockCount: Int { absmax.count }
  /// Storage in bytes: one per code plus four per block.
  public var byteCount: Int { codes.count + 4 * absmax.count }

  /// The float32 tensor `map[code] · absmax`.
  public func dequantized() -> Tensor {
    var out = Tensor.zeros(shape, dtype: .float32)
    let n = count
    let blockSize = blockSize
    let values = mapKind.map.values
    codes.withUnsafeBufferPointer(as: UInt8.self) { q in
      absmax.withUnsafeBufferPointer(as: Float.self) { a in
        out.withUnsafeMutableBufferPointer(as: Float.self) { o in
          values.withUnsafeBufferPointer { v in
            let (qp, ap, op, vp) = (q.baseAddress, a.baseAddress, o.baseAddress, v.baseAddress)
            Self.forEachBlockRange(blocks: blockCount, blockSize: blockSize) { r in
              descent_dequantize_blockwise_f32(
                qp, ap, op, n, blockSize, r.lowerBound, r.upperBound, vp)
            }
          }
        }
      }
    }
    return out
  }

  /// Turns the AVX-512 path of the 8-bit optimizer steps off or back on (it runs by default on
  /// x86-64-v4 CPUs). Both paths give bit-identical results; tests use this to compare them.
  static func setVectorizedStepsEnabled(_ enabled: Bool) {
    descent_q8_set_avx512_enabled(enabled ? 1 : 0)
  }

  /// Runs `body` on ranges of block indices, in parallel for large tensors (about 64 Ki values
  /// per range at least).
  static func forEachBlockRange(blocks: Int, blockSize: Int, _ body: (Range<Int>) -> Void) {
    Parallelism.forEachChunk(
      count: blocks, grain: blocksPerWorkItem(blockSize: blockSize), body)
  }

  /// Pointers to this tensor's buffers (made unique first) and its map's tables for C kernels
  /// that run after this call: valid while this value is kept alive and not mutated or copied in
  /// the meantime (the caller keeps it, as ``fusedStepWithQuantizedState`` does). The maps are
  /// static, so their tables live as long as the process.
  mutating func retainedKernelState() -> descent_quantized_state {
    let m = mapKind.map
    let q = codes.withUnsafeMutableBufferPointer(as: UInt8.self) { $0.baseAddress }
    let a = absmax.withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress }
    let v = m.values.withUnsafeBufferPointer { $0.baseAddress }
    let nearest = m.nearest.withUnsafeBufferPointer { $0.baseAddress }
    return descent_quantized_state(codes: q, absmax: a, map: v, nearest: nearest)
  }

  /// Values per parallel work item of the 8-bit steps: about 64 Ki values.
  static func blocksPerWorkItem(blockSize: Int) -> Int { max(1, (1 << 16) / blockSize) }

  public static func == (lhs: QuantizedTensor, rhs: QuantizedTensor) -> Bool {
    lhs.mapKind == rhs.mapKind && lhs.blockSize == rhs.blockSize && lhs.shape == rhs.shape
      && lhs.codes.bytes == rhs.codes.bytes && lhs.absmax.bytes == rhs.absmax.bytes
  }
}
