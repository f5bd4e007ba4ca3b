import CDescentKernels
import Descent

/// The 8-bit step of an optimizer with one state buffer (SGD momentum, Adagrad, RMSprop): the C
/// kernel dequantizes, updates and requantizes each block in one pass, in parallel over blocks.
struct OneStateEightBitStep {
  let kind: Int32
  let negLR, mu, keep, eps: Float
  let firstStep, nesterov, maximize: Bool
  let weightDecay: Double

  func run(
    _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, _ count: Int,
    _ quantized: inout [QuantizedTensor]
  ) {
    precondition(
      quantized.count == 1, "8-bit step: one state buffer expected, got \(quantized.count)")
    var s = quantized[0]
    quantized = []
    let blockSize = s.blockSize
    precondition(
      s.count == count && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "8-bit step: state of \(s.count) values in blocks of \(blockSize), parameter \(count)")
    let decay: Int32 = weightDecay != 0 ? 1 : 0
    s.withKernelState { state in
      let blocks = (count + blockSize - 1) / blockSize
      QuantizedTensor.forEachBlockRange(blocks: blocks, blockSize: blockSize) { r in
        descent_one_state8bit_step_f32(
          kind, parameter, gradient, state, count, blockSize, r.lowerBound, r.upperBound, negLR,
          mu, keep, eps, firstStep ? 1 : 0, nesterov ? 1 : 0, decay, Float(weightDecay),
          maximize ? 1 : 0)
      }
    }
    quantized = [s]
  }
}
