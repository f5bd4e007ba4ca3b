import CDescentKernels
import Descent

extension TensorFloat {
  /// `√self`, correctly rounded like `squareRoot()`, but through the `llvm.sqrt` intrinsic so that
  /// loops containing it vectorize (Swift's `squareRoot()` calls libm on Linux, whose `errno` side
  /// effect blocks vectorization; see CDescentKernels' DescentKernels.h).
  @inline(__always) public var vectorizableSquareRoot: Self {
    if Self.self == Float.self {
      return unsafeBitCast(descent_sqrtf(unsafeBitCast(self, to: Float.self)), to: Self.self)
    }
    if Self.self == Double.self {
      return unsafeBitCast(descent_sqrt(unsafeBitCast(self, to: Double.self)), to: Self.self)
    }
    return squareRoot()
  }
}
