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
  func limitingKernelMatchesTheQuadratureRecursion(hiddenLayers: Int) {
    let g = Self.golden
    let circle = Self.tensor(g["circle"]!, [6, 2])
    let limits = g["limit"] as! [String: [Double]]
    let theta = ReLUNeuralTangentKernel(hiddenLayers: hiddenLayers, biasScale: g["beta"] as! Double)
      .kernel(circle)
    for (a, b) in zip(theta.doubles, limits[String(hiddenLayers)]!) {
      #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(hiddenLayers) layers: \(a) vs \(b)")
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
