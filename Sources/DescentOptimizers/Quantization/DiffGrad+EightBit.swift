import CDescentKernels
import Descent

extension DiffGrad.Kernel {
  /// One diffGrad step of a float32 parameter whose m (`quantized[0]`, signed map), v
  /// (`quantized[1]`, unsigned map) and previous gradient (`quantized[2]`, signed map) are 8-bit:
  /// the C kernel dequantizes, updates (as the 32-bit kernel does) and requantizes each block in
  /// one pass, in parallel over blocks.
  func run8bit(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) {
    precondition(
      quantized.count == 3, "diffgrad: 8-bit state needs m, v and g_prev, got \(quantized.count)")
    var m = quantized[0]
    var v = quantized[1]
    var previous = quantized[2]
    let blockSize = m.blockSize
    precondition(
      quantized.allSatisfy { $0.blockSize == blockSize && $0.count == count }
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "diffgrad: 8-bit state of \(quantized.map(\.count)) values in blocks of \(quantized.map(\.blockSize)), parameter \(count)"
    )
    quantized = []
    m.withKernelState { mState in
      v.withKernelState { vState in
        previous.withKernelState { previousState in
          let blocks = (count + blockSize - 1) / blockSize
          QuantizedTensor.forEachBlockRange(blocks: blocks, blockSize: blockSize) { r in
            descent_diffgrad8bit_step_f32(
              parameter, gradient, mState, vState, previousState, count, blockSize,
              r.lowerBound, r.upperBound, Float(beta1), Float(1 - beta1), Float(beta2),
              Float(1 - beta2), Float(epsilon), Float(-stepSize), weightDecay != 0 ? 1 : 0,
              Float(weightDecay), maximize ? 1 : 0)
          }
        }
      }
    }
    quantized = [m, v, previous]
  }
}
