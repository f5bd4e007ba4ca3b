import Descent
import DescentData
import Foundation
import Testing

@testable import DescentTraining

/// Hardening (issue 19): one label and feature policy for every reader (`ClassificationChecks`),
/// and splits that leave something to train on. Each bad input is a one-line data error (65)
/// naming the file and the example, never a trap, a truncated label or a million-class model.
@Suite struct DataPolicyTests {
  final class Files {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "descent-data-policy-\(UUID().uuidString)")
    init() { try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: folder) }

    func npy(_ name: String, _ tensor: Tensor) throws -> String {
      let url = folder.appendingPathComponent(name)
      try NPYReader.write(tensor, to: url)
      return url.path
    }
  }

  func trainError(data: String, testFraction: Double = 0.2) -> TrainingError? {
    var c = TrainingConfiguration()
    c.steps = 1
    c.model = "mlp:8"
    c.data = data
    c.testFraction = testFraction
    return trainingError { _ = try Trainer(configuration: c) }
  }

  static let badLabels: [([Double], String)] = [
    ([0.5, 1.5, 2.5, 0, 1, 2], "example 0: label \"0.5\""),
    ([0, -1, 2, 0, 1, 2], "example 1: label \"-1.0\""),
    ([0, .nan, 2, 0, 1, 2], "example 1: label \"nan\""),
    ([0, 1, .infinity, 0, 1, 2], "example 2: label \"inf\""),
    ([0, 1, 2, 0, 1, 2_147_483_647], "example 5: label \"2147483647.0\""),
    ([0, 1, 2, 0, 1, 1e10], "example 5: label \"10000000000.0\""),
  ]

  @Test(arguments: badLabels)
  func npyLabelsMustBeIntegerClassIndices(labels: [Double], expected: String) throws {
    let files = Files()
    let features = try files.npy("x.npy", Tensor.zeros([6, 3], dtype: .float32))
    let labelFile = try files.npy("y.npy", Tensor(scalars: labels, shape: [6]))
    let error = trainError(data: features + "," + labelFile)
    #expect(error?.exitStatus == 65)
    #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    #expect(error?.description.contains("y.npy") == true)
  }

  @Test func integerLabelsOfAnyWidthAreAccepted() throws {
    let files = Files()
    let features = try files.npy("x.npy", Tensor.zeros([6, 3], dtype: .float32))
    for dtype in [DType.int32, .uint8, .float64] {
      let labels = try files.npy(
        "y-\(dtype).npy", Tensor(scalars: [0.0, 1, 2, 0, 1, 2], shape: [6]).cast(to: dtype))
      let dataset = try DataSource.load(features + "," + labels)
      #expect(dataset.labels.scalars(as: Int32.self) == [0, 1, 2, 0, 1, 2])
      #expect(dataset.classCount == 3)
    }
  }

  @Test func aStrayHugeLabelDoesNotBuildAMillionClassModel() throws {
    let files = Files()
    let features = try files.npy("x.npy", Tensor.zeros([6, 3], dtype: .float32))
    let labels = try files.npy(
      "y.npy", Tensor(scalars: [Int32(0), 1, 2, 0, 1, 1_000_000], shape: [6]))
    let error = trainError(data: features + "," + labels)
    #expect(error?.exitStatus == 65)
    #expect(
      error?.description.contains("would make a 1000001-class model while only 4 distinct") == true,
      "\(String(describing: error))")
  }

  @Test(arguments: [Float.nan, .infinity, -.infinity])
  func npyFeaturesMustBeFinite(bad: Float) throws {
    let files = Files()
    var values = [Float](repeating: 1, count: 18)
    values[7] = bad
    let features = try files.npy("x.npy", Tensor(scalars: values, shape: [6, 3]))
    let labels = try files.npy("y.npy", Tensor(scalars: [Int32(0), 1, 2, 0, 1, 2], shape: [6]))
    let error = trainError(data: features + "," + labels)
    #expect(error?.exitStatus == 65)
    #expect(error?.description.contains("example 2, value 1") == true, "\(String(describing: error))")
    #expect(error?.description.contains("-nan") == false)
  }

  @Test func float64FeaturesTooLargeForFloat32AreRefused() throws {
    let files = Files()
    let features = try files.npy(
      "x.npy", Tensor(scalars: [1, 2, 1e300, 4, 5, 6], shape: [3, 2]))
    let labels = try files.npy("y.npy", Tensor(scalars: [Int32(0), 1, 0], shape: [3]))
    let error = trainError(data: features + "," + labels)
    #expect(error?.exitStatus == 65)
    #expect(error?.description.contains("too large for float32") == true)
  }

  @Test func csvWithOnlyALabelColumnHasNoFeatures() throws {
    let files = Files()
    let url = files.folder.appendingPathComponent("labels.csv")
    try Data("label\n0\n1\n2\n1\n".utf8).write(to: url)
    let error = trainError(data: url.path)
    #expect(error?.exitStatus == 65)
    #expect(error?.description.contains("no features") == true, "\(String(describing: error))")
  }

  @Test func aTestFractionThatLeavesNothingToTrainOnIsAUsageError() throws {
    let error = trainError(data: "iris", testFraction: 0.999)
    #expect(error?.exitStatus == 64)
    #expect(error?.description.contains("leaving none to train on") == true)
    // The largest fraction it suggests does leave an example to train on.
    let suggestion = try #require(
      error?.description.split(separator: " ").last.flatMap { Double($0) })
    #expect(trainError(data: "iris", testFraction: suggestion) == nil)
  }
}
