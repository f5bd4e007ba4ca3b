import CDescentKernels
import Descent

extension TensorFloat {
  /// `eˣ` in a form that vectorizes inside a fused loop: for float32 the branch-free polynomial of
  /// CDescentKernels (within 2 ulp, the same as `Tensor.exp()`), for float64 the C library's `exp`,
  /// so float64 trajectories match PyTorch's.
  @inline(__always) public static func vectorizableExp(_ x: Self) -> Self {
    if Self.self == Float.self {
      return unsafeBitCast(descent_exp_scalar(unsafeBitCast(x, to: Float.self)), to: Self.self)
    }
    return .exp(x)
  }
}
