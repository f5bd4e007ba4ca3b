import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct CSVReaderTests {
  let folder = TemporaryFolder()

  @Test func readsFeaturesAndLabel() throws {
    let text = "a, label ,b\r\n1.5,2,-3\n\n 4e2 ,0, 0.25 \n"
    let dataset = try CSVReader.read(contentsOf: folder.file("small.csv", text: text))
    #expect(dataset.name == "small")
    #expect(dataset.features.shape == [2, 2])
    #expect(dataset.features.floats == [1.5, -3, 400, 0.25])
    #expect(dataset.labels.ints == [2, 0])
    #expect(dataset.classCount == 3)
  }

  @Test func chosenLabelColumnAndGzip() throws {
    let text = "x,y,target\n1,2,1\n3,4,0\n"
    let url = folder.file("data.csv.gz", gzipCompress(Array(text.utf8)))
    let dataset = try CSVReader.read(contentsOf: url, labelColumn: "target")
    #expect(dataset.features.floats == [1, 2, 3, 4])
    #expect(dataset.labels.ints == [1, 0])
    expectDataError("malformedHeader", containing: ["no columns named \"label\""]) {
      _ = try CSVReader.read(contentsOf: url)
    }
  }

  @Test func nonNumericCellNamesLineAndColumn() {
    let text = "a,b,label\n1,2,0\n3,abc,1\n"
    let error = expectDataError(
      "nonNumericCell", containing: ["bad.csv", "line 3, column 2 (b)", "\"abc\""]
    ) { _ = try CSVReader.read(contentsOf: folder.file("bad.csv", text: text)) }
    #expect(
      error
        == .nonNumericCell(
          file: folder.url.appendingPathComponent("bad.csv").path, line: 3, column: 2,
          columnName: "b", text: "abc"))
    expectDataError("nonNumericCell", containing: ["line 2, column 1", "\"\""]) {
      _ = try CSVReader.read(contentsOf: folder.file("empty-cell.csv", text: "a,label\n,1\n"))
    }
  }

  @Test func raggedRows() {
    expectDataError("raggedRow", containing: ["line 3", "2 cells where the header has 3"]) {
      _ = try CSVReader.read(contentsOf: folder.file("r.csv", text: "a,b,label\n1,2,0\n1,0\n"))
    }
    expectDataError("raggedRow", containing: ["line 2", "4 cells"]) {
      _ = try CSVReader.read(contentsOf: folder.file("r2.csv", text: "a,b,label\n1,2,0,5\n"))
    }
  }

  @Test func notANumberOnlyWhenAllowed() throws {
    let url = folder.file("nan.csv", text: "a,b,label\n1,nan,0\n2,3,1\n")
    expectDataError("notFinite", containing: ["line 2, column 2 (b)", "nan"]) {
      _ = try CSVReader.read(contentsOf: url)
    }
    let dataset = try CSVReader.read(contentsOf: url, allowNaN: true)
    #expect(dataset.features.floats[1].isNaN)
    expectDataError("notFinite", containing: ["line 2, column 1"]) {
      _ = try CSVReader.read(contentsOf: folder.file("inf.csv", text: "a,label\ninf,0\n"))
    }
    expectDataError("outOfRange", containing: ["float32"]) {
      _ = try CSVReader.read(contentsOf: folder.file("big.csv", text: "a,label\n1e300,0\n"))
    }
  }

  @Test func invalidLabels() {
    for (name, cell) in [("frac", "1.5"), ("neg", "-1"), ("nanlabel", "nan")] {
      expectDataError("invalidLabel", containing: ["line 2, column 2 (label)", "\"\(cell)\""]) {
        _ = try CSVReader.read(contentsOf: folder.file("\(name).csv", text: "a,label\n1,\(cell)\n"))
      }
    }
  }

  @Test func emptyFiles() {
    expectDataError("emptyFile") {
      _ = try CSVReader.read(contentsOf: folder.file("e.csv", text: ""))
    }
    expectDataError("emptyFile") {
      _ = try CSVReader.read(contentsOf: folder.file("blank.csv", text: "\n  \n"))
    }
    expectDataError("truncated", containing: ["at least one data row"]) {
      _ = try CSVReader.read(contentsOf: folder.file("header.csv", text: "a,label\n"))
    }
    expectDataError("cannotRead", containing: ["missing.csv"]) {
      _ = try CSVReader.read(contentsOf: folder.url.appendingPathComponent("missing.csv"))
    }
  }

  @Test func featuresOnlyAndLongFile() throws {
    // More than one 64 KiB block, with a line that straddles the block boundary.
    var text = "p,q\n"
    for i in 0..<20000 { text += "\(i),\(Double(i) / 8)\n" }
    let plain = folder.file("long.csv", text: text)
    let packed = folder.file("long.csv.gz", gzipCompress(Array(text.utf8)))
    for url in [plain, packed] {
      let (columns, values) = try CSVReader.readFeatures(contentsOf: url)
      #expect(columns == ["p", "q"])
      #expect(values.shape == [20000, 2])
      #expect(values[element: 19999, 1] == 19999.0 / 8)
      #expect(values[element: 12345, 0] == 12345)
    }
  }
}
