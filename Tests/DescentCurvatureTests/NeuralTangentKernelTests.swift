import Descent
import DescentCurvature
import Foundation
import Testing

/// `empiricalNTK` against PyTorch's torch.func (jacrev, J Jᵀ) and `ReLUNeuralTangentKernel`
/// against the recursion with quadrature expectations (scripts/golden/make_ntk_golden.py).
@Suite struct NeuralTangentKernelTests {
  nonisolated(unsafe) static let golden: [String: Any] = {
    let url = Bundle.module.url(forResource: "ntk", withExtension: "json", subdirectory: "Golden")!
    return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }()

  static func tensor(_ values: Any, _ shape: [Int]) -> Tensor {
    Tensor(values as! [Double], shape: shape, dtype: .float64)
  }

  static let order = ["w0", "b0", "w1", "b1", "w2", "b2"]

  /// The golden network: two NTK-parameterized ReLU layers, scalar output.
  static func network(_ p: ParameterTree, _ x: Tensor, beta: Double) -> Tensor {
    let n0 = Double(x.shape[1])
    let width = Double(p["w1"]!.shape[0])
    var h =
      (x.matmulTransposed(p["w0"]!) * x.scalar(1 / n0.squareRoot()) + p["b0"]! * x.scalar(beta))
      .relu()
    h =
      (h.matmulTransposed(p["w1"]!) * x.scalar(1 / width.squareRoot()) + p["b1"]! * x.scalar(beta))
      .relu()
    let out =
      h.matmulTransposed(p["w2"]!) * x.scalar(1 / width.squareRoot()) + p["b2"]! * x.scalar(beta)
    return out.reshaped([x.shape[0]])
  }

  @Test func empiricalKernelMatchesTorchFunc() throws {
    let g = Self.golden
    let shapes = g["shapes"] as! [String: [Int]]
    let values = g["parameters"] as! [String: [Double]]
    let parameters = ParameterTree(
      Self.order.map { ($0, Self.tensor(values[$0]!, shapes[$0]!)) })
    let x = Self.tensor(g["inputs"]!, g["inputShape"] as! [Int])
    let beta = g["beta"] as! Double
    let expected = g["empirical"] as! [Double]
    // One chunk, and the blocked path with recomputed rows (chunks of 1 and of 3).
    for chunkSize in [32, 1, 3] {
      let theta = empiricalNTK(
        of: { Self.network($0, x, beta: beta) }, at: parameters, chunkSize: chunkSize)
      #expect(theta.shape == [4, 4])
      for (a, b) in zip(theta.doubles, expected) {
        #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "chunks of \(chunkSize): \(a) vs \(b)")
      }
    }
  }

  @Test(arguments: [0, 1, 2, 3])
  func limitingKernelsMatchTheQuadratureRecursion(hiddenLayers: Int) throws {
    let g = Self.golden
    let circle = Self.tensor(g["circle"]!, [6, 2])
    let limits = g["limit"] as! [String: [Double]]
    let nngps = g["nngp"] as! [String: [Double]]
    let (theta, sigma) = try ReLUNeuralTangentKernel(
      hiddenLayers: hiddenLayers, biasScale: g["beta"] as! Double
    ).kernels(circle)
    for (a, b) in zip(theta.doubles, limits[String(hiddenLayers)]!) {
      #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "NTK, \(hiddenLayers) layers: \(a) vs \(b)")
    }
    for (a, b) in zip(sigma.doubles, nngps[String(hiddenLayers)]!) {
      #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "NNGP, \(hiddenLayers) layers: \(a) vs \(b)")
    }
  }

  /// Kernel regression interpolates its training targets (ridge 0), equals the explicit
  /// Θ(test, train) Θ⁻¹ y, and a ridge shrinks it toward 0.
  @Test func kernelRegressionInterpolatesAndMatchesTheExplicitSolve() throws {
    let kernel = try ReLUNeuralTangentKernel(hiddenLayers: 2)
    let angles = (0..<6).map { Double($0) }
    let train = Tensor(angles.flatMap { [cos($0), sin($0)] }, shape: [6, 2], dtype: .float64)
    let targets = Tensor(angles.map { sin(2 * $0) }, shape: [6], dtype: .float64)
    let atTrain = try kernel.regression(train: train, targets: targets, test: train)
    for (a, b) in zip(atTrain.doubles, targets.doubles) { #expect(abs(a - b) < 1e-9) }
    let test = Tensor([0.6, 0.8, -1, 0], shape: [2, 2], dtype: .float64)
    let all = try kernel.kernel(Tensor.concatenate([train, test], axis: 0)).doubles
    let gram = Tensor(
      (0..<36).map { all[($0 / 6) * 8 + $0 % 6] }, shape: [6, 6], dtype: .float64)
    let cross = Tensor(
      (0..<12).map { all[(6 + $0 / 6) * 8 + $0 % 6] }, shape: [2, 6], dtype: .float64)
    let explicit = cross.matmul(try solve(gram, targets)).doubles
    let predicted = try kernel.regression(train: train, targets: targets, test: test).doubles
    for (a, b) in zip(predicted, explicit) { #expect(abs(a - b) < 1e-10) }
    let shrunk = try kernel.regression(train: train, targets: targets, test: train, ridge: 1e3)
    #expect((shrunk * shrunk).sum().item < (targets * targets).sum().item)
  }

  @Test func refusesBadArguments() {
    #expect(throws: KernelError.self) { try ReLUNeuralTangentKernel(hiddenLayers: -1) }
    #expect(throws: KernelError.self) {
      try ReLUNeuralTangentKernel(hiddenLayers: 1, biasScale: .nan)
    }
    let kernel = try! ReLUNeuralTangentKernel(hiddenLayers: 1)
    #expect(throws: KernelError.self) { try kernel.kernel(Tensor([1, 2, 3], shape: [3])) }
    #expect(throws: KernelError.self) {
      try kernel.kernel(Tensor([1, .infinity], shape: [1, 2], dtype: .float64))
    }
    let x = Tensor([1, 0, 0, 1], shape: [2, 2], dtype: .float64)
    #expect(throws: KernelError.self) {
      try kernel.regression(train: x, targets: Tensor([1, 2, 3], shape: [3]), test: x)
    }
    #expect(throws: KernelError.self) {
      try kernel.regression(train: x, targets: Tensor([1, 2], shape: [2]), test: x, ridge: -1)
    }
  }

  /// Θ = J Jᵀ is positive semi-definite and its diagonal is each output's squared gradient norm.
  @Test func diagonalIsTheSquaredGradientNorm() {
    let key = RandomKey(seed: 5)
    let parameters = ParameterTree([
      ("w", Tensor.normal([3, 2], dtype: .float64, key: key.folded(in: 0))),
      ("v", Tensor.normal([3], dtype: .float64, key: key.folded(in: 1))),
    ])
    let x = Tensor.normal([5, 2], dtype: .float64, key: key.folded(in: 2))
    func outputs(_ p: ParameterTree) -> Tensor {
      x.matmulTransposed(p["w"]!).tanh().matmul(p["v"]!)
    }
    let theta = empiricalNTK(of: outputs, at: parameters)
    for i in 0..<5 {
      let basis = Tensor((0..<5).map { $0 == i ? 1.0 : 0 }, shape: [5], dtype: .float64)
      let gradient = grad(of: { (outputs($0) * basis).sum() }, at: parameters)
      let squared = gradient.tensors.map { ($0 * $0).sum().item }.reduce(0, +)
      #expect(abs(theta[element: i, i] - squared) < 1e-12 * max(1, squared))
    }
    let eigenvalues = try! eigh(theta).eigenvalues.doubles
    #expect(eigenvalues.allSatisfy { $0 > -1e-12 })
  }
}
