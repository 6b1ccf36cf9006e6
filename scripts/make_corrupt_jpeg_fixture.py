#!/usr/bin/python3
"""Writes Tests/Fixtures/images/broken/corrupt_entropy.jpg: large.jpg (64×48) whose entropy-coded
data is damaged in the middle of the scan, but whose markers are intact.

libjpeg decodes such a file without an error: it warns "Corrupt JPEG data: …" and fills in the
damaged blocks. cnntrain must report it (tests: ImageIOTests/CorruptEntropyTests, CNNDataTests).

    /usr/bin/python3 scripts/make_corrupt_jpeg_fixture.py

Deterministic: bytes 40%–60% of the way through the scan data become 0x00 (zero bytes are never
part of a marker, so the file's structure is unchanged).
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "Tests/Fixtures/images/large.jpg")
TARGET = os.path.join(ROOT, "Tests/Fixtures/images/broken/corrupt_entropy.jpg")


def scan_data_range(data):
    """(start, end) of the first scan's entropy-coded bytes: after the SOS header, before EOI."""
    position = 2
    while position < len(data):
        assert data[position] == 0xFF, f"expected a marker at {position}"
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if marker == 0xDA:  # start of scan
            start = position + 2 + length
            end = data.rindex(b"\xff\xd9")
            return start, end
        position += 2 + length
    raise ValueError("no SOS marker")


def main():
    data = bytearray(open(SOURCE, "rb").read())
    start, end = scan_data_range(data)
    size = end - start
    for i in range(start + size * 4 // 10, start + size * 6 // 10):
        if data[i - 1] != 0xFF:  # keep stuffed bytes (FF 00) and restart markers intact
            data[i] = 0x00
    with open(TARGET, "wb") as f:
        f.write(data)
    print(f"wrote {TARGET} ({len(data)} bytes; zeroed scan bytes {size * 4 // 10}–{size * 6 // 10} of {size})")


if __name__ == "__main__":
    main()
