extension Tensor {
  /// `exp(xᵢ) / Σⱼ exp(xⱼ)` along `axis` (default the last), computed stably by subtracting the
  /// maximum first. Derivative: `y ⊙ (g − Σ g ⊙ y)`, written in differentiable ops on the output
  /// `y`, so higher orders are exact.
  public func softmax(axis: Int = -1) -> Tensor {
    precondition(rank >= 1, "softmax: rank-0 tensor has no axis")
    let a = checkedAxis(axis, rank: rank, "softmax")
    let out = softmaxKernel(self, axis: a, log: false)
    return record("softmax", out, inputs: [self], savesOutput: true) { g, y in
      [y * (g - (g * y).sum(axes: [a], keepDims: true))]
    }
  }

  /// `xᵢ − log Σⱼ exp(xⱼ)` along `axis` (default the last), stable (max-shifted, never forming
  /// `log(softmax)`). Derivative: `g − exp(y) ⊙ Σ g`, in differentiable ops on the output `y`.
  public func logSoftmax(axis: Int = -1) -> Tensor {
    precondition(rank >= 1, "logSoftmax: rank-0 tensor has no axis")
    let a = checkedAxis(axis, rank: rank, "logSoftmax")
    let out = softmaxKernel(self, axis: a, log: true)
    return record("logSoftmax", out, inputs: [self], savesOutput: true) { g, y in
      [g - y.exp() * g.sum(axes: [a], keepDims: true)]
    }
  }
}
