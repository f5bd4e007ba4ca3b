import CDescentKernels
import Descent

extension Adadelta.Kernel {
  /// One AdaDelta step of a float32 parameter whose v (`quantized[0]`) and u (`quantized[1]`),
  /// both with the unsigned map, are 8-bit: the C kernel dequantizes, updates (as the 32-bit
  /// kernel does) and requantizes each block in one pass, in parallel over blocks.
  func run8bit(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) {
    precondition(
      quantized.count == 2, "adadelta: 8-bit state needs v and u, got \(quantized.count)")
    var v = quantized[0]
    var u = quantized[1]
    let blockSize = v.blockSize
    precondition(
      u.blockSize == blockSize && v.count == count && u.count == count
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "adadelta: 8-bit state of \(v.count) and \(u.count) values in blocks of \(v.blockSize) and \(u.blockSize), parameter \(count)"
    )
    quantized = []
    v.withKernelState { vState in
      u.withKernelState { uState in
        let blocks = (count + blockSize - 1) / blockSize
        QuantizedTensor.forEachBlockRange(blocks: blocks, blockSize: blockSize) { r in
          descent_adadelta8bit_step_f32(
            parameter, gradient, vState, uState, count, blockSize, r.lowerBound, r.upperBound,
            Float(rho), Float(1 - rho), Float(epsilon), Float(-learningRate),
            weightDecay != 0 ? 1 : 0, Float(weightDecay), maximize ? 1 : 0)
        }
      }
    }
    quantized = [v, u]
  }
}
