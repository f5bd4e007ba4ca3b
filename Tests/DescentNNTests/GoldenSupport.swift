import Descent
import DescentNN
import Foundation
import Testing

/// A tensor as the golden script writes it.
struct GoldenTensor: Decodable {
  var shape: [Int]
  var dtype: String
  var data: [Double]

  var tensor: Tensor {
    switch dtype {
    case "float32": Tensor(data, shape: shape, dtype: .float32)
    case "float64": Tensor(data, shape: shape, dtype: .float64)
    case "int32": Tensor(indices: data.map { Int($0) }, shape: shape)
    default: Tensor(data, shape: shape, dtype: .uint8)
    }
  }
}

struct GoldenStateEntry: Decodable {
  var path: String
  var shape: [Int]
  var dtype: String
  var data: [Double]
  var tensor: Tensor { GoldenTensor(shape: shape, dtype: dtype, data: data).tensor }
}

func stateTree(_ entries: [GoldenStateEntry]) -> ParameterTree {
  ParameterTree(entries.map { ($0.path, $0.tensor) })
}

/// Golden files of scripts/golden/make_nn_golden.py (PyTorch 2.13.0+cpu).
enum Golden {
  static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = try #require(
      Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden"))
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
  }
}

/// The tolerance the goldens are compared with: 1e-5 (relative and absolute) in float32, 1e-10 in
/// float64.
func goldenTolerance(_ dtype: DType) -> Double { dtype == .float32 ? 1e-5 : 1e-10 }

/// Fills every floating-point tensor of `layer`'s state dict by the golden script's pattern:
/// tensor number `k`, element `i`, `u = sin(0.9 i + 1.7 k + 0.3)`, scaled by kind (see the script).
func fillWithPattern<L: Layer>(_ layer: inout L) {
  var k = 0
  layer.visitParameters(prefix: "") { path, tensor, _ in
    guard tensor.dtype.isFloatingPoint else { return }
    let shape = tensor.shape
    let values = (0..<tensor.count).map { i -> Double in
      let u = sin(0.9 * Double(i) + 1.7 * Double(k) + 0.3)
      if shape.count >= 2 { return u * (6 / Double(tensor.count / shape[0])).squareRoot() }
      if path.hasSuffix("running_var") { return 0.75 + 0.5 * u * u }
      if path.hasSuffix("weight") { return 1 + 0.1 * u }
      return 0.1 * u
    }
    tensor = Tensor(values, shape: shape, dtype: tensor.dtype)
    k += 1
  }
}
