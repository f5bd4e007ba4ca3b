import CDescentKernels
import Descent

extension DiffGrad.Kernel {
  /// One diffGrad step of a float32 parameter whose m (`quantized[0]`, signed map), v
  /// (`quantized[1]`, unsigned map) and previous gradient (`quantized[2]`, signed map) are 8-bit:
  /// bound to its buffers: the returned closure runs the C kernel, which dequantizes, updates (as
  /// the 32-bit kernel does) and requantizes each block of a range of blocks in one pass.
  func bind8bit(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) -> (Range<Int>) -> Void {
    precondition(
      quantized.count == 3, "diffgrad: 8-bit state needs m, v and g_prev, got \(quantized.count)")
    let blockSize = quantized[0].blockSize
    precondition(
      quantized.allSatisfy { $0.blockSize == blockSize && $0.count == count }
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "diffgrad: 8-bit state of \(quantized.map(\.count)) values in blocks of \(quantized.map(\.blockSize)), parameter \(count)"
    )
    let mState = quantized[0].retainedKernelState()
    let vState = quantized[1].retainedKernelState()
    let previousState = quantized[2].retainedKernelState()
    let (b1, w1, b2, w2) = (Float(beta1), Float(1 - beta1), Float(beta2), Float(1 - beta2))
    let (eps, negStep, wd) = (Float(epsilon), Float(-stepSize), Float(weightDecay))
    let (decay, isMaximizing) = (Int32(weightDecay != 0 ? 1 : 0), Int32(maximize ? 1 : 0))
    return { r in
      descent_diffgrad8bit_step_f32(
        parameter, gradient, mState, vState, previousState, count, blockSize, r.lowerBound,
        r.upperBound, b1, w1, b2, w2, eps, negStep, decay, wd, isMaximizing)
    }
  }
}
