import CDescentKernels
import Descent

extension Adam.Kernel {
  /// One Adam step of a float32 parameter whose m (`quantized[0]`, signed map) and v
  /// (`quantized[1]`, unsigned map) are 8-bit: the C kernel dequantizes, updates and requantizes
  /// each block in one pass, in parallel over blocks. m is updated as m + (1 − β1)(g − m) for
  /// every β1 (the 32-bit path switches to torch's other lerp form when 1 − β1 ≥ 0.5).
  func run8bit(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) {
    precondition(quantized.count == 2, "adam: 8-bit state needs m and v, got \(quantized.count)")
    var m = quantized[0]
    var v = quantized[1]
    let blockSize = m.blockSize
    precondition(
      v.blockSize == blockSize && m.count == count && v.count == count
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "adam: 8-bit state of \(m.count) and \(v.count) values in blocks of \(m.blockSize) and \(v.blockSize), parameter \(count)"
    )
    quantized = []
    let coupled = weightDecay != 0 && !decoupled
    let decay = Float(decoupled ? 1 - learningRate * weightDecay : 1)
    m.withKernelState { mState in
      v.withKernelState { vState in
        let blocks = (count + blockSize - 1) / blockSize
        QuantizedTensor.forEachBlockRange(blocks: blocks, blockSize: blockSize) { r in
          descent_adam8bit_step_f32(
            parameter, gradient, mState, vState, count, blockSize, r.lowerBound, r.upperBound,
            Float(1 - beta1), Float(beta2), Float(1 - beta2), Float(biasCorrection2Sqrt),
            Float(epsilon), Float(-stepSize), decay, coupled ? 1 : 0, Float(weightDecay),
            maximize ? 1 : 0)
        }
      }
    }
    quantized = [m, v]
  }
}
