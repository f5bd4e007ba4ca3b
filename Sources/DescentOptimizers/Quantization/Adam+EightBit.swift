import CDescentKernels
import Descent

extension Adam.Kernel {
  /// One Adam step of a float32 parameter whose m (`quantized[0]`, signed map) and v
  /// (`quantized[1]`, unsigned map) are 8-bit, bound to its buffers: the returned closure runs
  /// the C kernel, which dequantizes, updates and requantizes each block of a range of blocks in
  /// one pass (``fusedStepWithQuantizedState`` spreads the ranges over the threads). m is updated
  /// as m + (1 − β1)(g − m) for every β1 (the 32-bit path switches to torch's other lerp form when 1 − β1 ≥ 0.5).
  func bind8bit(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) -> (Range<Int>) -> Void {
    precondition(quantized.count == 2, "adam: 8-bit state needs m and v, got \(quantized.count)")
    let blockSize = quantized[0].blockSize
    precondition(
      quantized.allSatisfy { $0.blockSize == blockSize && $0.count == count }
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "adam: 8-bit state of \(quantized.map(\.count)) values in blocks of \(quantized.map(\.blockSize)), parameter \(count)"
    )
    let coupled = weightDecay != 0 && !decoupled
    let decay = Float(decoupled ? 1 - learningRate * weightDecay : 1)
    let mState = quantized[0].retainedKernelState()
    let vState = quantized[1].retainedKernelState()
    let (w1, b2, w2) = (Float(1 - beta1), Float(beta2), Float(1 - beta2))
    let (bc2, eps, negStep) = (Float(biasCorrection2Sqrt), Float(epsilon), Float(-stepSize))
    let (wd, isCoupled, isMaximizing) = (
      Float(weightDecay), Int32(coupled ? 1 : 0), Int32(maximize ? 1 : 0)
    )
    return { r in
      descent_adam8bit_step_f32(
        parameter, gradient, mState, vState, count, blockSize, r.lowerBound, r.upperBound, w1,
        b2, w2, bc2, eps, negStep, decay, isCoupled, wd, isMaximizing)
    }
  }
}
