import Descent
import DescentCurvature
import Foundation
import Testing

@testable import DescentPrivacy

/// Flat per-example clipping: every row ends with norm ≤ C in its own direction, rows inside the
/// ball are untouched up to Opacus' 10⁻⁶ stabilizer, and the clipped sum is the sum of the rows.
@Suite struct PerExampleClippingTests {
  /// Per-example gradients of a softmax-regression layer (DescentCurvature's
  /// `linearPerExampleGradients`), clipped to C = 1, against the formula in plain doubles.
  @Test func clipsEachExampleToTheNormInItsOwnDirection() throws {
    let batch = 9
    let inputs: [[Double]] = (0..<batch).map { i in
      (0..<4).map { (j: Int) -> Double in sin(Double(3 * i + j + 1)) * Double(i) }
    }
    let deltas: [[Double]] = (0..<batch).map { i in
      (0..<3).map { (k: Int) -> Double in cos(Double(2 * i + 5 * k)) * 0.4 }
    }
    let gradients = linearPerExampleGradients(
      inputs: Tensor(inputs, dtype: .float64), outputGradients: Tensor(deltas, dtype: .float64))
    #expect(gradients.shape == [batch, 15])
    let clipping = try PerExampleClipping(norm: 1)
    let clipped = try clipping.clip(gradients)
    let rows = gradients.scalars(as: Double.self)
    let clippedRows = clipped.scalars(as: Double.self)
    var expectedSum = Array(repeating: 0.0, count: 15)
    var inside = 0
    for i in 0..<batch {
      let row = Array(rows[(15 * i)..<(15 * i + 15)])
      let out = Array(clippedRows[(15 * i)..<(15 * i + 15)])
      let norm: Double = row.map { $0 * $0 }.reduce(0, +).squareRoot()
      let factor: Double = Swift.min(1.0, 1.0 / (norm + 1e-6))
      if norm < 1 { inside += 1 }
      for p in 0..<15 {
        #expect(abs(out[p] - row[p] * factor) <= 1e-14 * max(1, abs(row[p])))
        expectedSum[p] += row[p] * factor
      }
      let clippedNorm: Double = out.map { $0 * $0 }.reduce(0, +).squareRoot()
      #expect(clippedNorm <= 1)
      #expect(norm < 1 ? abs(clippedNorm - norm) < 1e-14 : abs(clippedNorm - 1) < 1e-5)
    }
    #expect(inside > 0 && inside < batch, "the batch has rows on both sides of C")
    let sum = try clipping.clippedSum(gradients).scalars(as: Double.self)
    for p in 0..<15 { #expect(abs(sum[p] - expectedSum[p]) < 1e-12) }
  }

  /// A zero gradient stays zero (the stabilizer keeps the factor finite), float32 works, and the
  /// sensitivity bound holds: replacing one example moves the clipped sum by at most 2C, adding
  /// or removing one by at most C.
  @Test func zeroRowsFloat32AndTheSensitivityBound() throws {
    let clipping = try PerExampleClipping(norm: 0.5)
    let g = Tensor([[0, 0, 0], [3, 4, 0], [0.1, 0.2, -0.2]])
    let clipped = try clipping.clip(g).scalars(as: Float.self)
    #expect(Array(clipped[0..<3]) == [0, 0, 0])
    #expect(abs(clipped[3] - 0.3) < 1e-6 && abs(clipped[4] - 0.4) < 1e-6)
    #expect(Array(clipped[6..<9]) == [0.1, 0.2, -0.2])
    let without = try clipping.clippedSum(Tensor([[0, 0, 0], [0.1, 0.2, -0.2]]))
    let with = try clipping.clippedSum(g)
    let moved = (with - without).square().sum().item.squareRoot()
    #expect(moved <= 0.5 + 1e-6)
  }

  @Test func invalidInputIsRefused() {
    for norm in [0.0, -1, .nan, .infinity] {
      #expect(throws: PrivacyError.self) {
        try PerExampleClipping(norm: norm)
      }
    }
    #expect(throws: PrivacyError.perExampleGradients(shape: [4])) {
      try PerExampleClipping(norm: 1).clip(Tensor([1, 2, 3, 4]))
    }
    #expect(throws: PrivacyError.perExampleGradients(shape: [2])) {
      try PerExampleClipping(norm: 1).clippedSum(Tensor(indices: [1, 2]))
    }
  }
}
