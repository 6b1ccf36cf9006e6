import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where tensors' elements live. Buffers of 2 MiB or more are aligned to 2 MiB and offered to the
/// kernel as transparent huge pages (`madvise(MADV_HUGEPAGE)`; Debian's default THP mode is
/// "madvise", so without the call they get 4 KiB pages). Why: a smallcnn training step touches
/// about 100 MB of activations and gradients, thousands of 4 KiB pages per pass, more than the TLB
/// holds; and which L2 sets a buffer's lines fall into then depends on the physical pages the
/// kernel hands out, which differ from process to process (the same binary ran at two speeds, 8%
/// apart). A 2 MiB page is physically contiguous, so its placement in the caches is the same in
/// every run. `CNNTRAIN_HUGEPAGES=off` keeps plain allocations, for A/B runs.
enum TensorMemory {
    /// 2 MiB: the x86-64 huge page.
    static let hugePageBytes = 2 << 20
    /// Whether large buffers get huge pages (CNNTRAIN_HUGEPAGES=off: no).
    static let usesHugePages = ProcessInfo.processInfo.environment["CNNTRAIN_HUGEPAGES"] != "off"

    /// Whether a buffer of `count` Floats is a huge-page one.
    private static func isHuge(_ count: Int) -> Bool {
        usesHugePages && count * MemoryLayout<Float>.stride >= hugePageBytes
    }

    /// A buffer of `count` Floats, uninitialized.
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        guard isHuge(count) else { return .allocate(capacity: count) }
        let bytes = roundedBytes(count)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, hugePageBytes, bytes) == 0, let raw else {
            return .allocate(capacity: count)  // (not reached in practice; the plain path frees it alike)
        }
        #if canImport(Glibc)
            _ = madvise(raw, bytes, MADV_HUGEPAGE)  // a hint: without THP the buffer still works
        #endif
        return raw.bindMemory(to: Float.self, capacity: count)
    }

    /// Frees a buffer from `allocate` (both kinds come from malloc's family: `free` releases them).
    static func deallocate(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        guard isHuge(count) else { pointer.deallocate(); return }
        free(pointer)
    }

    /// `count` Floats in bytes, rounded up to whole huge pages.
    private static func roundedBytes(_ count: Int) -> Int {
        let bytes = count * MemoryLayout<Float>.stride
        return (bytes + hugePageBytes - 1) / hugePageBytes * hugePageBytes
    }
}
