import Descent

/// Whether `actual` and `expected` agree elementwise within `|a − e| ≤ absolute + relative·|e|`
/// (the semantics of `numpy.isclose`), with equal shapes. NaN equals NaN only if both are NaN.
public func isClose(
  _ actual: Tensor, _ expected: Tensor, relativeTolerance: Double = 1e-6, absoluteTolerance: Double = 1e-9
) -> Bool {
  mismatch(actual, expected, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
    == nil
}

/// The first element where `actual` and `expected` disagree, described, or `nil` if they agree.
public func mismatch(
  _ actual: Tensor, _ expected: Tensor, relativeTolerance: Double = 1e-6, absoluteTolerance: Double = 1e-9
) -> String? {
  guard actual.shape == expected.shape else {
    return "shapes differ: \(actual.shape) vs expected \(expected.shape)"
  }
  return mismatch(
    actual.doubles, expected.doubles, relativeTolerance: relativeTolerance,
    absoluteTolerance: absoluteTolerance)
}

/// The first index where two arrays disagree (see ``isClose(_:_:relativeTolerance:absoluteTolerance:)``).
public func mismatch(
  _ actual: [Double], _ expected: [Double], relativeTolerance: Double = 1e-6,
  absoluteTolerance: Double = 1e-9
) -> String? {
  guard actual.count == expected.count else {
    return "counts differ: \(actual.count) vs expected \(expected.count)"
  }
  for (i, (a, e)) in zip(actual, expected).enumerated() {
    if a.isNaN && e.isNaN { continue }
    if a == e { continue }
    if !(abs(a - e) <= absoluteTolerance + relativeTolerance * abs(e)) {
      return "element \(i): \(a) vs expected \(e) (difference \(abs(a - e)))"
    }
  }
  return nil
}
