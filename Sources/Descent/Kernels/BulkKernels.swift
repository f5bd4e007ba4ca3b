import CDescentKernels

/// A vectorized C kernel mapping `n` floats to `n` floats (see CDescentKernels).
typealias BulkFloatKernel = @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void

/// Runs a vectorized float32 kernel over `x` in parallel chunks.
func runBulkFloat(_ x: Tensor, _ kernel: BulkFloatKernel) -> Tensor {
  precondition(x.dtype == .float32, "runBulkFloat: float32 only, got \(x.dtype)")
  let out = Tensor.uninitialized(shape: x.shape, dtype: .float32)
  let src = x.pointer(Float.self)
  let dst = out.pointer(Float.self)
  parallelChunks(count: x.count, grain: 1 << 14) { range in
    kernel(src + range.lowerBound, dst + range.lowerBound, range.count)
  }
  return out
}

/// The float32 vectorized kernels Descent uses for its elementwise functions.
enum VectorizedKernels {
  static let exp: BulkFloatKernel = descent_exp_f32
  static let log: BulkFloatKernel = descent_log_f32
  static let tanh: BulkFloatKernel = descent_tanh_f32
  static let sigmoid: BulkFloatKernel = descent_sigmoid_f32
  static let gelu: BulkFloatKernel = descent_gelu_f32
  static let geluDerivative: BulkFloatKernel = descent_gelu_derivative_f32
}
