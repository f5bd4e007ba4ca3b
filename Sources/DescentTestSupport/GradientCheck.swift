import Descent

/// Checks reverse-mode gradients against central finite differences in float64.
///
/// For each input `xᵢ` and each of its elements, the derivative of `⟨f(x), w⟩` (with a fixed
/// random weighting `w`, so that every output element matters) is estimated as
/// `(F(x + h eⱼ) − F(x − h eⱼ)) / 2h` and compared with the autodiff gradient. Inputs must be
/// float64. Returns a description of the first disagreement, or `nil`.
public func gradientCheckFailure(
  _ inputs: [Tensor], step h: Double = 1e-6, relativeTolerance: Double = 1e-5,
  absoluteTolerance: Double = 1e-7, seed: UInt64 = 1, _ f: @escaping ([Tensor]) -> Tensor
) -> String? {
  for x in inputs {
    precondition(x.dtype == .float64, "gradientCheck: inputs must be float64, got \(x.dtype)")
  }
  let probe = withoutGradients { f(inputs) }
  let weights = Tensor(testRandomValues(count: probe.count, seed: seed), shape: probe.shape, dtype: .float64)
  let scalarized: ([Tensor]) -> Tensor = { xs in (f(xs) * weights).sum() }
  let analytic = grad(of: scalarized, at: inputs)
  for (index, x) in inputs.enumerated() {
    var values = x.doubles
    var numeric = [Double](repeating: 0, count: values.count)
    for j in 0..<values.count {
      let original = values[j]
      values[j] = original + h
      var plusInputs = inputs
      plusInputs[index] = Tensor(values, shape: x.shape, dtype: .float64)
      let plus = withoutGradients { scalarized(plusInputs) }.item
      values[j] = original - h
      plusInputs[index] = Tensor(values, shape: x.shape, dtype: .float64)
      let minus = withoutGradients { scalarized(plusInputs) }.item
      values[j] = original
      numeric[j] = (plus - minus) / (2 * h)
    }
    if let problem = mismatch(
      analytic[index].doubles, numeric, relativeTolerance: relativeTolerance,
      absoluteTolerance: absoluteTolerance)
    {
      return "input \(index) \(x.shape): autodiff vs finite differences: \(problem)"
    }
  }
  return nil
}

/// Checks second derivatives: the gradient of `g(x) = ⟨∇ₓ⟨f(x), w⟩, u⟩` (a Hessian-vector
/// product, computed by differentiating the autodiff gradient) against central differences of
/// `g`. Catches derivative rules that are right at first order but not themselves differentiable.
public func secondOrderCheckFailure(
  _ inputs: [Tensor], step h: Double = 1e-5, relativeTolerance: Double = 1e-4,
  absoluteTolerance: Double = 1e-6, seed: UInt64 = 2, _ f: @escaping ([Tensor]) -> Tensor
) -> String? {
  let probe = withoutGradients { f(inputs) }
  let weights = Tensor(testRandomValues(count: probe.count, seed: seed), shape: probe.shape, dtype: .float64)
  let directions = inputs.enumerated().map { i, x in
    Tensor(testRandomValues(count: x.count, seed: seed &+ UInt64(i) &+ 100), shape: x.shape, dtype: .float64)
  }
  let directional: ([Tensor]) -> Tensor = { xs in
    let gradients = grad(of: { (f($0) * weights).sum() }, at: xs)
    var total = (gradients[0] * directions[0]).sum()
    for i in 1..<max(gradients.count, 1) where i < gradients.count {
      total = total + (gradients[i] * directions[i]).sum()
    }
    return total
  }
  return gradientCheckFailure(
    inputs, step: h, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
    seed: seed, { xs in directional(xs) })
}

/// Deterministic values in [-1, 1) from a SplitMix64 stream, for test inputs and weightings.
public func testRandomValues(count: Int, seed: UInt64, range: ClosedRange<Double> = -1...1) -> [Double] {
  var state = seed
  return (0..<count).map { _ in
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    let unit = Double(z >> 11) / Double(1 << 53)
    return range.lowerBound + unit * (range.upperBound - range.lowerBound)
  }
}

/// A float64 tensor of deterministic test values in `range`.
public func testTensor(_ shape: [Int], seed: UInt64, range: ClosedRange<Double> = -1...1) -> Tensor {
  let count = shape.reduce(1, *)
  return Tensor(testRandomValues(count: count, seed: seed, range: range), shape: shape, dtype: .float64)
}
