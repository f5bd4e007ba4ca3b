/// NumPy broadcasting: the shape two operands broadcast to, or `nil` when they do not.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
  let rank = max(a.count, b.count)
  var result = [Int](repeating: 1, count: rank)
  for i in 0..<rank {
    let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
    let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
    if da == db || db == 1 {
      result[i] = da
    } else if da == 1 {
      result[i] = db
    } else {
      return nil
    }
  }
  return result
}

/// The strides (in elements) with which a contiguous tensor of `shape` is read when broadcast to
/// `target`: 0 along broadcast dimensions.
@usableFromInline func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
  let own = contiguousStrides(shape)
  var result = [Int](repeating: 0, count: target.count)
  let offset = target.count - shape.count
  for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
    result[i + offset] = shape[i] == 1 ? 0 : own[i]
  }
  return result
}

/// Walks the rows (last dimension) of a broadcast iteration space, giving each operand's offset
/// at the start of every row.
@usableFromInline struct BroadcastRows {
  @usableFromInline let outerShape: [Int]
  @usableFromInline let operandStrides: [[Int]]
  @usableFromInline let rowLength: Int
  @usableFromInline let rowStrides: [Int]
  @usableFromInline let rowCount: Int

  @usableFromInline init(shape: [Int], operands: [[Int]]) {
    let strides = operands.map { broadcastStrides($0, to: shape) }
    if shape.isEmpty {
      outerShape = []
      operandStrides = strides.map { _ in [] }
      rowLength = 1
      rowStrides = strides.map { _ in 0 }
      rowCount = 1
    } else {
      outerShape = Array(shape.dropLast())
      operandStrides = strides.map { Array($0.dropLast()) }
      rowLength = shape[shape.count - 1]
      rowStrides = strides.map { $0[$0.count - 1] }
      rowCount = shapeElementCount(outerShape)
    }
  }

  /// Operand offsets at the start of row `row` (at most three operands: no allocation per row).
  @inlinable func offsets(ofRow row: Int) -> RowOffsets {
    precondition(operandStrides.count <= 3, "BroadcastRows: at most 3 operands")
    var remainder = row
    var offsets = RowOffsets()
    let operands = operandStrides.count
    for d in stride(from: outerShape.count - 1, through: 0, by: -1) {
      let index = remainder % outerShape[d]
      remainder /= outerShape[d]
      if index == 0 { continue }
      offsets.values.0 += index * operandStrides[0][d]
      if operands > 1 { offsets.values.1 += index * operandStrides[1][d] }
      if operands > 2 { offsets.values.2 += index * operandStrides[2][d] }
    }
    return offsets
  }
}

/// The offsets of up to three operands at the start of one broadcast row.
@usableFromInline struct RowOffsets {
  @usableFromInline var values: (Int, Int, Int) = (0, 0, 0)
  @inlinable init() {}
  @inlinable subscript(_ operand: Int) -> Int {
    switch operand {
    case 0: values.0
    case 1: values.1
    default: values.2
    }
  }
}
