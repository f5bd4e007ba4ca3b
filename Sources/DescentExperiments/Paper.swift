/// One of the papers Descent turns into working methods (`../shared/papers/` in the project's
/// planning notes; docs/reproduce.md lists them all).
public struct Paper: Sendable, Equatable, Codable {
  /// How far the paper is in Descent.
  public enum Status: String, Sendable, Codable, CaseIterable {
    /// `descent reproduce ID` re-runs its headline experiment.
    case reproduced
    /// The method is in the library, but no experiment re-runs the paper's claim yet.
    case library
    /// Nothing yet.
    case absent
  }

  /// The fixed id scripts use (`descent reproduce ID`).
  public let id: String
  public let title: String
  /// The arXiv identifier, `YYMM.NNNNN`.
  public let arxiv: String
  /// Whether the method (optimizer, schedule, tool) is in the library.
  let methodInLibrary: Bool

  init(_ id: String, _ title: String, arxiv: String, inLibrary: Bool = false) {
    self.id = id
    self.title = title
    self.arxiv = arxiv
    methodInLibrary = inLibrary
  }

  /// `reproduced` when an experiment exists, else `library` or `absent`.
  public var status: Status {
    if ExperimentCatalogue.experiment(id: id) != nil { return .reproduced }
    return methodInLibrary ? .library : .absent
  }

  private enum CodingKeys: String, CodingKey { case id, title, arxiv, status }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(title, forKey: .title)
    try c.encode(arxiv, forKey: .arxiv)
    try c.encode(status, forKey: .status)
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    title = try c.decode(String.self, forKey: .title)
    arxiv = try c.decode(String.self, forKey: .arxiv)
    methodInLibrary = try c.decode(Status.self, forKey: .status) != .absent
  }
}
