import Foundation

extension OptimizerCatalogue {
  /// Every optimizer as a JSON array (`descent optimizers --format json`, a stable contract):
  /// records with the keys `name`, `summary`, `paper`, `reference` and `hyperparameters`, each of
  /// those `{"name", "defaultValue", "description", "validValues"}` (`defaultValue` a number or a
  /// boolean). Keys sorted, pretty-printed, UTF-8.
  public static func listingJSON(_ optimizers: [OptimizerInfo] = available) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(optimizers), as: UTF8.self)
  }

  /// A plain-text listing: per optimizer a title line (name and summary), its paper and reference,
  /// then one line per hyperparameter: name, default, valid values, description.
  public static func listingTable(_ optimizers: [OptimizerInfo] = available) -> String {
    optimizers.map { info in
      let names = info.hyperparameters.map(\.name)
      let defaults = info.hyperparameters.map(\.defaultValue.description)
      let valid = info.hyperparameters.map(\.validValues)
      func width(_ column: [String]) -> Int { column.map(\.count).max() ?? 0 }
      func pad(_ s: String, _ n: Int) -> String {
        s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0)
      }
      let lines = info.hyperparameters.indices.map { i in
        "  " + pad(names[i], width(names)) + "  " + pad(defaults[i], width(defaults)) + "  "
          + pad(valid[i], width(valid)) + "  " + info.hyperparameters[i].description
      }
      return
        ([
          "\(info.name): \(info.summary)", "  paper: \(info.paper)",
          "  reference: \(info.reference)",
        ] + lines).joined(separator: "\n")
    }.joined(separator: "\n\n")
  }

  /// The catalogue as the Markdown table in docs/optimizers.md (generated; a test keeps the page
  /// in sync): name, Swift type, group, reference, and every hyperparameter with its default.
  public static func markdownTable(_ optimizers: [OptimizerInfo] = builtIn) -> String {
    var lines = [
      "| name | type | group | reference matched | hyperparameters (`--set` key = default) |",
      "| --- | --- | --- | --- | --- |",
    ]
    for info in optimizers {
      let settings = info.hyperparameters.map { "\($0.name) \($0.defaultValue)" }
      lines.append(
        "| `\(info.name)` | `\(info.typeName)` | \(info.group.rawValue) | \(info.reference) | "
          + settings.joined(separator: ", ") + " |")
    }
    return lines.joined(separator: "\n")
  }
}
