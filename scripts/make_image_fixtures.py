#!/usr/bin/python3
"""Writes the small image and dataset fixtures of Tests/Fixtures/images and Tests/Fixtures/data.

PNGs are written by hand (zlib + CRC from the standard library) so that every variant — 16-bit,
1-bit, gray+alpha, palette with tRNS, Adam7 interlaced, a header claiming 60000×60000 — has exactly
the pixels the tests expect. JPEGs come from Pillow (Debian python3-pil; installed by this script
when missing). Run from anywhere:  /usr/bin/python3 scripts/make_image_fixtures.py
The pixel formulas here are repeated in Tests/ImageIOTests/Fixtures.swift; change both together.
"""
import gzip, os, random, struct, subprocess, sys, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")
IMAGES = os.path.join(ROOT, "images")
DATA = os.path.join(ROOT, "data")

try:
    from PIL import Image
except ImportError:
    subprocess.check_call(["apt-get", "install", "-y", "-qq", "python3-pil"])
    from PIL import Image


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(path, width, height, bit_depth, color_type, rows, palette=None, trns=None, interlace=False):
    """rows: list of per-row lists of samples (already packed for bit depths < 8 as ints per sample)."""
    samples = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]

    def pack_row(row):
        if bit_depth == 8:
            return bytes(row)
        if bit_depth == 16:
            return b"".join(struct.pack(">H", v) for v in row)
        # bit depths 1, 2, 4: pack MSB first
        out, acc, nbits = bytearray(), 0, 0
        for v in row:
            acc = (acc << bit_depth) | v
            nbits += bit_depth
            if nbits == 8:
                out.append(acc); acc, nbits = 0, 0
        if nbits:
            out.append(acc << (8 - nbits))
        return bytes(out)

    raw = bytearray()
    if not interlace:
        for row in rows:
            raw += b"\x00" + pack_row(row)
    else:  # Adam7
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        for x0, y0, dx, dy in passes:
            for y in range(y0, height, dy):
                sub = []
                for x in range(x0, width, dx):
                    sub += rows[y][x * samples:(x + 1) * samples]
                if sub:
                    raw += b"\x00" + pack_row(sub)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if palette:
        data += chunk(b"PLTE", bytes(sum(palette, [])))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    data += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)
    return data


def gray(x, y):
    return (x * 50 + y * 20) % 256


def rgb(x, y):
    return [(x * 60) % 256, (y * 100) % 256, (x * 30 + y * 40 + 7) % 256]


def main():
    os.makedirs(IMAGES, exist_ok=True)
    os.makedirs(os.path.join(IMAGES, "broken"), exist_ok=True)
    W, H = 5, 3
    png(f"{IMAGES}/gray8.png", W, H, 8, 0, [[gray(x, y) for x in range(W)] for y in range(H)])
    png(f"{IMAGES}/gray16.png", W, H, 16, 0, [[gray(x, y) * 257 for x in range(W)] for y in range(H)])
    # 1-bit gray: pixel on when (x + y) is even → 255, else 0.
    png(f"{IMAGES}/gray1.png", 9, 2, 1, 0, [[1 if (x + y) % 2 == 0 else 0 for x in range(9)] for y in range(2)])
    # gray+alpha: gray(x, y), alpha = x * 60.
    png(f"{IMAGES}/gray_alpha.png", W, H, 8, 4, [sum([[gray(x, y), x * 60] for x in range(W)], []) for y in range(H)])
    # gray with tRNS: value 100 is transparent → gray+alpha.
    png(f"{IMAGES}/gray_trns.png", 4, 1, 8, 0, [[100, 50, 100, 200]], trns=struct.pack(">H", 100))
    # palette with tRNS: index 0 transparent, index 1 half, indices 2, 3 opaque.
    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]
    png(f"{IMAGES}/palette.png", 4, 2, 8, 3, [[0, 1, 2, 3], [3, 2, 1, 0]], palette=palette, trns=bytes([0, 128]))
    # 4-bit palette without tRNS → RGB.
    png(f"{IMAGES}/palette4.png", 4, 1, 4, 3, [[3, 2, 1, 0]], palette=palette)
    png(f"{IMAGES}/rgb.png", W, H, 8, 2, [sum([rgb(x, y) for x in range(W)], []) for y in range(H)])
    png(f"{IMAGES}/rgb16.png", W, H, 16, 2, [sum([[v * 257 for v in rgb(x, y)] for x in range(W)], []) for y in range(H)])
    png(f"{IMAGES}/rgba.png", W, H, 8, 6, [sum([rgb(x, y) + [x * 60] for x in range(W)], []) for y in range(H)])
    png(f"{IMAGES}/interlaced.png", 9, 7, 8, 2, [sum([rgb(x, y) for x in range(9)], []) for y in range(7)], interlace=True)

    # JPEGs: 16×16, four flat 8×8 blocks (flat blocks survive JPEG almost exactly).
    blocks_rgb = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]  # top-left, top-right, bottom-left, bottom-right
    image = Image.new("RGB", (16, 16))
    for i, colour in enumerate(blocks_rgb):
        image.paste(colour, ((i % 2) * 8, (i // 2) * 8, (i % 2) * 8 + 8, (i // 2) * 8 + 8))
    image.save(f"{IMAGES}/baseline.jpg", quality=95, subsampling=0)
    image.save(f"{IMAGES}/progressive.jpg", quality=95, subsampling=0, progressive=True)
    image.save(f"{IMAGES}/really_jpeg.png", format="JPEG", quality=95, subsampling=0)  # mislabelled
    grayscale = Image.new("L", (16, 16))
    for i, value in enumerate([0, 85, 170, 255]):
        grayscale.paste(value, ((i % 2) * 8, (i // 2) * 8, (i % 2) * 8 + 8, (i // 2) * 8 + 8))
    grayscale.save(f"{IMAGES}/grayscale.jpg", quality=95)
    # CMYK: red (0,255,255,0), white (0,0,0,0), black (0,0,0,255), cyan (255,0,0,0).
    cmyk = Image.new("CMYK", (16, 16))
    for i, value in enumerate([(0, 255, 255, 0), (0, 0, 0, 0), (0, 0, 0, 255), (255, 0, 0, 0)]):
        cmyk.paste(value, ((i % 2) * 8, (i // 2) * 8, (i % 2) * 8 + 8, (i // 2) * 8 + 8))
    cmyk.save(f"{IMAGES}/cmyk.jpg", quality=95)
    # 64×48 gradient for DCT scaling (1/2, 1/4, 1/8 → 32×24, 16×12, 8×6).
    large = Image.new("RGB", (64, 48))
    large.putdata([(x * 4, y * 5, 128) for y in range(48) for x in range(64)])
    large.save(f"{IMAGES}/large.jpg", quality=90)

    # Broken corpus.
    rgb_png = open(f"{IMAGES}/rgb.png", "rb").read()
    broken = os.path.join(IMAGES, "broken")
    open(f"{broken}/truncated.png", "wb").write(rgb_png[: len(rgb_png) - 30])
    jpeg = open(f"{IMAGES}/large.jpg", "rb").read()
    open(f"{broken}/truncated.jpg", "wb").write(jpeg[: len(jpeg) // 2])
    open(f"{broken}/empty.png", "wb").write(b"")
    rng = random.Random(1234)
    open(f"{broken}/random.jpg", "wb").write(bytes(rng.randrange(256) for _ in range(300)))
    # A valid-looking 60000×60000 RGB PNG header with one tiny IDAT: refused before allocation.
    huge = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
    huge += chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    open(f"{broken}/huge_claim.png", "wb").write(huge)
    # A corrupt IDAT (bad zlib data, CRC fixed up): a PNG that is damaged inside.
    bad = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 0, 0, 0, 0))
    bad += chunk(b"IDAT", b"\x78\x9c" + bytes(rng.randrange(256) for _ in range(20))) + chunk(b"IEND", b"")
    open(f"{broken}/corrupt_idat.png", "wb").write(bad)

    # IDX: 3 training images of 2×3 (pixel = 10·n + index), labels 2, 0, 1; 2 test images, labels 1, 1.
    idx = os.path.join(DATA, "idx")
    idx_gz = os.path.join(DATA, "idx-gz")
    os.makedirs(idx, exist_ok=True)
    os.makedirs(idx_gz, exist_ok=True)

    def idx_images(n, rows, cols):
        return struct.pack(">IIII", 0x803, n, rows, cols) + bytes((10 * i + p) % 256 for i in range(n) for p in range(rows * cols))

    files = {
        "train-images-idx3-ubyte": idx_images(3, 2, 3),
        "train-labels-idx1-ubyte": struct.pack(">II", 0x801, 3) + bytes([2, 0, 1]),
        "t10k-images-idx3-ubyte": idx_images(2, 2, 3),
        "t10k-labels-idx1-ubyte": struct.pack(">II", 0x801, 2) + bytes([1, 1]),
    }
    for name, content in files.items():
        open(os.path.join(idx, name), "wb").write(content)
        with gzip.GzipFile(os.path.join(idx_gz, name + ".gz"), "wb", mtime=0) as f:
            f.write(content)

    # CIFAR-10 binary: data_batch_1 with 2 records, data_batch_2 with 1, test_batch with 1.
    # Record r (global order): label r % 10, pixel p of channel c = (r + 3·c + p) % 256.
    cifar = os.path.join(DATA, "cifar")
    os.makedirs(cifar, exist_ok=True)

    def records(first, count):
        out = bytearray()
        for r in range(first, first + count):
            out.append(r % 10)
            out += bytes((r + 3 * c + p) % 256 for c in range(3) for p in range(1024))
        return bytes(out)

    open(f"{cifar}/data_batch_1.bin", "wb").write(records(0, 2))
    open(f"{cifar}/data_batch_2.bin", "wb").write(records(2, 1))
    open(f"{cifar}/test_batch.bin", "wb").write(records(3, 1))
    open(f"{cifar}/batches.meta.txt", "w").write("\n".join(["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n\n")
    print("fixtures written to", ROOT)


if __name__ == "__main__":
    main()
