// Cross-entropy from logits fused with log-softmax.

extension Tensor {
  /// The per-target cross-entropy `−log softmax(x)[label] = logΣⱼ exp(xⱼ) − x[label]` along the
  /// last axis (classes last), one fused pass per row: max-shifted log-sum-exp (as
  /// ``logSoftmax(axis:)``), never forming the `[…, C]` log-probabilities. `labels` is `int32`
  /// with this tensor's shape minus the class axis, values in `0..<C`. The result has the labels'
  /// shape.
  ///
  /// Derivative: `g · (softmax(x) − onehot(label))` per row, from the saved shift and log-sum-exp; when the
  /// backward pass is itself recorded (higher orders) it is that of
  /// ``compositeSoftmaxCrossEntropy(labels:)``, so every order is exact.
  public func softmaxCrossEntropy(labels: Tensor) -> Tensor {
    precondition(
      dtype.isFloatingPoint, "softmaxCrossEntropy: needs floating-point logits, got \(dtype)")
    precondition(
      labels.dtype == .int32 && rank >= 1 && Array(shape.dropLast()) == labels.shape,
      "softmaxCrossEntropy: labels \(labels.dtype) \(labels.shape) must be int32 of the logits' "
        + "shape \(shape) without its class axis")
    let classes = shape[rank - 1]
    precondition(classes >= 1, "softmaxCrossEntropy: logits \(shape) have no classes")
    let rows = labels.count
    let indices = labels.pointer(Int32.self)
    for i in 0..<rows {
      precondition(
        indices[i] >= 0 && Int(indices[i]) < classes,
        "softmaxCrossEntropy: label \(indices[i]) at \(i) is outside 0..<\(classes)")
    }
    let out = Tensor.uninitialized(shape: labels.shape, dtype: dtype)
    let logSumExp = Tensor.uninitialized(shape: [2, rows], dtype: dtype)  // shift, log Σ
    switch dtype {
    case .float32: crossEntropyForward(self, labels, out, logSumExp, Float.self)
    case .float64: crossEntropyForward(self, labels, out, logSumExp, Double.self)
    default: preconditionFailure("softmaxCrossEntropy: needs floating-point logits, got \(dtype)")
    }
    let logits = self
    return record("softmaxCrossEntropy", out, inputs: [self]) { g, _ in
      if GradMode.isRecording {
        return recordedVJP(at: [logits], cotangent: g) {
          $0[0].compositeSoftmaxCrossEntropy(labels: labels)
        }
      }
      let gradient = Tensor.uninitialized(shape: logits.shape, dtype: logits.dtype)
      switch logits.dtype {
      case .float32: crossEntropyBackward(logits, labels, logSumExp, g, gradient, Float.self)
      default: crossEntropyBackward(logits, labels, logSumExp, g, gradient, Double.self)
      }
      return [gradient]
    }
  }

  /// ``softmaxCrossEntropy(labels:)`` composed of differentiable core ops (log-softmax, gather,
  /// negation): the reference for tests and the higher-order fallback.
  public func compositeSoftmaxCrossEntropy(labels: Tensor) -> Tensor {
    let picked = logSoftmax(axis: -1).gather(axis: -1, indices: labels.unsqueezed(axis: labels.rank))
    return -picked.squeezed(axes: [labels.rank])
  }
}

private func crossEntropyForward<S: TensorFloat>(
  _ logits: Tensor, _ labels: Tensor, _ out: Tensor, _ logSumExp: Tensor, _ type: S.Type
) {
  let c = logits.shape[logits.rank - 1]
  let x = logits.pointer(S.self)
  let y = labels.pointer(Int32.self)
  let loss = out.pointer(S.self)
  let lse = logSumExp.pointer(S.self)
  let rows = labels.count
  parallelChunks(count: rows, grain: max(1, (1 << 14) / max(c, 1)), alignment: 1) { range in
    // Blocks of rows share one exp call (whole vectors, see `softmaxRows`).
    let blockRows = softmaxBlockRows(c)
    let scratch = UnsafeMutablePointer<S>.allocate(capacity: blockRows * c)
    defer { scratch.deallocate() }
    var start = range.lowerBound
    while start < range.upperBound {
      let count = Swift.min(blockRows, range.upperBound - start)
      for r in 0..<count {
        let (row, xr, sr) = (start + r, x + (start + r) * c, scratch + r * c)
        var shift = xr[0]
        for j in 1..<c { shift = Swift.max(shift, xr[j]) }
        if !shift.isFinite && !shift.isNaN { shift = 0 }
        lse[row] = shift
        for j in 0..<c { sr[j] = xr[j] - shift }
      }
      expInPlace(scratch, count * c)
      for r in 0..<count {
        let (row, xr, sr) = (start + r, x + (start + r) * c, scratch + r * c)
        var total: S = 0
        for j in 0..<c { total += sr[j] }
        let logTotal = S.log(total)
        lse[row + rows] = logTotal
        loss[row] = logTotal - (xr[Int(y[row])] - lse[row])
      }
      start += count
    }
  }
}

private func crossEntropyBackward<S: TensorFloat>(
  _ logits: Tensor, _ labels: Tensor, _ logSumExp: Tensor, _ outputGradient: Tensor,
  _ gradient: Tensor, _ type: S.Type
) {
  let c = logits.shape[logits.rank - 1]
  let x = logits.pointer(S.self)
  let y = labels.pointer(Int32.self)
  let lse = logSumExp.pointer(S.self)
  let g = outputGradient.pointer(S.self)
  let dx = gradient.pointer(S.self)
  let rows = labels.count
  parallelChunks(count: rows, grain: max(1, (1 << 14) / max(c, 1)), alignment: 1) { range in
    for row in range {
      let (xr, dr) = (x + row * c, dx + row * c)
      let (shift, logTotal) = (lse[row], lse[row + rows])
      for j in 0..<c { dr[j] = (xr[j] - shift) - logTotal }
    }
    let base = dx + range.lowerBound * c
    expInPlace(base, range.count * c)
    for row in range {
      let dr = dx + row * c
      let gr = g[row]
      for j in 0..<c { dr[j] *= gr }
      dr[Int(y[row])] -= gr
    }
  }
}
