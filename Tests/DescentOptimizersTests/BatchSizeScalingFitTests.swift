import DescentOptimizers
import Foundation
import Testing

/// The power-law fit of learning rate against batch size (``BatchSizeScaling/fitPowerLaw``).
struct BatchSizeScalingFitTests {
  @Test func ruleExponents() {
    #expect(BatchSizeScaling.Rule.linear.exponent == 1)
    #expect(BatchSizeScaling.Rule.squareRoot.exponent == 0.5)
  }

  @Test func exactPowerLawsAreRecovered() throws {
    let sizes = [4, 8, 16, 32, 64, 128]
    for rule in BatchSizeScaling.Rule.allCases {
      let rates = try sizes.map {
        try BatchSizeScaling.learningRate(forBatchSize: $0, reference: (4, 0.03), rule: rule)
      }
      let fit = try BatchSizeScaling.fitPowerLaw(batchSizes: sizes, learningRates: rates)
      #expect(abs(fit.exponent - rule.exponent) < 1e-12)
      #expect(abs(fit.learningRate(forBatchSize: 4) - 0.03) < 1e-12)
      #expect(fit.logResidual < 1e-12)
      #expect(fit.nearestRule == rule)
    }
  }

  @Test func noisyPointsGiveTheLeastSquaresSlope() throws {
    // log2 lr = [0, 2, 1, 3] at log2 B = [0, 1, 2, 3]: slope cov/var = 4/5 = 0.8 (log2 on both
    // axes), intercept 1.5 − 0.8·1.5 = 0.3, residuals [−0.3, 0.9, −0.9, 0.3] (times ln 2).
    let fit = try BatchSizeScaling.fitPowerLaw(
      batchSizes: [1, 2, 4, 8], learningRates: [1, 4, 2, 8])
    #expect(abs(fit.exponent - 0.8) < 1e-12)
    #expect(abs(fit.prefactor - pow(2, 0.3)) < 1e-12)
    let rms = (((0.3 * 0.3 + 0.9 * 0.9) * 2) / 4).squareRoot() * log(2.0)
    #expect(abs(fit.logResidual - rms) < 1e-12)
    #expect(fit.nearestRule == .linear)
    let flat = try BatchSizeScaling.fitPowerLaw(batchSizes: [4, 64], learningRates: [1, 1.5])
    #expect(flat.nearestRule == .squareRoot)
  }

  @Test func badInputsThrow() {
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.fitPowerLaw(batchSizes: [4, 8], learningRates: [0.1])
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.fitPowerLaw(batchSizes: [0, 8], learningRates: [0.1, 0.2])
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.fitPowerLaw(batchSizes: [4, 8], learningRates: [0.1, .infinity])
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.fitPowerLaw(batchSizes: [4, 8], learningRates: [0.1, -1])
    }
    #expect(throws: BatchSizeScaling.InvalidValue.self) {
      try BatchSizeScaling.fitPowerLaw(batchSizes: [8, 8], learningRates: [0.1, 0.2])
    }
  }
}
