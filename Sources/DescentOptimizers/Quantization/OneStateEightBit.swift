import CDescentKernels
import Descent

/// The 8-bit step of an optimizer with one state buffer (SGD momentum, Adagrad, RMSprop), bound to
/// a parameter's buffers: the returned closure runs the C kernel, which dequantizes, updates and
/// requantizes each block of a range of blocks in one pass.
struct OneStateEightBitStep {
  let kind: Int32
  let negLR, mu, keep, eps: Float
  let firstStep, nesterov, maximize: Bool
  let weightDecay: Double

  func bind(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) -> (Range<Int>) -> Void {
    precondition(
      quantized.count == 1, "8-bit step: one state buffer expected, got \(quantized.count)")
    let blockSize = quantized[0].blockSize
    precondition(
      quantized[0].count == count && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "8-bit step: state of \(quantized[0].count) values in blocks of \(blockSize), parameter \(count)"
    )
    let decay: Int32 = weightDecay != 0 ? 1 : 0
    let state = quantized[0].retainedKernelState()
    let (first, isNesterov, isMaximizing) = (
      Int32(firstStep ? 1 : 0), Int32(nesterov ? 1 : 0), Int32(maximize ? 1 : 0)
    )
    let (kind, negLR, mu, keep, eps, wd) = (kind, negLR, mu, keep, eps, Float(weightDecay))
    return { r in
      descent_one_state8bit_step_f32(
        kind, parameter, gradient, state, count, blockSize, r.lowerBound, r.upperBound, negLR, mu,
        keep, eps, first, isNesterov, decay, wd, isMaximizing)
    }
  }
}
