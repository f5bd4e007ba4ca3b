import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct EmbeddedDatasetTests {
  @Test(arguments: EmbeddedDataset.allCases)
  func loadsWithPublishedShape(_ which: EmbeddedDataset) throws {
    let dataset = try which.load()
    let expected = which.expectedShape
    #expect(dataset.name == which.rawValue)
    #expect(dataset.features.shape == [expected.count, expected.features])
    #expect(dataset.features.dtype == .float32 && dataset.labels.dtype == .int32)
    #expect(dataset.classCount == expected.classes)
    #expect(dataset.classNames?.count == expected.classes)
    #expect(dataset.classCounts == which.expectedClassCounts)
  }

  @Test func publishedClassCounts() throws {
    // Class sizes as DATASETS.md §4 lists them (from the UCI descriptions).
    #expect(try EmbeddedDataset.iris.load().classCounts == [50, 50, 50])
    #expect(try EmbeddedDataset.wine.load().classCounts == [59, 71, 48])
    #expect(try EmbeddedDataset.breastCancer.load().classCounts == [212, 357])
    let digits = try loadDataset(named: "digits")
    #expect(digits.classCounts.allSatisfy { (174...183).contains($0) })
    #expect(digits.classCounts.reduce(0, +) == 1797)
  }

  @Test func valuesAreRawUntilStandardized() throws {
    let digits = try EmbeddedDataset.default.load()
    let pixels = digits.features.floats
    #expect(pixels.min() == 0 && pixels.max() == 16)
    // First row of sklearn's digits.csv.gz: 0,0,5,13,9,1,0,0,... label 0.
    #expect(Array(pixels[0..<8]) == [0, 0, 5, 13, 9, 1, 0, 0])
    #expect(digits.labels.ints[0] == 0)
    let iris = try EmbeddedDataset.iris.load()
    #expect(
      iris.features.floats[0..<4].map { Double($0) }
        == [5.1, 3.5, 1.4, 0.2].map { Double(Float($0)) })
    #expect(iris.classNames == ["setosa", "versicolor", "virginica"])
  }

  @Test func unknownName() {
    expectDataError(
      "unknownDataset", containing: ["\"mnist\"", "digits, iris, wine, breast-cancer"]
    ) {
      _ = try loadDataset(named: "mnist")
    }
  }

  @Test func standardizeTrainApplyToTest() throws {
    let wine = try EmbeddedDataset.wine.load()
    let (train, test) = trainTestSplit(wine, testFraction: 0.25, seed: 7)
    #expect(test.count == 45 && train.count == 133)
    #expect(Set(train.labels.ints + test.labels.ints).count == 3)
    let (scaled, statistics) = train.standardized()
    let width = 13
    let x = scaled.features.doubles
    for j in 0..<width {
      let column = stride(from: j, to: x.count, by: width).map { x[$0] }
      let mean = column.reduce(0, +) / Double(column.count)
      let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)
      #expect(abs(mean) < 1e-5, "feature \(j) mean \(mean)")
      #expect(abs(variance - 1) < 1e-4, "feature \(j) variance \(variance)")
    }
    // The test split uses the training statistics: feature 0 of its first example by hand.
    let raw = Double(test.features.floats[0])
    let applied = statistics.apply(to: test)
    #expect(
      abs(Double(applied.features.floats[0]) - (raw - statistics.mean[0]) / statistics.std[0])
        < 1e-5)
    // Standardizing returns a copy: the source keeps its raw values (proline is in the 100s).
    #expect(wine.features.floats.max()! > 100)
  }

  @Test func splitIsDeterministicAndDisjoint() throws {
    let iris = try EmbeddedDataset.iris.load()
    let a = trainTestSplit(iris, testFraction: 0.2, seed: 3)
    let b = trainTestSplit(iris, testFraction: 0.2, seed: 3)
    let c = trainTestSplit(iris, testFraction: 0.2, seed: 4)
    #expect(a.test.features.floats == b.test.features.floats)
    #expect(a.test.features.floats != c.test.features.floats)
    #expect(a.test.count == 30 && a.train.count == 120)
    let order = shuffledIndices(count: 150, seed: 3, epoch: 0)
    #expect(a.test.labels.ints == order[..<30].map { iris.labels.ints[$0] })
  }
}

@Suite struct DataLoaderTests {
  let dataset = SyntheticData.blobs(count: 10, features: 2, classCount: 2, seed: 1)

  @Test func orderDeterministicPerSeedAndEpoch() {
    let loader = DataLoader(dataset, batchSize: 3, seed: 42)
    let again = DataLoader(dataset, batchSize: 3, seed: 42)
    #expect(loader.order(epoch: 0) == again.order(epoch: 0))
    #expect(loader.order(epoch: 5) == again.order(epoch: 5))
    #expect(loader.order(epoch: 0) != loader.order(epoch: 1))
    #expect(loader.order(epoch: 0) != DataLoader(dataset, batchSize: 3, seed: 43).order(epoch: 0))
    #expect(loader.order(epoch: 0).sorted() == Array(0..<10))
    // Pinned orders (the core's Philox permutation under RandomKey(seed).folded(in: epoch), whose
    // known-answer vectors are tested in DescentTests): any change of the shuffle shows up here,
    // since it would change every recorded run's data order.
    #expect(shuffledIndices(count: 10, seed: 42, epoch: 0) == [5, 3, 4, 9, 6, 0, 1, 2, 8, 7])
    #expect(shuffledIndices(count: 10, seed: 42, epoch: 1) == [6, 9, 4, 7, 0, 3, 8, 2, 1, 5])
    #expect(
      shuffledIndices(count: 12, seed: 7, epoch: 3) == [7, 10, 0, 6, 5, 8, 1, 4, 11, 9, 2, 3])
    #expect(DataLoader(dataset, batchSize: 3, shuffle: false).order(epoch: 3) == Array(0..<10))
  }

  @Test func batchesCoverEpochAndDropLast() {
    let keep = DataLoader(dataset, batchSize: 4, seed: 9)
    #expect(keep.batchesPerEpoch == 3)
    let sizes = Array(keep.batches(epoch: 2).map { $0.labels.shape[0] })
    #expect(sizes == [4, 4, 2])
    #expect(Array(keep.batches(epoch: 2).flatMap(\.indices)) == keep.order(epoch: 2))
    let drop = DataLoader(dataset, batchSize: 4, seed: 9, dropLast: true)
    #expect(drop.batchesPerEpoch == 2)
    #expect(Array(drop.batches(epoch: 2).map { $0.features.shape }) == [[4, 2], [4, 2]])
    #expect(Array(drop.batches(epoch: 2).flatMap(\.indices)) == Array(keep.order(epoch: 2)[..<8]))
  }

  @Test func batchRowsMatchTheDataset() {
    let loader = DataLoader(dataset, batchSize: 4, seed: 5)
    let batch = loader.batch(1, epoch: 0)
    let x = dataset.features.floats
    for (row, index) in batch.indices.enumerated() {
      #expect(
        Array(batch.features.floats[(2 * row)..<(2 * row + 2)])
          == Array(x[(2 * index)..<(2 * index + 2)]))
      #expect(batch.labels.ints[row] == dataset.labels.ints[index])
    }
  }

  @Test func nextWalksEpochsAndResumesFromState() throws {
    var loader = DataLoader(dataset, batchSize: 4, seed: 11, dropLast: true)
    var uninterrupted: [[Int]] = []
    for _ in 0..<7 { uninterrupted.append(loader.next().indices) }
    #expect(uninterrupted[0] + uninterrupted[1] == Array(loader.order(epoch: 0)[..<8]))
    #expect(uninterrupted[2] + uninterrupted[3] == Array(loader.order(epoch: 1)[..<8]))

    var first = DataLoader(dataset, batchSize: 4, seed: 11, dropLast: true)
    var resumed: [[Int]] = []
    for _ in 0..<3 { resumed.append(first.next().indices) }
    let saved = try JSONEncoder().encode(first.state)
    var second = DataLoader(dataset, batchSize: 4, seed: 11, dropLast: true)
    try second.restore(JSONDecoder().decode(DataLoaderState.self, from: saved))
    #expect(second.state.epoch == 1 && second.state.batchIndex == 1)
    for _ in 0..<4 { resumed.append(second.next().indices) }
    #expect(resumed == uninterrupted)

    var other = DataLoader(dataset, batchSize: 4, seed: 12, dropLast: true)
    expectDataError("incompatibleLoaderState", containing: ["seed"]) {
      try other.restore(first.state)
    }
  }
}

@Suite struct SyntheticDataTests {
  @Test func blobsAreSeededAndClustered() {
    let a = SyntheticData.blobs(
      count: 300, features: 2, classCount: 3, standardDeviation: 0.5, seed: 2)
    let b = SyntheticData.blobs(
      count: 300, features: 2, classCount: 3, standardDeviation: 0.5, seed: 2)
    #expect(a.features.floats == b.features.floats)
    #expect(a.features.floats != SyntheticData.blobs(count: 300, seed: 3).features.floats)
    #expect(a.classCounts == [100, 100, 100])
    // Within-class spread ≈ standardDeviation.
    let x = a.features.doubles
    let labels = a.labels.ints
    let class0 = (0..<300).filter { labels[$0] == 0 }.map { x[2 * $0] }
    let mean = class0.reduce(0, +) / 100
    let std = (class0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 100).squareRoot()
    #expect(abs(std - 0.5) < 0.1)
  }

  @Test func moonsWithoutNoiseLieOnTheArcs() {
    let moons = SyntheticData.moons(count: 101, noise: 0, seed: 4)
    #expect(moons.classCounts == [50, 51])
    let x = moons.features.doubles
    for (i, label) in moons.labels.ints.enumerated() {
      let (u, v) = (x[2 * i], x[2 * i + 1])
      let radius =
        label == 0
        ? (u * u + v * v).squareRoot() : ((1 - u) * (1 - u) + (0.5 - v) * (0.5 - v)).squareRoot()
      #expect(abs(radius - 1) < 1e-6)
    }
  }

  @Test func regressionTargetsFollowTheModel() {
    let exact = SyntheticData.linearRegression(count: 50, features: 3, seed: 8)
    let x = exact.features.doubles
    for (i, y) in exact.targets.doubles.enumerated() {
      let model = exact.bias + (0..<3).map { x[3 * i + $0] * exact.weights[$0] }.reduce(0, +)
      #expect(abs(y - model) < 1e-4 * max(1, abs(model)))
    }
    let noisy = SyntheticData.linearRegression(count: 2000, features: 3, noise: 2, seed: 8)
    let nx = noisy.features.doubles
    let residuals = noisy.targets.doubles.enumerated().map { i, y in
      y - noisy.bias - (0..<3).map { nx[3 * i + $0] * noisy.weights[$0] }.reduce(0, +)
    }
    let residualStd = (residuals.map { $0 * $0 }.reduce(0, +) / 2000).squareRoot()
    #expect(abs(residualStd - 2) < 0.15)

    let sine = SyntheticData.noisyRegression(count: 1000, noise: 0, seed: 1)
    #expect(sine.features.shape == [1000, 1])
    for (u, y) in zip(sine.features.doubles, sine.targets.doubles) {
      #expect(abs(y - sin(2 * Double.pi * u)) < 1e-6)
    }
  }
}
