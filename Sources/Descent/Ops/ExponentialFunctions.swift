import RealModule

enum ExpFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .exp(x) }
}
enum LogFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .log(x) }
}

extension Tensor {
  /// `eˣ` elementwise. Derivative: `eˣ`, taken from the output.
  ///
  /// float32 uses a vectorized polynomial within 2 ulp (CDescentKernels); float64 the C library.
  public func exp() -> Tensor {
    let out =
      dtype == .float32
      ? runBulkFloat(self, VectorizedKernels.exp) : applyFloatUnary(ExpFunction.self, self, "exp")
    return record("exp", out, inputs: [self], savesOutput: true) { g, y in [g * y] }
  }

  /// The natural logarithm elementwise. Derivative: `1/x`.
  ///
  /// float32 uses a vectorized polynomial within 2 ulp (CDescentKernels); float64 the C library.
  public func log() -> Tensor {
    let out =
      dtype == .float32
      ? runBulkFloat(self, VectorizedKernels.log) : applyFloatUnary(LogFunction.self, self, "log")
    return record("log", out, inputs: [self]) { g, _ in [g / self] }
  }
}
