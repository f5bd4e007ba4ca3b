import Descent

/// The sign as `jnp.sign` and `torch.sign` give it, elementwise inside fused kernels: −1, 0 or 1
/// (a zero keeps its sign, NaN stays NaN). Lion, Signum and Yogi use it.
@inline(__always) func signOf<T: TensorFloat>(_ x: T) -> T {
  x > 0 ? 1 : (x < 0 ? -1 : x)
}
