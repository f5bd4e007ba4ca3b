import Foundation

/// Collects the tensors of a value being encoded (or supplies them while decoding), so that the
/// value's structure goes to JSON and its tensors to a binary container such as a safetensors
/// checkpoint, instead of base64 inside the JSON.
///
/// Pass it in the coder's `userInfo` under ``userInfoKey``: each encoded tensor is then written as
/// `{"ref": "t0"}` and stored here under that name; decoding resolves the references.
public final class TensorArchive: @unchecked Sendable {
  /// The `userInfo` key of JSONEncoder/JSONDecoder under which the archive is passed.
  public static let userInfoKey = CodingUserInfoKey(rawValue: "descent.tensorArchive")!

  /// The collected tensors, named `t0`, `t1`, ... in encoding order.
  public private(set) var tensors: [(name: String, tensor: Tensor)] = []
  private var byName: [String: Tensor] = [:]

  public init() {}

  /// An archive holding these tensors, for decoding.
  public init(_ tensors: [(name: String, tensor: Tensor)]) {
    self.tensors = tensors
    for (name, tensor) in tensors { byName[name] = tensor }
  }

  func store(_ tensor: Tensor) -> String {
    let name = "t\(tensors.count)"
    tensors.append((name, tensor))
    byName[name] = tensor
    return name
  }

  func tensor(named name: String) -> Tensor? { byName[name] }
}

/// `Codable` as `{dtype, shape, data}` with the raw little-endian bytes in base64, so that values
/// round-trip bit for bit (optimizer state in JSON checkpoints, golden files). With a
/// ``TensorArchive`` in the coder's `userInfo`, as `{dtype, shape, ref}` with the bytes in the
/// archive. The autodiff node is not encoded.
extension Tensor: Codable {
  private enum CodingKeys: String, CodingKey { case dtype, shape, data, ref }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let dtype = try container.decode(DType.self, forKey: .dtype)
    let shape = try container.decode([Int].self, forKey: .shape)
    if let reference = try container.decodeIfPresent(String.self, forKey: .ref) {
      guard let archive = decoder.userInfo[TensorArchive.userInfoKey] as? TensorArchive,
        let tensor = archive.tensor(named: reference)
      else {
        throw DecodingError.dataCorruptedError(
          forKey: .ref, in: container,
          debugDescription: "tensor reference '\(reference)' has no tensor in the archive")
      }
      guard tensor.shape == shape && tensor.dtype == dtype else {
        throw DecodingError.dataCorruptedError(
          forKey: .ref, in: container,
          debugDescription:
            "tensor '\(reference)' is \(tensor.dtype) \(tensor.shape), the state expects \(dtype) \(shape)")
      }
      self = tensor
      return
    }
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
    if let archive = encoder.userInfo[TensorArchive.userInfoKey] as? TensorArchive {
      try container.encode(archive.store(detached()), forKey: .ref)
    } else {
      try container.encode(Data(bytes).base64EncodedString(), forKey: .data)
    }
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
