import Descent
import DescentData
import DescentNN
import Foundation
import Testing

/// `Layer.save(to:)` / `load(from:)` and `SafetensorsFile(ParameterTree)`.
@Suite struct LayerSafetensorsTests {
  @Test func saveAndLoadRoundTripEveryParameterAndBuffer() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-layer-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    let model = ResNet.resnet20(key: RandomKey(seed: 1))
    try model.save(to: url, metadata: ["note": "test"])
    var other = ResNet.resnet20(key: RandomKey(seed: 2))
    #expect(other.stateDict != model.stateDict)
    try other.load(from: url)
    #expect(other.stateDict == model.stateDict)
    let file = try SafetensorsFile.read(contentsOf: url)
    #expect(file.metadata["note"] == "test")
    #expect(file.parameterTree.paths == model.stateDict.paths)

    var mlp = MLP(widths: [4, 3, 2], activation: .relu, key: RandomKey(seed: 0))
    #expect(throws: StateLoadingError.self) { try mlp.load(from: url) }
  }
}
