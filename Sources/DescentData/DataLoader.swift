import Descent

/// One mini-batch: features `[b, featureShape...]` float32, labels `[b]` int32, and where it came
/// from.
public struct Batch: Sendable {
  public var features: Tensor
  public var labels: Tensor
  /// The examples' indices in the data set.
  public var indices: [Int]
  /// The epoch and the batch's index within it.
  public var epoch: Int
  public var index: Int
}

/// Where a ``DataLoader`` stands — the next batch it will produce — plus the settings that
/// determine its order, so that a checkpoint restores the exact data order (Codable).
public struct DataLoaderState: Codable, Sendable, Equatable {
  /// The epoch of the next batch (0-based).
  public var epoch: Int
  /// The index of the next batch within its epoch.
  public var batchIndex: Int
  public var seed: UInt64
  public var batchSize: Int
  public var exampleCount: Int
  public var shuffle: Bool
  public var dropLast: Bool
}

/// Splits a data set into mini-batches, epoch after epoch, in an order that is a pure function of
/// `(seed, epoch)`.
///
/// With `shuffle`, epoch `e` visits the examples in the order
/// ``shuffledIndices(count:seed:epoch:)`` gives for `(seed, e)`; otherwise in index order. Batches take consecutive runs of `batchSize`
/// examples of that order; the last, smaller batch is kept unless `dropLast`. ``next()`` walks
/// through the batches and on into the next epoch; ``state`` / ``restore(_:)`` save and resume
/// that position, so a resumed run sees exactly the batches an uninterrupted one would.
///
/// Cost: one `O(count)` shuffle per epoch; each batch copies its rows (`O(b × features)`).
public struct DataLoader<D: Dataset>: Sendable {
  public let dataset: D
  public let batchSize: Int
  public let shuffle: Bool
  public let seed: UInt64
  public let dropLast: Bool
  /// The epoch of the next batch.
  public private(set) var epoch = 0
  /// The index within its epoch of the next batch.
  public private(set) var batchIndex = 0
  private var cachedOrder: (epoch: Int, order: [Int])?

  public init(
    _ dataset: D, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false
  ) {
    precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
    self.dataset = dataset
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.seed = seed
    self.dropLast = dropLast
  }

  /// Batches per epoch: `⌊count / batchSize⌋` with `dropLast`, else `⌈count / batchSize⌉`.
  public var batchesPerEpoch: Int {
    dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
  }

  /// The order in which epoch `epoch` visits the examples.
  public func order(epoch: Int) -> [Int] {
    if let cachedOrder, cachedOrder.epoch == epoch { return cachedOrder.order }
    return shuffle
      ? shuffledIndices(count: dataset.count, seed: seed, epoch: epoch) : Array(0..<dataset.count)
  }

  /// The dataset indices of batch `index` of epoch `epoch`.
  public func indices(ofBatch index: Int, epoch: Int) -> [Int] {
    slice(order(epoch: epoch), batch: index)
  }

  /// Batch `index` of epoch `epoch`.
  public func batch(_ index: Int, epoch: Int) -> Batch {
    makeBatch(indices(ofBatch: index, epoch: epoch), epoch: epoch, index: index)
  }

  /// The batches of epoch `epoch`, in order; lazy, each batch is copied when it is reached.
  public func batches(epoch: Int) -> LazyMapSequence<Range<Int>, Batch> {
    let order = order(epoch: epoch)
    return (0..<batchesPerEpoch).lazy.map {
      makeBatch(slice(order, batch: $0), epoch: epoch, index: $0)
    }
  }

  private func slice(_ order: [Int], batch index: Int) -> [Int] {
    precondition(
      index >= 0 && index < batchesPerEpoch,
      "DataLoader: batch \(index) out of 0..<\(batchesPerEpoch)")
    return Array(order[(index * batchSize)..<min((index + 1) * batchSize, order.count)])
  }

  private func makeBatch(_ indices: [Int], epoch: Int, index: Int) -> Batch {
    Batch(
      features: gatherRows(dataset.features, indices), labels: gatherRows(dataset.labels, indices),
      indices: indices, epoch: epoch, index: index)
  }

  /// The next batch; after an epoch's last batch, continues with the next epoch.
  public mutating func next() -> Batch {
    precondition(
      batchesPerEpoch > 0,
      "DataLoader: no batches (\(dataset.count) examples, batch size \(batchSize), dropLast)")
    if batchIndex >= batchesPerEpoch {
      epoch += 1
      batchIndex = 0
    }
    if cachedOrder?.epoch != epoch { cachedOrder = (epoch, order(epoch: epoch)) }
    defer { batchIndex += 1 }
    return batch(batchIndex, epoch: epoch)
  }

  /// The position and settings, for a checkpoint.
  public var state: DataLoaderState {
    DataLoaderState(
      epoch: epoch, batchIndex: batchIndex, seed: seed, batchSize: batchSize,
      exampleCount: dataset.count, shuffle: shuffle, dropLast: dropLast)
  }

  /// Resumes at a saved position; throws if the state was saved by a loader with other settings.
  public mutating func restore(_ state: DataLoaderState) throws {
    let saved = (state.seed, state.batchSize, state.exampleCount, state.shuffle, state.dropLast)
    let current = (seed, batchSize, dataset.count, shuffle, dropLast)
    guard saved == current else {
      throw DataError.incompatibleLoaderState(
        detail:
          "saved with (seed, batchSize, examples, shuffle, dropLast) = \(saved), this loader has "
          + "\(current)")
    }
    guard state.epoch >= 0, state.batchIndex >= 0, state.batchIndex <= batchesPerEpoch else {
      throw DataError.incompatibleLoaderState(
        detail:
          "position epoch \(state.epoch), batch \(state.batchIndex) is outside "
          + "0...\(batchesPerEpoch)")
    }
    epoch = state.epoch
    batchIndex = state.batchIndex
  }
}
