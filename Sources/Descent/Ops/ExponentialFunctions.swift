import RealModule

enum ExpFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .exp(x) }
}
enum LogFunction: FloatUnaryFunction {
  @inline(__always) static func apply<T: TensorFloat>(_ x: T) -> T { .log(x) }
}

extension Tensor {
  /// `eˣ` elementwise. Derivative: `eˣ`, taken from the output.
  public func exp() -> Tensor {
    let out = applyFloatUnary(ExpFunction.self, self, "exp")
    return record("exp", out, inputs: [self], savesOutput: true) { g, y in [g * y] }
  }

  /// The natural logarithm elementwise. Derivative: `1/x`.
  public func log() -> Tensor {
    let out = applyFloatUnary(LogFunction.self, self, "log")
    return record("log", out, inputs: [self]) { g, _ in [g / self] }
  }
}
