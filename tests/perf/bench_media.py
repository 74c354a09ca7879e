"""Images: the server's processing of a 12-megapixel photo, and what the tablet's downscale saves.

Run from the repository root (Debian's Chromium must be installed; scripts/test installs it)::

    .venv/bin/python tests/perf/bench_media.py [--repeat 11]

- Server: ``dailylife.media.processing.process`` (identify, check the pixel count, decode, scale to
  2,048 px, turn upright by EXIF, strip metadata, encode, make the thumbnail) on a 4032×3024 JPEG
  with GPS EXIF and an orientation tag, like a phone's. Two pictures: a photo-like one (smooth
  areas and fine grain, about 4.5 MB) and a worst case (pure noise, which JPEG cannot compress:
  the slowest to decode). The baseline, measured in the same run, is Pillow only decoding the
  same file at full size: processing decodes big photos at a reduced scale (libjpeg's DCT
  scaling), so it can cost less than that. Median of ``--repeat``; target under 400 ms.
- Tablet: ``downscale`` from static/js/media.js in headless Chromium (the canvas redraw the app
  does as soon as a photo is chosen) on the photo-like picture: the upload's size before and
  after, and the median time it takes.
It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import base64
import io
import statistics
import sys
import time

from app_page import evaluate_in_app_page
from PIL import Image

from dailylife.media.processing import process

SIZE = (4032, 3024)
MAX_PIXELS = 50_000_000
TARGET_MS = 400
DOWNSCALE = """async ([encoded, repeat]) => {
    const { downscale } = await import('/static/js/media.js');
    const bytes = Uint8Array.from(atob(encoded), (character) => character.charCodeAt(0));
    const file = new File([bytes], 'photo.jpg', { type: 'image/jpeg' });
    const times = [];
    let blob;
    for (let round = 0; round < repeat; round += 1) {
        const start = performance.now();
        blob = await downscale(file);
        times.push(performance.now() - start);
    }
    return { size: blob.size, times };
}"""


def phone_jpeg(noise_share: float) -> bytes:
    noise = Image.effect_noise(SIZE, 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.5)})
    out = io.BytesIO()
    Image.blend(gradient, noise, noise_share).save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def median_ms(work, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def decode_only(content: bytes) -> None:
    Image.open(io.BytesIO(content)).load()


def server_figures(repeat: int) -> bool:
    met = True
    for name, noise_share in (("photo-like", 0.15), ("worst case (noise)", 1.0)):
        content = phone_jpeg(noise_share)
        processing = median_ms(lambda: process(content, MAX_PIXELS), repeat)
        baseline = median_ms(lambda: decode_only(content), repeat)
        print(f"server, {name} 12 MP JPEG of {len(content) / 1e6:.1f} MB: processing median "
              f"{processing:.0f} ms (target < {TARGET_MS} ms); Pillow decode alone {baseline:.0f}"
              f" ms; ratio {processing / baseline:.2f}")
        met = met and processing < TARGET_MS
    return met


def tablet_figures(repeat: int) -> None:
    content = phone_jpeg(0.15)
    result = evaluate_in_app_page(DOWNSCALE, [base64.b64encode(content).decode(), repeat])
    print(f"tablet, 12 MP photo of {len(content) / 1e6:.2f} MB downscaled to 2,048 px: "
          f"{result['size'] / 1e6:.2f} MB ({len(content) / result['size']:.1f}× smaller upload, "
          f"{100 * (1 - result['size'] / len(content)):.0f}% less); median "
          f"{statistics.median(result['times']):.0f} ms in headless Chromium")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=11)
    options = parser.parse_args()
    met = server_figures(options.repeat)
    tablet_figures(options.repeat)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
