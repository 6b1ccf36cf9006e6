import CNNCore
import Foundation
import ImageIO

#if canImport(Glibc)
    import Glibc
#endif

/// Writing a `.safetensors` file: sorted header keys and a fixed data layout, so that equal
/// contents give byte-identical files (see `SafeTensorsFile`).
extension SafeTensorsFile {
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
