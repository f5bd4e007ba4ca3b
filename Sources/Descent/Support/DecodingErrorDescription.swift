extension DecodingError {
  /// One line naming where in the document decoding failed and why, for error messages:
  /// `at state.expAvg[0].tensor.ref: ...` — instead of Swift's multi-line dump of the case, its
  /// context and its coding path.
  public var oneLine: String {
    func place(_ path: [any CodingKey]) -> String {
      guard !path.isEmpty else { return "at the top level" }
      var text = ""
      for key in path {
        if let index = key.intValue {
          text += "[\(index)]"
        } else {
          text += (text.isEmpty ? "" : ".") + key.stringValue
        }
      }
      return "at " + text
    }
    switch self {
    case .typeMismatch(let type, let context):
      return "\(place(context.codingPath)): expected \(type)"
    case .valueNotFound(let type, let context):
      return "\(place(context.codingPath)): no \(type) value"
    case .keyNotFound(let key, let context):
      return "\(place(context.codingPath + [key])): missing"
    case .dataCorrupted(let context):
      let reason = context.debugDescription.split(separator: "\n").first.map(String.init) ?? ""
      return "\(place(context.codingPath)): \(reason)"
    @unknown default:
      return "\(self)".split(separator: "\n").first.map(String.init) ?? "unreadable"
    }
  }
}
