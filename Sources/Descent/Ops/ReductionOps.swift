import RealModule

// Reductions beyond sum and mean. Each derivative rule is written in differentiable ops (or
// multiplies the incoming gradient by a constant where the second derivative is zero almost
// everywhere), so every order is available.

extension Tensor {
  /// The largest element over `axes` (all when `nil`), removing them unless `keepDims`
  /// (PyTorch's `amax`, NumPy's `max`). NaN propagates.
  ///
  /// Derivative: at ties the gradient is split evenly among the maximal elements (PyTorch's
  /// `amax` convention; `torch.max(dim:)` instead sends it all to one index). An empty
  /// reduction has no maximum and stops with a precondition.
  public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    extremum(axes: axes, keepDims: keepDims, largest: true)
  }

  /// The largest element along one axis.
  public func max(axis: Int, keepDims: Bool = false) -> Tensor {
    max(axes: [axis], keepDims: keepDims)
  }

  /// The smallest element over `axes` (all when `nil`); see ``max(axes:keepDims:)`` for the
  /// derivative at ties.
  public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    extremum(axes: axes, keepDims: keepDims, largest: false)
  }

  /// The smallest element along one axis.
  public func min(axis: Int, keepDims: Bool = false) -> Tensor {
    min(axes: [axis], keepDims: keepDims)
  }

  private func extremum(axes: [Int]?, keepDims: Bool, largest: Bool) -> Tensor {
    let name = largest ? "max" : "min"
    let axes = normalizedAxes(axes, rank: rank, name)
    for a in axes {
      precondition(shape[a] > 0, "\(name): empty axis \(a) of \(shape) has no \(name)imum")
    }
    let kept = reducedShape(shape, axes: axes, keepDims: true)
    let reduced =
      largest
      ? reduceAxes(self, axes: axes, MaxReduction.self)
      : reduceAxes(self, axes: axes, MinReduction.self)
    let out = reduced.reshapedStorage(reducedShape(shape, axes: axes, keepDims: keepDims))
    let inputShape = shape
    return record(largest ? "max" : "min", out, inputs: [self], savesOutput: true) { g, y in
      let weights = tieWeights(
        self.detached(), extremum: y.detached().reshapedStorage(kept), axes: axes)
      return [g.reshaped(kept).expanded(to: inputShape) * weights]
    }
  }

  /// The index of the first largest element along `axis` (of the flattened tensor when `nil`),
  /// as `int32`, like PyTorch's `argmax`; a NaN counts as the largest. Not differentiable.
  public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
    argExtremum(axis: axis, keepDims: keepDims, largest: true)
  }

  /// The index of the first smallest element along `axis` (of the flattened tensor when `nil`),
  /// as `int32`; a NaN counts as the smallest. Not differentiable.
  public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
    argExtremum(axis: axis, keepDims: keepDims, largest: false)
  }

  private func argExtremum(axis: Int?, keepDims: Bool, largest: Bool) -> Tensor {
    let name = largest ? "argmax" : "argmin"
    guard let axis else {
      precondition(count > 0, "\(name): empty tensor \(shape) has no \(name)")
      let flat = argExtremeKernel(reshapedStorage([count]), axis: 0, largest: largest)
      return flat.reshapedStorage(keepDims ? Array(repeating: 1, count: rank) : [])
    }
    let a = checkedAxis(axis, rank: Swift.max(rank, 1), name)
    let x = rank == 0 ? reshapedStorage([1]) : self
    precondition(x.shape[a] > 0, "\(name): empty axis \(a) of \(shape)")
    let out = argExtremeKernel(x, axis: a, largest: largest)
    return keepDims
      ? out.reshapedStorage(reducedShape(shape, axes: rank == 0 ? [] : [a], keepDims: true)) : out
  }

  /// The product over `axes` (all when `nil`), removing them unless `keepDims`; 1 for an empty
  /// reduction.
  ///
  /// Derivative: `∂/∂xᵢ ∏ⱼ xⱼ = ∏_{j≠i} xⱼ`, computed from prefix and suffix products, so the
  /// gradient is exact when some elements are zero. The second derivative divides by the
  /// elements and is exact only where none of them is zero.
  public func prod(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    let axes = normalizedAxes(axes, rank: rank, "prod")
    let kept = reducedShape(shape, axes: axes, keepDims: true)
    let out = reduceAxes(self, axes: axes, ProductReduction.self).reshapedStorage(
      reducedShape(shape, axes: axes, keepDims: keepDims))
    let inputShape = shape
    return record("prod", out, inputs: [self]) { g, _ in
      [g.reshaped(kept).expanded(to: inputShape) * self.productOfOthers(axes: axes)]
    }
  }

  /// The product along one axis.
  public func prod(axis: Int, keepDims: Bool = false) -> Tensor {
    prod(axes: [axis], keepDims: keepDims)
  }

  /// The product over `axes` of every element but the one at each position, in the input's shape.
  private func productOfOthers(axes: [Int]) -> Tensor {
    let out = productOfOthersKernel(self, axes: axes)
    return record("productOfOthers", out, inputs: [self], savesOutput: true) { g, others in
      // ∂ othersᵢ/∂xₖ = othersᵢ/xₖ for i ≠ k within a group, 0 for i = k.
      let weighted = g * others
      return [(weighted.sum(axes: axes, keepDims: true) - weighted) / self]
    }
  }

  /// The variance over `axes` (all when `nil`): `Σ(x − mean)² / (N − correction)`, PyTorch's
  /// `var` (default `correction: 1`, the unbiased estimate; `0` gives the population variance).
  /// `N − correction ≤ 0` gives infinity or NaN, as in PyTorch. Differentiable to any order.
  public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    let axes = normalizedAxes(axes, rank: rank, "variance")
    let n = axes.reduce(1) { $0 * shape[$1] }
    let deviation = self - mean(axes: axes, keepDims: true)
    return (deviation * deviation).sum(axes: axes, keepDims: keepDims)
      / Double(Swift.max(n - correction, 0))
  }

  /// The variance along one axis.
  public func variance(axis: Int, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    variance(axes: [axis], correction: correction, keepDims: keepDims)
  }

  /// The standard deviation, `√variance` (PyTorch's `std`, default `correction: 1`).
  /// Derivative: `(x − mean) / ((N − correction)·σ)`, infinite where σ = 0.
  public func standardDeviation(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false)
    -> Tensor
  {
    variance(axes: axes, correction: correction, keepDims: keepDims).reductionSquareRoot()
  }

  /// The standard deviation along one axis.
  public func standardDeviation(axis: Int, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    standardDeviation(axes: [axis], correction: correction, keepDims: keepDims)
  }

  /// `log Σ exp(x)` over `axes` (all when `nil`), computed stably as `m + log Σ exp(x − m)` with
  /// `m` the (detached) maximum; an infinite maximum is replaced by 0 so that `±∞` inputs give
  /// PyTorch's results, and an empty reduction gives `−∞`. Derivative: `softmax(x)`, to any order.
  public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    precondition(dtype.isFloatingPoint, "logSumExp: needs a floating-point tensor, got \(dtype)")
    let axes = normalizedAxes(axes, rank: rank, "logSumExp")
    let kept = reducedShape(shape, axes: axes, keepDims: true)
    let shift = finiteOrZero(reduceAxes(self, axes: axes, MaxReduction.self).reshapedStorage(kept))
    let result = (self - shift).exp().sum(axes: axes, keepDims: true).log() + shift
    return keepDims ? result : result.reshaped(reducedShape(shape, axes: axes, keepDims: false))
  }

  /// `log Σ exp(x)` along one axis.
  public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor {
    logSumExp(axes: [axis], keepDims: keepDims)
  }

  /// The vector `p`-norm over `axes` (all when `nil`): `p = 1` gives `Σ|x|`, `p = 2` gives
  /// `√Σx²`, `p = .infinity` gives `max |x|` (PyTorch's `linalg.vector_norm`).
  ///
  /// Derivatives: L1 `sign(x)` (0 at 0); L2 `x / ‖x‖` (0 where the norm is 0, as in PyTorch);
  /// L∞ `sign(x)` split evenly among the elements of largest magnitude.
  public func norm(p: Double = 2, axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    precondition(dtype.isFloatingPoint, "norm: needs a floating-point tensor, got \(dtype)")
    switch p {
    case 1: return reductionAbsoluteValue().sum(axes: axes, keepDims: keepDims)
    case 2: return euclideanNorm(axes: axes, keepDims: keepDims)
    case .infinity: return reductionAbsoluteValue().max(axes: axes, keepDims: keepDims)
    default: preconditionFailure("norm: p must be 1, 2 or .infinity, got \(p)")
    }
  }

  private func euclideanNorm(axes: [Int]?, keepDims: Bool) -> Tensor {
    let axes = normalizedAxes(axes, rank: rank, "norm")
    let kept = reducedShape(shape, axes: axes, keepDims: true)
    let squares = applyBinary(MultiplyValues.self, self, self, "norm")
    let out = applyFloatUnary(
      SquareRootValue.self, reduceAxes(squares, axes: axes, SumReduction.self), "norm"
    ).reshapedStorage(reducedShape(shape, axes: axes, keepDims: keepDims))
    return record("norm", out, inputs: [self], savesOutput: true) { g, y in
      let norm = y.reshaped(kept)
      // Where the norm is 0 the numerator is 0 too: dividing by 1 there gives PyTorch's 0.
      let safe = norm + zeroIndicator(norm.detached())
      return [g.reshaped(kept) * self / safe]
    }
  }

  /// Running sums along `axis` (PyTorch's `cumsum`): `out[i] = Σ_{j≤i} x[j]`, in index order.
  /// Derivative: the running sum of the gradient from the end.
  public func cumsum(axis: Int) -> Tensor {
    precondition(rank >= 1, "cumsum: rank-0 tensor has no axis")
    return cumulativeSum(axis: checkedAxis(axis, rank: rank, "cumsum"), reverse: false)
  }

  private func cumulativeSum(axis: Int, reverse: Bool) -> Tensor {
    let out = cumulativeSumKernel(self, axis: axis, reverse: reverse)
    return record("cumsum", out, inputs: [self]) { g, _ in
      [g.cumulativeSum(axis: axis, reverse: !reverse)]
    }
  }

  // MARK: Elementwise helpers of the rules above

  /// `√x`. Derivative `1/(2√x)`, from the output.
  func reductionSquareRoot() -> Tensor {
    let out = applyFloatUnary(SquareRootValue.self, self, "sqrt")
    return record("sqrt", out, inputs: [self], savesOutput: true) { g, y in [g / (2 * y)] }
  }

  /// `|x|`. Derivative `sign(x)` (0 at 0), a constant: the second derivative is 0 away from 0.
  func reductionAbsoluteValue() -> Tensor {
    let out = applyFloatUnary(AbsoluteValue.self, self, "abs")
    return record("abs", out, inputs: [self]) { g, _ in
      [g * applyFloatUnary(SignValue.self, self.detached(), "abs")]
    }
  }
}

private enum MultiplyValues: BinaryScalarFunction {
  @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a * b }
}
private enum SquareRootValue: FloatUnaryFunction {
  @inline(__always) static func apply<S: TensorFloat>(_ x: S) -> S { x.squareRoot() }
}
private enum AbsoluteValue: FloatUnaryFunction {
  @inline(__always) static func apply<S: TensorFloat>(_ x: S) -> S { Swift.abs(x) }
}
private enum SignValue: FloatUnaryFunction {
  @inline(__always) static func apply<S: TensorFloat>(_ x: S) -> S { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

/// 1 where `x` is 0, else 0 (a constant, not recorded).
private func zeroIndicator(_ x: Tensor) -> Tensor {
  switch x.dtype {
  case .float32: mapElements(x, Float.self, to: Float.self) { $0 == 0 ? 1 : 0 }
  case .float64: mapElements(x, Double.self, to: Double.self) { $0 == 0 ? 1 : 0 }
  default: preconditionFailure("norm: needs a floating-point tensor, got \(x.dtype)")
  }
}

/// `x` with infinities (and NaN) replaced by 0: the shift of a stable log-sum-exp.
private func finiteOrZero(_ x: Tensor) -> Tensor {
  switch x.dtype {
  case .float32: mapElements(x, Float.self, to: Float.self) { $0.isFinite ? $0 : 0 }
  case .float64: mapElements(x, Double.self, to: Double.self) { $0.isFinite ? $0 : 0 }
  default: preconditionFailure("logSumExp: needs a floating-point tensor, got \(x.dtype)")
  }
}

/// For a max/min reduction: 1/(number of ties) at each element equal to its group's extremum,
/// 0 elsewhere, in the shape of `x`. `extremum` has the reduced shape with kept dimensions.
private func tieWeights(_ x: Tensor, extremum: Tensor, axes: [Int]) -> Tensor {
  func run<S: TensorScalar>(_ type: S.Type) -> Tensor {
    let mask = zipElements(x, extremum, S.self, to: S.self) { $0 == $1 ? 1 : 0 }
    let ties = reduceAxes(mask, axes: axes, SumReduction.self).reshapedStorage(extremum.shape)
    return zipElements(mask, ties, S.self, to: S.self) { m, n in n == 0 ? 0 : m / n }
  }
  switch x.dtype {
  case .float32: return run(Float.self)
  case .float64: return run(Double.self)
  case .int32: return run(Int32.self)
  case .uint8: return run(UInt8.self)
  }
}

/// For each element, the product of the other elements of its group over `axes`: the reduced
/// axes are moved last, each row gets prefix·suffix products, and the layout is restored.
private func productOfOthersKernel(_ x: Tensor, axes: [Int]) -> Tensor {
  let rest = (0..<x.rank).filter { !axes.contains($0) }
  let permutation = rest + axes
  let identity = permutation == Array(0..<x.rank)
  let moved = identity || x.count == 0 ? x : permuteKernel(x, permutation)
  let n = axes.reduce(1) { $0 * x.shape[$1] }
  let rows = n == 0 ? 0 : x.count / n
  let out = Tensor.uninitialized(shape: moved.shape, dtype: x.dtype)
  func run<S: TensorScalar>(_ type: S.Type) {
    let src = moved.pointer(S.self)
    let dst = out.pointer(S.self)
    parallelChunks(count: rows, grain: Swift.max(1, (1 << 15) / Swift.max(n, 1)), alignment: 1) {
      range in
      for r in range {
        let s = src + r * n
        let d = dst + r * n
        var prefix: S = 1
        for j in 0..<n {
          d[j] = prefix
          prefix *= s[j]
        }
        var suffix: S = 1
        for j in stride(from: n - 1, through: 0, by: -1) {
          d[j] *= suffix
          suffix *= s[j]
        }
      }
    }
  }
  switch x.dtype {
  case .float32: run(Float.self)
  case .float64: run(Double.self)
  case .int32: run(Int32.self)
  case .uint8: run(UInt8.self)
  }
  if identity || x.count == 0 { return out }
  var inverse = [Int](repeating: 0, count: x.rank)
  for (i, p) in permutation.enumerated() { inverse[p] = i }
  return permuteKernel(out, inverse)
}
