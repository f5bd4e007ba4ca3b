import Foundation

/// The built-in test functions, by name (the names `descent optimize --function` accepts).
public enum TestFunctionCatalogue {
  /// Every built-in function, in the order `descent functions` lists them.
  public static let all: [TestFunction] = [
    .sphere, .rosenbrock, .beale, .booth, .rastrigin, .ackley, .styblinskiTang,
    .diffGradF1, .diffGradF2, .diffGradF3,
  ]

  public static var names: [String] { all.map(\.name) }

  /// The function called `name` (case-insensitive; `_` and `-` are interchangeable).
  ///
  /// - Throws: ``TestFunctionError/unknownName(_:suggestions:known:)`` with the closest names.
  public static func named(_ name: String) throws -> TestFunction {
    let key = normalized(name)
    if let function = all.first(where: { normalized($0.name) == key }) { return function }
    throw TestFunctionError.unknownName(
      name, suggestions: closestNames(to: name, among: names), known: names)
  }

  private static func normalized(_ name: String) -> String {
    name.lowercased().replacingOccurrences(of: "_", with: "-")
  }

  /// The candidates within a small edit distance of `name` (at most a third of its length, at least
  /// 2), closest first, or those that start with it.
  public static func closestNames(to name: String, among candidates: [String]) -> [String] {
    let key = Array(name.lowercased())
    let limit = max(2, key.count / 3)
    let scored = candidates.map { ($0, editDistance(key, Array($0.lowercased()))) }
    let close = scored.filter { $0.1 <= limit }.sorted { $0.1 < $1.1 }.map(\.0)
    if !close.isEmpty { return close }
    return key.isEmpty ? [] : candidates.filter { $0.lowercased().hasPrefix(name.lowercased()) }
  }

  /// Levenshtein distance between two character sequences.
  private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
