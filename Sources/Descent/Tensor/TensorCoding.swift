import Foundation

/// `Codable` as `{dtype, shape, data}` with the raw little-endian bytes in base64, so that values
/// round-trip bit for bit (optimizer state in JSON checkpoints, golden files). The autodiff node is
/// not encoded.
extension Tensor: Codable {
  private enum CodingKeys: String, CodingKey { case dtype, shape, data }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let dtype = try container.decode(DType.self, forKey: .dtype)
    let shape = try container.decode([Int].self, forKey: .shape)
    let encoded = try container.decode(String.self, forKey: .data)
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw DecodingError.dataCorruptedError(
        forKey: .shape, in: container, debugDescription: "negative dimension in shape \(shape)")
    }
    guard let data = Data(base64Encoded: encoded) else {
      throw DecodingError.dataCorruptedError(
        forKey: .data, in: container, debugDescription: "tensor data is not valid base64")
    }
    let expected = shape.reduce(1, *) * dtype.byteSize
    guard data.count == expected else {
      throw DecodingError.dataCorruptedError(
        forKey: .data, in: container,
        debugDescription: "tensor data has \(data.count) bytes, \(dtype) \(shape) needs \(expected)")
    }
    self.init(bytes: data, shape: shape, dtype: dtype)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(dtype, forKey: .dtype)
    try container.encode(shape, forKey: .shape)
    try container.encode(Data(bytes).base64EncodedString(), forKey: .data)
  }
}

/// `Codable` as an ordered array of `{path, tensor}`.
extension ParameterTree: Codable {
  private struct Entry: Codable {
    let path: String
    let tensor: Tensor
  }

  public init(from decoder: any Decoder) throws {
    let entries = try decoder.singleValueContainer().decode([Entry].self)
    self.init()
    for entry in entries {
      guard self[entry.path] == nil else {
        throw DecodingError.dataCorrupted(
          .init(codingPath: decoder.codingPath, debugDescription: "duplicate path \(entry.path)"))
      }
      append(entry.path, entry.tensor)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(entries.map { Entry(path: $0.path, tensor: $0.tensor) })
  }
}
