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
}
