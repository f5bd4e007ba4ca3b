import Foundation

/// What `descent functions` prints about one test function (its JSON record; a stable contract).
public struct TestFunctionListing: Codable, Equatable, Sendable {
  public let name: String
  public let description: String
  public let formula: String
  public let reference: String
  public let minimumDimension: Int
  /// `null` in JSON when any dimension from `minimumDimension` up is accepted.
  public let maximumDimension: Int?
  public let defaultStart: [Double]
  /// The known minima at the dimension of `defaultStart`.
  public let minima: [TestFunction.Minimum]

  public init(_ function: TestFunction) {
    name = function.name
    description = function.description
    formula = function.formula
    reference = function.reference
    minimumDimension = function.minimumDimension
    maximumDimension = function.maximumDimension
    defaultStart = function.defaultStart
    minima = function.minima
  }

  private enum CodingKeys: String, CodingKey {
    case name, description, formula, reference, minimumDimension, maximumDimension, defaultStart,
      minima
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(description, forKey: .description)
    try c.encode(formula, forKey: .formula)
    try c.encode(reference, forKey: .reference)
    try c.encode(minimumDimension, forKey: .minimumDimension)
    try c.encode(maximumDimension, forKey: .maximumDimension)  // explicit null
    try c.encode(defaultStart, forKey: .defaultStart)
    try c.encode(minima, forKey: .minima)
  }
}

extension TestFunctionCatalogue {
  /// Every function's listing as a JSON array (keys sorted, pretty-printed, UTF-8).
  public static func listingJSON(_ functions: [TestFunction] = all) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(functions.map(TestFunctionListing.init))
    return String(decoding: data, as: UTF8.self)
  }

  /// A plain-text table: name, dimension, default start, global minimum, description.
  public static func listingTable(_ functions: [TestFunction] = all) -> String {
    let header = ["NAME", "DIM", "START", "GLOBAL MINIMUM", "DESCRIPTION"]
    let rows = functions.map { f -> [String] in
      let global = f.minima.filter(\.isGlobal).map {
        "\(shortNumber($0.value)) at (\(shortNumbers($0.point)))"
      }
      return [
        f.name, f.dimensionDescription, "(\(shortNumbers(f.defaultStart)))",
        global.joined(separator: "; "), f.description,
      ]
    }
    let widths = header.indices.map { column in
      ([header] + rows).map { $0[column].count }.max()!
    }
    return ([header] + rows).map { row in
      row.enumerated().map { column, cell in
        column == row.count - 1
          ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }

  private static func shortNumbers(_ values: [Double]) -> String {
    if values.count > 4, Set(values).count == 1 {
      return "\(shortNumber(values[0])), ×\(values.count)"
    }
    return values.map(shortNumber).joined(separator: ", ")
  }

  private static func shortNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return String(format: "%.7g", value)
  }
}
