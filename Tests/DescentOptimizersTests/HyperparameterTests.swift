import DescentOptimizers
import Testing

@Suite struct HyperparameterTests {
  @Test func literalIsConstant() {
    let h: Hyperparameter = 0.5
    #expect(h.value(atStep: 0) == 0.5)
    #expect(h.value(atStep: 1000) == 0.5)
    #expect(h.constantValue == 0.5)
  }
}
