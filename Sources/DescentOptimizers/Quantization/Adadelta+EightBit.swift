import CDescentKernels
import Descent

extension Adadelta.Kernel {
  /// One AdaDelta step of a float32 parameter whose v (`quantized[0]`) and u (`quantized[1]`),
  /// both with the unsigned map, are 8-bit, bound to its buffers: the returned closure runs the C
  /// kernel, which dequantizes, updates (as the 32-bit kernel does) and requantizes each block of
  /// a range of blocks in one pass.
  func bind8bit(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) -> (Range<Int>) -> Void {
    precondition(
      quantized.count == 2, "adadelta: 8-bit state needs v and u, got \(quantized.count)")
    let blockSize = quantized[0].blockSize
    precondition(
      quantized.allSatisfy { $0.blockSize == blockSize && $0.count == count }
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "adadelta: 8-bit state of \(quantized.map(\.count)) values in blocks of \(quantized.map(\.blockSize)), parameter \(count)"
    )
    let vState = quantized[0].retainedKernelState()
    let uState = quantized[1].retainedKernelState()
    let (rho, keep, eps, negLR) = (Float(rho), Float(1 - rho), Float(epsilon), Float(-learningRate))
    let (decay, wd, isMaximizing) = (
      Int32(weightDecay != 0 ? 1 : 0), Float(weightDecay), Int32(maximize ? 1 : 0)
    )
    return { r in
      descent_adadelta8bit_step_f32(
        parameter, gradient, vState, uState, count, blockSize, r.lowerBound, r.upperBound, rho,
        keep, eps, negLR, decay, wd, isMaximizing)
    }
  }
}
