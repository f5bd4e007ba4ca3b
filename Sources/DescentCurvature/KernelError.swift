/// A bad argument to a kernel computation (``ReLUNeuralTangentKernel``): the message names the
/// value, where it was given and what is valid.
public enum KernelError: Error, Equatable, CustomStringConvertible {
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message): message
    }
  }
}
