import Descent
import Foundation
import Testing

@testable import DescentPrivacy

/// The Gaussian mechanism: N(0, σ²C²) noise, the same for the same key, and DP-SGD's private
/// gradient (clip, sum, noise, divide by the expected batch size).
@Suite struct GaussianMechanismTests {
  /// Over 200 000 draws the noise has mean 0 and standard deviation σC (within 4 standard
  /// errors: |mean| < 4σC/√n, |s − σC| < 4σC/√(2n)).
  @Test func noiseHasTheCalibratedStandardDeviation() throws {
    let mechanism = try GaussianMechanism(noiseMultiplier: 1.3, sensitivity: 0.7)
    #expect(mechanism.standardDeviation == 1.3 * 0.7)
    let n = 200_000
    let sum = Tensor.zeros([n], dtype: .float64)
    let noise = mechanism.release(sum, key: RandomKey(seed: 5)).scalars(as: Double.self)
    let mean = noise.reduce(0, +) / Double(n)
    let deviation = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1))
      .squareRoot()
    let s = mechanism.standardDeviation
    #expect(abs(mean) < 4 * s / Double(n).squareRoot())
    #expect(abs(deviation - s) < 4 * s / (2 * Double(n)).squareRoot())
  }

  @Test func sameKeySameNoiseOtherKeyOtherNoise() throws {
    let mechanism = try GaussianMechanism(noiseMultiplier: 1, sensitivity: 1)
    let sum = Tensor([1, 2, 3, 4], dtype: .float32)
    let a = mechanism.release(sum, key: RandomKey(seed: 1))
    let b = mechanism.release(sum, key: RandomKey(seed: 1))
    let c = mechanism.release(sum, key: RandomKey(seed: 2))
    #expect(a.dtype == .float32 && a.shape == [4])
    #expect(a.scalars(as: Float.self) == b.scalars(as: Float.self))
    #expect(a.scalars(as: Float.self) != c.scalars(as: Float.self))
  }

  /// privateGradient = (Σᵢ clip(gᵢ) + noise)/(qN), with the same key's noise.
  @Test func privateGradientClipsSumsNoisesAndScales() throws {
    let clipping = try PerExampleClipping(norm: 1)
    let mechanism = try GaussianMechanism(noiseMultiplier: 0.8, sensitivity: 1)
    let g = Tensor([[3, 4], [0.3, 0.4], [-1, 0]], dtype: .float64)
    let key = RandomKey(seed: 9)
    let gradient = try mechanism.privateGradient(
      g, clipping: clipping, expectedBatchSize: 2.5, key: key)
    let noise = mechanism.release(Tensor.zeros([2], dtype: .float64), key: key)
      .scalars(as: Double.self)
    let clippedSum = [0.6 / (5 + 1e-6) * 5 + 0.3 - 1 / (1 + 1e-6), 0.8 / (5 + 1e-6) * 5 + 0.4]
    let values = gradient.scalars(as: Double.self)
    for p in 0..<2 {
      #expect(abs(values[p] - (clippedSum[p] + noise[p]) / 2.5) < 1e-12)
    }
  }

  @Test func invalidParametersAreRefused() throws {
    #expect(throws: PrivacyError.noiseMultiplier(0)) {
      try GaussianMechanism(noiseMultiplier: 0, sensitivity: 1)
    }
    #expect(throws: PrivacyError.clippingNorm(-1)) {
      try GaussianMechanism(noiseMultiplier: 1, sensitivity: -1)
    }
    let mechanism = try GaussianMechanism(noiseMultiplier: 1, sensitivity: 1)
    #expect(throws: PrivacyError.expectedBatchSize(0)) {
      try mechanism.privateGradient(
        Tensor([[1.0]]), clipping: PerExampleClipping(norm: 1), expectedBatchSize: 0,
        key: RandomKey(seed: 0))
    }
  }
}
