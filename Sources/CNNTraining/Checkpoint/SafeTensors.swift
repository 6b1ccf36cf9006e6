import CNNCore
import Foundation
import ImageIO

#if canImport(Glibc)
    import Glibc
#endif

// Tensor bytes are copied as they lie in memory: safetensors is little-endian, and so is every
// platform this package builds for.
#if _endian(big)
    #error("SafeTensorsFile copies tensor memory as little-endian bytes; add byte swapping for big-endian hosts")
#endif

/// A checkpoint file that cannot be read or written; the message names the file and the problem.
public struct CheckpointError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A `.safetensors` file (https://github.com/huggingface/safetensors), held in memory.
///
/// Layout: 8 bytes little-endian UInt64 N; N bytes of UTF-8 JSON header
/// `{"__metadata__": {string: string}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}`
/// (padded with spaces to a multiple of 8, like the reference writer); then the byte buffer. Offsets
/// are relative to the buffer start; the tensors, sorted by offset, tile the buffer exactly (no holes,
/// no overlap, no trailing bytes). Elements are little-endian, row-major.
///
/// Only F32 and I64 are supported (the engine's checkpoints: F32 tensors, I64 for BatchNorm's 0-dim
/// `num_batches_tracked`). This writer sorts the header keys by name and lays the data out I64 first,
/// then F32, each by name, so equal contents give byte-identical files.
public struct SafeTensorsFile: Equatable {
    public enum DType: String, Sendable {
        case f32 = "F32"
        case i64 = "I64"
        /// Bytes per element.
        public var byteCount: Int { self == .f32 ? 4 : 8 }
    }

    /// One tensor: its type, shape and raw little-endian bytes (count · dtype.byteCount of them).
    public struct Entry: Equatable {
        public var dtype: DType
        public var shape: [Int]
        public var bytes: [UInt8]
        public var elementCount: Int { shape.reduce(1, *) }

        public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }
    }

    public var tensors: [String: Entry]
    public var metadata: [String: String]

    public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The reference implementation refuses headers above 100 MB; so does this reader.
    public static let maximumHeaderLength = 100_000_000

    // MARK: - Tensors in and out

    /// Adds (or replaces) an F32 tensor with the tensor's shape and elements.
    public mutating func add(_ name: String, tensor: Tensor) {
        let bytes = [UInt8](UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * 4))
        tensors[name] = Entry(dtype: .f32, shape: tensor.shape.dimensions, bytes: bytes)
    }

    /// Adds (or replaces) an I64 scalar of shape [] (a 0-dim tensor, like PyTorch's `num_batches_tracked`).
    public mutating func add(_ name: String, int64 value: Int64) {
        let bytes = withUnsafeBytes(of: value.littleEndian) { [UInt8]($0) }
        tensors[name] = Entry(dtype: .i64, shape: [], bytes: bytes)
    }

    /// The named F32 tensor as a new `Tensor`.
    /// - Throws: `CheckpointError` when the name is missing or the tensor is not F32.
    public func floatTensor(_ name: String) throws -> Tensor {
        let entry = try self.entry(name, dtype: .f32)
        let tensor = Tensor(shape: Shape(entry.shape))
        entry.bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(tensor.data).copyMemory(from: raw.baseAddress!, byteCount: entry.bytes.count)
        }
        return tensor
    }

    /// Copies the named F32 tensor into `tensor`, whose shape must match.
    /// - Throws: `CheckpointError` naming the tensor when it is missing, not F32 or of another shape.
    public func read(_ name: String, into tensor: Tensor) throws {
        let entry = try self.entry(name, dtype: .f32)
        guard entry.shape == tensor.shape.dimensions else {
            throw CheckpointError("tensor \"\(name)\" has shape \(entry.shape), expected \(tensor.shape.dimensions)")
        }
        entry.bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(tensor.data).copyMemory(from: raw.baseAddress!, byteCount: entry.bytes.count)
        }
    }

    /// The named I64 scalar (shape [] or [1]).
    /// - Throws: `CheckpointError` when the name is missing, or it is not an I64 with one element.
    public func int64Scalar(_ name: String) throws -> Int64 {
        let entry = try self.entry(name, dtype: .i64)
        guard entry.elementCount == 1 else {
            throw CheckpointError("tensor \"\(name)\" has shape \(entry.shape), expected a scalar")
        }
        return entry.bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
    }

    private func entry(_ name: String, dtype: DType) throws -> Entry {
        guard let entry = tensors[name] else { throw CheckpointError("no tensor \"\(name)\" in the checkpoint") }
        guard entry.dtype == dtype else {
            throw CheckpointError("tensor \"\(name)\" is \(entry.dtype.rawValue), expected \(dtype.rawValue)")
        }
        return entry
    }

    // MARK: - Reading

    /// Reads and validates a file.
    /// - Throws: `CheckpointError` naming the file and what is wrong: unreadable, shorter than 8
    ///   bytes, header length beyond the file, header not a JSON object, unknown dtype, bad shape,
    ///   offsets out of range, overlapping, leaving holes, or not matching dtype × shape.
    public static func read(path: String) throws -> SafeTensorsFile {
        let bytes: [UInt8]
        do {
            // POSIX reads: errno's own message ("No such file or directory"), and a FIFO or device
            // is refused instead of waited on.
            bytes = try ImageDecoder.readFile(path)
        } catch {
            throw CheckpointError("\(error)")
        }
        return try parse(bytes, source: path)
    }

    /// Parses the bytes of a file; `source` names it in error messages.
    public static func parse(_ bytes: [UInt8], source: String) throws -> SafeTensorsFile {
        func fail(_ problem: String) -> CheckpointError {
            CheckpointError("\(source): not a valid safetensors file: \(problem)")
        }

        guard bytes.count >= 8 else {
            throw fail("the file has \(bytes.count) bytes, fewer than the 8 of the header length")
        }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail(
                "the header length is \(headerLength) bytes but only \(bytes.count - 8) bytes follow it (truncated file?)"
            )
        }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw fail("the header length \(headerLength) is above the 100 MB limit")
        }
        let headerEnd = 8 + Int(headerLength)
        let headerBytes = bytes[8..<headerEnd]
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("the header does not start with '{'") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw fail("the header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw fail("the header is not a JSON object") }

        let buffer = bytes[headerEnd...]
        var file = SafeTensorsFile()
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let metadata = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in metadata {
                    guard let text = item as? String else {
                        throw fail("__metadata__ value for \"\(key)\" is not a string")
                    }
                    file.metadata[key] = text
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("tensor \"\(name)\" is not an object") }
            guard let dtypeText = info["dtype"] as? String else { throw fail("tensor \"\(name)\" has no dtype") }
            guard let dtype = DType(rawValue: dtypeText) else {
                throw fail("tensor \"\(name)\" has dtype \(dtypeText); this reader supports F32 and I64")
            }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \"\(name)\" has no valid shape (a list of integers ≥ 0)")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor \"\(name)\" has no valid data_offsets (two integers)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= buffer.count else {
                throw fail(
                    "tensor \"\(name)\" has data_offsets [\(begin), \(end)] outside the \(buffer.count)-byte buffer")
            }
            var expected = dtype.byteCount
            for dimension in shape {
                let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("tensor \"\(name)\" has a shape \(shape) too large") }
                expected = product
            }
            guard end - begin == expected else {
                throw fail(
                    "tensor \"\(name)\" (\(dtypeText), shape \(shape)) needs \(expected) bytes but its data_offsets [\(begin), \(end)] span \(end - begin)"
                )
            }
            let start = buffer.startIndex + begin
            file.tensors[name] = Entry(dtype: dtype, shape: shape, bytes: Array(bytes[start..<(start + end - begin)]))
            spans.append((begin, end, name))
        }

        // The tensors must tile the buffer: sorted by offset, each starts where the previous ends.
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for span in spans {
            if span.begin < position {
                throw fail(
                    "tensor \"\(span.name)\" overlaps the tensor before it (it starts at byte \(span.begin), the previous ends at \(position))"
                )
            }
            if span.begin > position {
                throw fail(
                    "bytes \(position)..<\(span.begin) of the buffer belong to no tensor (a hole before \"\(span.name)\")"
                )
            }
            position = span.end
        }
        guard position == buffer.count else {
            throw fail("the buffer has \(buffer.count) bytes but the tensors cover \(position) (trailing bytes)")
        }
        return file
    }

    /// A JSON list of integers as Ints (nil when anything in it is not an integer that fits).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in list {
            guard let number = item as? Int else { return nil }
            result.append(number)
        }
        return result
    }

    // MARK: - Writing

    /// The file's bytes: header with sorted keys, padded with spaces to a multiple of 8, then the
    /// tensors (8-byte types first, then 4-byte ones, each by name).
    /// - Throws: `CheckpointError` when an entry's byte count does not match its dtype × shape.
    public func serialized() throws -> [UInt8] {
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
        }
        // Layout: wider dtypes first (as the reference writer does, so every element is aligned
        // to its size), then by name; the header lists the tensors by name.
        let layout = tensors.keys.sorted { (tensors[$1]!.dtype.byteCount, $0) < (tensors[$0]!.dtype.byteCount, $1) }
        var offsets: [String: Int] = [:]
        var offset = 0
        for name in layout {
            let entry = tensors[name]!
            guard name != "__metadata__" else { throw CheckpointError("a tensor cannot be named __metadata__") }
            guard entry.shape.allSatisfy({ $0 >= 0 }), entry.bytes.count == entry.elementCount * entry.dtype.byteCount
            else {
                throw CheckpointError(
                    "tensor \"\(name)\" (\(entry.dtype.rawValue), shape \(entry.shape)) has \(entry.bytes.count) bytes, expected \(entry.elementCount * entry.dtype.byteCount)"
                )
            }
            offsets[name] = offset
            offset += entry.bytes.count
        }
        for name in tensors.keys.sorted() {
            let entry = tensors[name]!, begin = offsets[name]!
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(Self.jsonString(name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(begin + entry.bytes.count)]}"
            )
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }

        var result: [UInt8] = []
        result.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { result.append(contentsOf: $0) }
        result += headerBytes
        for name in layout { result += tensors[name]!.bytes }
        return result
    }

    /// A JSON string literal (RFC 8259 escaping).
    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Writes the file atomically: a temporary file in the same directory is written, fsync'ed and
    /// renamed over `path`, then the directory is fsync'ed. An existing file at `path` is replaced only
    /// when everything succeeded; on failure the temporary file is removed.
    /// - Throws: `CheckpointError` naming the path and the failing system call.
    public func write(path: String) throws {
        let bytes = try serialized()
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary =
            directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ operation: String, _ target: String, replaced: Bool = false) -> CheckpointError {
            CheckpointError(
                "\(path): cannot write checkpoint: \(operation) \(target) failed: \(String(cString: strerror(errno)))"
                    + (replaced ? "" : "; the file at \(path), if any, is unchanged"))
        }

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("creating", temporary) }
        var written = 0
        // Tests inject a kill or a full disk half-way through the temporary file (nil otherwise).
        let fault = WriteFaultInjection.fault(forWriteOf: path)
        let firstPart = fault == nil ? bytes.count : bytes.count / 2
        let writeError: CheckpointError? = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                if written == firstPart, let fault {
                    errno = WriteFaultInjection.trigger(fault, path: path)
                    return failure("writing", temporary)
                }
                let end = written < firstPart ? firstPart : raw.count
                let result = Glibc.write(descriptor, raw.baseAddress! + written, end - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return failure("writing", temporary)
                }
                written += result
            }
            return fsync(descriptor) == 0 ? nil : failure("fsync of", temporary)
        }
        if let writeError {
            close(descriptor)
            unlink(temporary)
            throw writeError
        }
        guard close(descriptor) == 0 else {
            let error = failure("closing", temporary)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("renaming \(temporary) to", path)
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable.
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw failure("opening directory", directory, replaced: true) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw failure("fsync of directory", directory, replaced: true) }
    }
}
