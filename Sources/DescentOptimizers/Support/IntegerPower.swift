/// `base` raised to a whole power `n ≥ 0` by binary exponentiation, low bit first
/// (`acc ← acc · x` for each set bit, `x ← x · x` between bits).
///
/// This is how JAX evaluates `decay ** count` for an integer `count` (Optax's bias corrections
/// `1 − βᵗ`, which differ from libm's `pow` in the last bits for about two in three exponents up
/// to 100), so the Optax-referenced optimizers use it to follow Optax's rounding; and
/// ``ExponentialDecay`` uses it so that its values agree with PyTorch's repeated multiplication
/// to the last bits rather than through `pow`.
@inline(__always)
func integerPower(_ base: Double, _ n: Int) -> Double {
  var (result, x, k) = (1.0, base, n)
  while k > 0 {
    if k & 1 == 1 { result *= x }
    x *= x
    k >>= 1
  }
  return result
}
