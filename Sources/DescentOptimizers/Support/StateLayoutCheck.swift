import Foundation

/// Checks that a loaded optimizer state fits the parameters it will update, before any step: a
/// checkpoint of another model (other parameter paths, other shapes) otherwise decodes fine and
/// then stops the first fused update on a precondition.
///
/// The rule is structural, so it holds for every transformation without code of its own: both the
/// loaded state and the transformation's fresh `initialState(for:)` of the model's parameters are
/// encoded as JSON (tensors as `{dtype, shape, …}`), and the two trees are walked together.
/// - Wherever the fresh state holds a tensor, the loaded state must hold one of the same dtype and
///   shape.
/// - Wherever the fresh state holds a `ParameterTree` (an array of `{path, tensor}`), the loaded one
///   must name the same parameters in the same order.
/// - Other arrays are compared on their common prefix (histories that grow, such as M-FAC's
///   gradient window, start empty); numbers and strings are not compared (counts, steps).
///
/// Cost: one encoding of the fresh state with its tensors referenced, not copied — O(number of
/// tensors), independent of their sizes.
enum StateLayoutCheck {
  /// nil when `loaded` fits `fresh`; otherwise one line naming the state entry and both layouts.
  static func mismatch(fresh: Any, loaded: Any, at location: String = "optimizer state") -> String? {
    if let expected = fresh as? [String: Any] {
      if let dtype = expected["dtype"] as? String, let shape = expected["shape"] as? [Int] {
        guard let found = loaded as? [String: Any], let foundDtype = found["dtype"] as? String,
          let foundShape = found["shape"] as? [Int]
        else { return "\(location) is not a tensor; the model's parameters need \(dtype) \(shape)" }
        guard foundDtype == dtype && foundShape == shape else {
          return "\(location) is \(foundDtype) \(foundShape), the model's parameters need "
            + "\(dtype) \(shape)"
        }
        return nil
      }
      guard let found = loaded as? [String: Any] else { return nil }
      for key in expected.keys.sorted() {
        guard let value = found[key] else { continue }
        let inner = location == "optimizer state" ? "optimizer state \(key)" : "\(location).\(key)"
        if let problem = mismatch(fresh: expected[key]!, loaded: value, at: inner) { return problem }
      }
      return nil
    }
    guard let expected = fresh as? [Any], let found = loaded as? [Any] else { return nil }
    let expectedPaths = parameterPaths(expected)
    if let expectedPaths, !expectedPaths.isEmpty {
      let foundPaths = parameterPaths(found) ?? []
      guard foundPaths == expectedPaths else {
        let extra = foundPaths.filter { !expectedPaths.contains($0) }
        let missing = expectedPaths.filter { !foundPaths.contains($0) }
        let detail =
          !extra.isEmpty || !missing.isEmpty
          ? "has \(describe(extra)) that the model lacks and lacks \(describe(missing))"
          : "names the parameters in another order"
        return "\(location) \(detail)"
      }
      for (index, path) in expectedPaths.enumerated() {
        let tensor = (expected[index] as? [String: Any])?["tensor"] as Any
        let other = (found[index] as? [String: Any])?["tensor"] as Any
        if let problem = mismatch(fresh: tensor, loaded: other, at: "\(location)[\(path)]") {
          return problem
        }
      }
      return nil
    }
    for (index, (a, b)) in zip(expected, found).enumerated() {
      if let problem = mismatch(fresh: a, loaded: b, at: "\(location)[\(index)]") { return problem }
    }
    return nil
  }

  /// The paths of an encoded `ParameterTree`, nil for any other array.
  private static func parameterPaths(_ array: [Any]) -> [String]? {
    var paths: [String] = []
    for element in array {
      guard let entry = element as? [String: Any], entry.count == 2, entry["tensor"] != nil,
        let path = entry["path"] as? String
      else { return nil }
      paths.append(path)
    }
    return paths
  }

  private static func describe(_ paths: [String]) -> String {
    if paths.isEmpty { return "nothing" }
    let shown = paths.prefix(3).joined(separator: ", ")
    return paths.count > 3 ? "\(shown) and \(paths.count - 3) more" : shown
  }
}
