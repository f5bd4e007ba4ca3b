/// A strict JSON value, as the safetensors header needs: objects keep their key order and reject
/// duplicate keys; integers are kept exact (no float round trip); booleans are not numbers.
enum JSONValue: Equatable {
  case object([(key: String, value: JSONValue)])
  case array([JSONValue])
  case string(String)
  case integer(Int)
  case number(Double)
  case bool(Bool)
  case null

  static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.object(let a), .object(let b)):
      a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    case (.array(let a), .array(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.integer(let a), .integer(let b)): a == b
    case (.number(let a), .number(let b)): a == b
    case (.bool(let a), .bool(let b)): a == b
    case (.null, .null): true
    default: false
    }
  }
}

/// A JSON syntax error at a byte offset of the parsed text.
struct JSONError: Error {
  var offset: Int
  var detail: String
}

/// Recursive-descent JSON parser over UTF-8 bytes (RFC 8259), nesting limited to 64 levels.
struct JSONParser {
  private let bytes: [UInt8]
  private var index = 0
  private var depth = 0

  static func parse(_ bytes: [UInt8]) throws -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    let value = try parser.value()
    parser.skipSpace()
    guard parser.index == bytes.count else { throw parser.error("unexpected text after the value") }
    return value
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private func error(_ detail: String) -> JSONError { JSONError(offset: index, detail: detail) }

  private mutating func skipSpace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  private mutating func consume(_ byte: UInt8) -> Bool {
    skipSpace()
    if index < bytes.count && bytes[index] == byte {
      index += 1
      return true
    }
    return false
  }

  private mutating func value() throws -> JSONValue {
    skipSpace()
    guard index < bytes.count else { throw error("unexpected end of text") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    default: return try number()
    }
  }

  private mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
    guard bytes[index...].starts(with: word.utf8) else { throw error("invalid literal") }
    index += word.utf8.count
    return value
  }

  private mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
    depth += 1
    guard depth <= 64 else { throw error("nesting deeper than 64 levels") }
    defer { depth -= 1 }
    return try body(&self)
  }

  private mutating func object() throws -> JSONValue {
    try nested { p in
      p.index += 1
      var members: [(key: String, value: JSONValue)] = []
      var keys = Set<String>()
      if p.consume(UInt8(ascii: "}")) { return .object(members) }
      repeat {
        p.skipSpace()
        guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "\"") else {
          throw p.error("expected a string key")
        }
        let keyOffset = p.index
        let key = try p.string()
        guard keys.insert(key).inserted else {
          throw JSONError(offset: keyOffset, detail: "duplicate key \"\(key)\"")
        }
        guard p.consume(UInt8(ascii: ":")) else { throw p.error("expected ':'") }
        members.append((key, try p.value()))
      } while p.consume(UInt8(ascii: ","))
      guard p.consume(UInt8(ascii: "}")) else { throw p.error("expected ',' or '}'") }
      return .object(members)
    }
  }

  private mutating func array() throws -> JSONValue {
    try nested { p in
      p.index += 1
      var elements: [JSONValue] = []
      if p.consume(UInt8(ascii: "]")) { return .array(elements) }
      repeat { elements.append(try p.value()) } while p.consume(UInt8(ascii: ","))
      guard p.consume(UInt8(ascii: "]")) else { throw p.error("expected ',' or ']'") }
      return .array(elements)
    }
  }

  private mutating func string() throws -> String {
    index += 1
    var out: [UInt8] = []
    while true {
      guard index < bytes.count else { throw error("unterminated string") }
      let byte = bytes[index]
      index += 1
      switch byte {
      case UInt8(ascii: "\""):
        guard let text = String(validating: out, as: UTF8.self) else {
          throw error("string is not valid UTF-8")
        }
        return text
      case UInt8(ascii: "\\"):
        guard index < bytes.count else { throw error("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar) {
            guard bytes[index...].starts(with: "\\u".utf8) else { throw error("lone surrogate") }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
            scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
          }
          guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
          out += Array(String(Character(unicode)).utf8)
        default: throw error("invalid escape")
        }
      case 0..<0x20: throw error("control character in string")
      default: out.append(byte)
      }
    }
  }

  private mutating func hex4() throws -> UInt32 {
    guard index + 4 <= bytes.count,
      let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
    else { throw error("invalid \\u escape") }
    index += 4
    return value
  }

  private mutating func number() throws -> JSONValue {
    let start = index
    let allowed = Set("+-0123456789.eE".utf8)
    while index < bytes.count, allowed.contains(bytes[index]) { index += 1 }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard !text.isEmpty else { throw error("unexpected character") }
    if let integer = Int(text) { return .integer(integer) }
    guard let value = Double(text), value.isFinite else { throw error("invalid number \(text)") }
    return .number(value)
  }
}

/// `text` as a JSON string literal.
func jsonQuoted(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case _ where scalar.value < 0x20:
      out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}

/// JSON text, for error messages that quote a value (`shape [-64,64]`, not the enum's cases).
extension JSONValue: CustomStringConvertible {
  var description: String {
    switch self {
    case .object(let fields):
      return "{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    case .array(let values): return "[" + values.map(\.description).joined(separator: ",") + "]"
    case .string(let s): return "\"\(s)\""
    case .integer(let i): return String(i)
    case .number(let x): return String(x)
    case .bool(let b): return String(b)
    case .null: return "null"
    }
  }
}
