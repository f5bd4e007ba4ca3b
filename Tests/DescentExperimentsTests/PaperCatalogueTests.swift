import DescentExperiments
import Foundation
import Testing

@Suite struct PaperCatalogueTests {
  /// The ids are a contract scripts rely on: this list changes only when a paper is added.
  static let contractIDs = [
    "diffgrad", "8bit", "lr-batch", "deep-ritz", "adadagrad", "adasketch", "adahessian",
    "refined-schedules", "ntk", "mfac", "convex-relu", "odice", "hierarchical-poly",
    "optimistic-omd", "bsvrb", "dcdm", "attention-svm", "neural-bandits", "last-iterate",
    "stability", "score-matching", "hessian-alignment", "monge-gap", "adversarial-mdp",
    "dp-spiderboost", "snnk", "orex", "reste", "sophia", "sso", "diff2", "bo-rep",
    "icl-one-step", "gradient-coding", "pretraining", "colide", "input-gradients",
  ]

  @Test func idsAreTheContract() {
    #expect(PaperCatalogue.ids == Self.contractIDs)
  }

  @Test func arxivIdsAreWellFormedAndDistinct() {
    let pattern = /^[0-9]{4}\.[0-9]{4,5}$/
    for paper in PaperCatalogue.papers {
      #expect(paper.arxiv.wholeMatch(of: pattern) != nil, "\(paper.id): \(paper.arxiv)")
      #expect(!paper.title.isEmpty)
    }
    #expect(Set(PaperCatalogue.papers.map(\.arxiv)).count == PaperCatalogue.papers.count)
  }

  @Test func everyExperimentBelongsToAPaperAndMarksItReproduced() {
    for experiment in ExperimentCatalogue.experiments {
      let paper = PaperCatalogue.paper(id: experiment.id)
      #expect(paper?.status == .reproduced, "\(experiment.id)")
      #expect(!experiment.claim.isEmpty && !experiment.method.isEmpty)
    }
    let reproduced = PaperCatalogue.papers.filter { $0.status == .reproduced }.map(\.id)
    #expect(reproduced == ExperimentCatalogue.experiments.map(\.id))
  }

  @Test func unknownAndUnreproducedIdsGiveOneLineErrors() {
    #expect(throws: ExperimentError.unknownPaper("difgrad")) {
      try ExperimentCatalogue.run(id: "difgrad", context: ExperimentContext(quick: true))
    }
    #expect(ExperimentError.unknownPaper("difgrad").description.contains("did you mean 'diffgrad'"))
    let absent = PaperCatalogue.papers.first { $0.status == .absent }!
    #expect(throws: ExperimentError.notReproduced(absent)) {
      try ExperimentCatalogue.run(id: absent.id, context: ExperimentContext(quick: true))
    }
  }

  /// docs/reproduce.md lists every paper with its current status, and every reproduced paper has
  /// its page.
  @Test func docsListEveryPaperWithItsStatus() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let docs = try String(
      contentsOf: root.appendingPathComponent("docs/reproduce.md"), encoding: .utf8)
    for paper in PaperCatalogue.papers {
      let row = docs.split(separator: "\n").first { $0.hasPrefix("| `\(paper.id)` |") }
      #expect(
        row?.contains("| \(paper.status.rawValue) |") == true,
        "docs/reproduce.md: no row for \(paper.id) with status \(paper.status.rawValue)")
      if paper.status == .reproduced {
        #expect(
          FileManager.default.fileExists(
            atPath: root.appendingPathComponent("docs/reproduce/\(paper.id).md").path),
          "docs/reproduce/\(paper.id).md is missing")
      }
    }
  }
}
