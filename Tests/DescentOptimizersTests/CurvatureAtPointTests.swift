import Descent
import Foundation
import Testing

@testable import DescentOptimizers

/// `valueGradAndCurvature`: the gradient and Hessian-vector products of one point from one
/// forward and backward pass. Its results must equal `valueAndGrad`'s and `valueGradAndHVP`'s bit
/// for bit, so that a training loop handing it to AdaHessian or SophiaH changes nothing but time.
@Suite struct CurvatureAtPointTests {
  /// A small tanh network in float32 with a 4-D weight (as in convolutions).
  static let parameters = ParameterTree([
    ("w1", Tensor.normal([6, 5], key: RandomKey(seed: 1)) * 0.5),
    ("b1", Tensor.normal([5], key: RandomKey(seed: 2)) * 0.1),
    ("w2", Tensor.normal([5, 1, 1, 3], key: RandomKey(seed: 3)) * 0.5),
  ])
  static let inputs = Tensor.normal([8, 6], key: RandomKey(seed: 4))

  static let loss: @Sendable (ParameterTree) -> Tensor = { p in
    let h = (inputs.matmul(p["w1"]!) + p["b1"]!).tanh()
    let out = h.matmul(p["w2"]!.reshaped([5, 3]))
    return (out * out).mean() + (h.sin() * 0.1).sum()
  }

  static func direction(seed: UInt64) -> ParameterTree {
    parameters.map {
      Tensor.rademacher($0.shape, key: RandomKey(seed: seed).folded(in: UInt64($0.count)))
    }
  }

  static func bits(_ tree: ParameterTree) -> [[UInt32]] {
    tree.tensors.map { $0.scalars(as: Float.self).map(\.bitPattern) }
  }

  @Test func gradientAndProductsEqualTheSeparateCallsBitForBit() {
    let curvature = valueGradAndCurvature(of: Self.loss, at: Self.parameters)
    let (value, gradient) = valueAndGrad(of: Self.loss, at: Self.parameters)
    #expect(curvature.value.scalars(as: Float.self) == value.scalars(as: Float.self))
    #expect(Self.bits(curvature.gradient) == Self.bits(gradient))
    #expect(!curvature.gradient.tensors.contains { $0.isTracked })
    // Several directions through the same kept graph, each equal to a fresh double backward.
    for seed in [10, 11, 10] as [UInt64] {
      let v = Self.direction(seed: seed)
      let expected = valueGradAndHVP(of: Self.loss, at: Self.parameters, v: v).hvp
      #expect(Self.bits(curvature.hessianVectorProduct(v)) == Self.bits(expected), "seed \(seed)")
    }
  }

  @Test func adahessianAndSophiaHStepIdenticallyWithTheCurvatureOfTheLoop() throws {
    for transformation in [
      try AdaHessian(learningRate: 0.05) as any GradientTransformation,
      try SophiaH(learningRate: 0.05, hessianUpdateInterval: 2, samples: 2),
    ] {
      var viaClosure = Self.parameters
      var viaCurvature = Self.parameters
      let closureDriver = Optimizer(erasing: transformation, for: viaClosure, seed: 3)
      let curvatureDriver = Optimizer(erasing: transformation, for: viaCurvature, seed: 3)
      var curvatureSteps = 0
      for _ in 0..<4 {
        let (_, g) = valueAndGrad(of: Self.loss, at: viaClosure)
        try closureDriver.step(&viaClosure, gradients: g, lossFunction: Self.loss)
        let uses = curvatureDriver.usesHessianVectorProductsOnNextStep
        let curvature = uses ? valueGradAndCurvature(of: Self.loss, at: viaCurvature) : nil
        let gradient = curvature?.gradient ?? valueAndGrad(of: Self.loss, at: viaCurvature).gradient
        // No loss closure: a step that needs products must take them from `curvature`.
        try curvatureDriver.step(&viaCurvature, gradients: gradient, curvature: curvature)
        if uses { curvatureSteps += 1 }
      }
      #expect(curvatureSteps >= 2, "\(type(of: transformation)): \(curvatureSteps) estimate steps")
      #expect(Self.bits(viaClosure) == Self.bits(viaCurvature), "\(type(of: transformation))")
    }
  }
}
