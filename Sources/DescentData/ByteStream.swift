import CZlib
import Foundation

/// A forward-only stream of bytes from a file: the file itself, or, when the file starts with the
/// gzip magic bytes `1f 8b`, its decompressed content, inflated by zlib in 64 KiB steps so that a
/// large file is never held twice in memory.
///
/// Readers pull exactly the bytes they need (`readExactly`), so a file that ends early becomes a
/// ``DataError/truncated(file:offset:expected:)`` naming the byte offset in the (decompressed)
/// content, and `isAtEnd` lets them reject trailing data.
final class ByteStream {
  /// The path, as shown in error messages.
  let path: String
  /// Whether the file is gzip-compressed.
  let isGzip: Bool
  /// Size of the file on disk in bytes (compressed size for gzip).
  let fileSize: Int
  /// Bytes of content delivered so far (decompressed bytes for gzip).
  private(set) var offset = 0

  private let file: UnsafeMutablePointer<FILE>
  private var inflater: Inflater?
  /// One byte read ahead by `isAtEnd`, given back by the next read.
  private var pending: UInt8?

  /// Opens `url`, detecting gzip by its first two bytes when `detectGzip` is true (formats whose
  /// first bytes may legitimately be `1f 8b`, like safetensors, pass false).
  init(url: URL, detectGzip: Bool = true) throws {
    path = url.path
    guard let file = fopen(url.path, "rb") else {
      throw DataError.cannotRead(file: url.path, reason: String(cString: strerror(errno)))
    }
    self.file = file
    var info = stat()
    if fstat(fileno(file), &info) != 0 || (info.st_mode & S_IFMT) == S_IFDIR {
      fclose(file)
      throw DataError.cannotRead(file: url.path, reason: "not a regular file")
    }
    fileSize = Int(info.st_size)
    var magic: [UInt8] = [0, 0]
    let got = fread(&magic, 1, 2, file)
    rewind(file)
    isGzip = detectGzip && got == 2 && magic[0] == 0x1f && magic[1] == 0x8b
    if isGzip { inflater = try Inflater(path: path) }
  }

  deinit {
    fclose(file)
  }

  /// The largest content a gzip file of this size can hold: deflate compresses at most about
  /// 1032:1, so a header announcing more than this is lying (checked before allocating).
  var maximumContentSize: Int {
    isGzip ? fileSize.multipliedReportingOverflow(by: 1032).partialValue : fileSize
  }

  /// Checks, before anything is allocated, that `byteCount` more bytes (announced by a header as
  /// `what`) can be in the file: for a plain file a shortfall is a truncated file; for gzip, a size
  /// beyond ``maximumContentSize`` is a header that lies (a short gzip file is caught while
  /// reading).
  func checkAvailable(_ byteCount: Int, what: String) throws {
    if !isGzip && byteCount > fileSize - offset {
      throw DataError.truncated(
        file: path, offset: fileSize,
        expected:
          "\(what) (\(byteCount) bytes from byte \(offset), the file has \(fileSize - offset))")
    }
    if byteCount > maximumContentSize - offset {
      throw DataError.sizeMismatch(
        file: path, offset: offset,
        detail:
          "the header announces \(what) (\(byteCount) bytes) but a gzip file of \(fileSize) bytes "
          + "cannot hold them")
    }
  }

  /// Reads up to `buffer.count` bytes; returns fewer only at the end of the content.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    var filled = 0
    if let byte = pending {
      base.storeBytes(of: byte, as: UInt8.self)
      pending = nil
      filled = 1
    }
    while filled < buffer.count {
      let target = UnsafeMutableRawBufferPointer(
        start: base + filled, count: buffer.count - filled)
      let n: Int
      if let inflater {
        n = try inflater.inflate(into: target, from: file)
      } else {
        n = fread(target.baseAddress, 1, target.count, file)
        if n == 0 && ferror(file) != 0 {
          throw DataError.cannotRead(file: path, reason: String(cString: strerror(errno)))
        }
      }
      if n == 0 { break }
      filled += n
    }
    offset += filled
    return filled
  }

  /// Reads exactly `buffer.count` bytes or throws ``DataError/truncated(file:offset:expected:)``
  /// describing `what` was expected.
  func readExactly(into buffer: UnsafeMutableRawBufferPointer, what: @autoclosure () -> String)
    throws
  {
    let start = offset
    let n = try read(into: buffer)
    if n < buffer.count {
      throw DataError.truncated(
        file: path, offset: start + n,
        expected: "\(what()) (\(buffer.count) bytes from byte \(start), got \(n))")
    }
  }

  /// Reads exactly `count` bytes into an array.
  func readBytes(_ count: Int, what: @autoclosure () -> String) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    try bytes.withUnsafeMutableBytes { try readExactly(into: $0, what: what()) }
    return bytes
  }

  /// Whether all content has been read (reads one byte ahead if needed).
  func isAtEnd() throws -> Bool {
    if pending != nil { return false }
    var byte: UInt8 = 0
    let n = try withUnsafeMutableBytes(of: &byte) { try read(into: $0) }
    if n == 0 { return true }
    offset -= 1
    pending = byte
    return false
  }

  /// Throws ``DataError/sizeMismatch(file:offset:detail:)`` if content remains after `what`.
  func expectEnd(after what: String) throws {
    if try !isAtEnd() {
      var extra = 0
      var chunk = [UInt8](repeating: 0, count: 1 << 16)
      let start = offset
      while true {
        let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
        if n == 0 { break }
        extra += n
      }
      throw DataError.sizeMismatch(
        file: path, offset: start, detail: "\(extra) bytes follow the end of \(what)")
    }
  }
}

/// zlib's inflate over a gzip file, with a 64 KiB input buffer; concatenated gzip members (as
/// `cat a.gz b.gz` makes) are read one after the other, like `gzip -d` does.
private final class Inflater {
  let path: String
  let stream: UnsafeMutablePointer<z_stream>
  let input: UnsafeMutablePointer<UInt8>
  let inputCapacity = 1 << 16
  /// Compressed bytes consumed from the file so far (for error positions).
  var compressedOffset = 0
  var finished = false
  /// Whether the current member has produced its end-of-stream marker.
  var memberEnded = false

  init(path: String) throws {
    self.path = path
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    input = .allocate(capacity: inputCapacity)
    let status = descent_inflate_init_gzip(stream)
    if status != Z_OK {
      stream.deallocate()
      input.deallocate()
      throw DataError.cannotRead(file: path, reason: "zlib inflateInit2 failed (\(status))")
    }
  }

  deinit {
    inflateEnd(stream)
    stream.deallocate()
    input.deallocate()
  }

  /// Inflates up to `buffer.count` bytes; returns 0 only at the end of the last member.
  func inflate(into buffer: UnsafeMutableRawBufferPointer, from file: UnsafeMutablePointer<FILE>)
    throws -> Int
  {
    if finished { return 0 }
    stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
    stream.pointee.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
    let capacity = Int(stream.pointee.avail_out)
    while stream.pointee.avail_out > 0 {
      if stream.pointee.avail_in == 0 {
        let n = fread(input, 1, inputCapacity, file)
        if n == 0 {
          if ferror(file) != 0 {
            throw DataError.cannotRead(file: path, reason: String(cString: strerror(errno)))
          }
          if memberEnded {
            finished = true
            break
          }
          throw DataError.corruptCompressedData(
            file: path, offset: compressedOffset,
            detail: "the compressed stream ends early, the file is truncated")
        }
        stream.pointee.next_in = input
        stream.pointee.avail_in = uInt(n)
      }
      if memberEnded {
        // More bytes after a complete member: another member starts here.
        inflateReset(stream)
        memberEnded = false
      }
      let before = Int(stream.pointee.avail_in)
      let status = CZlib.inflate(stream, Z_NO_FLUSH)
      compressedOffset += before - Int(stream.pointee.avail_in)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        continue
      case Z_STREAM_END:
        memberEnded = true
      default:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
        throw DataError.corruptCompressedData(
          file: path, offset: compressedOffset, detail: message)
      }
    }
    return capacity - Int(stream.pointee.avail_out)
  }
}

/// Compresses `bytes` into a gzip stream (used to write test files and exports).
func gzipCompress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
  let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
  stream.initialize(to: z_stream())
  defer {
    deflateEnd(stream)
    stream.deallocate()
  }
  precondition(
    descent_deflate_init_gzip(stream, level) == Z_OK, "gzipCompress: deflateInit2 failed")
  var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 32)
  var input = bytes
  let produced = input.withUnsafeMutableBufferPointer { inBuf in
    output.withUnsafeMutableBufferPointer { outBuf in
      stream.pointee.next_in = inBuf.baseAddress
      stream.pointee.avail_in = uInt(inBuf.count)
      stream.pointee.next_out = outBuf.baseAddress
      stream.pointee.avail_out = uInt(outBuf.count)
      let status = deflate(stream, Z_FINISH)
      precondition(status == Z_STREAM_END, "gzipCompress: deflate returned \(status)")
      return outBuf.count - Int(stream.pointee.avail_out)
    }
  }
  return Array(output[..<produced])
}
