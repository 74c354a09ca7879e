"""The media stores: keeping and reading an image in a directory and in PostgreSQL's table.

Run from the repository root (needs PostgreSQL on 127.0.0.1:5432, trust auth)::

    .venv/bin/python tests/perf/bench_media_store.py [--repeat 51]

On one new PostgreSQL database (migrated, with the demo's people and children), for each store
(``directory``, the baseline, and ``postgresql``): the median time to keep a processed photo
(``media.operations.attach``: the row, the image and its thumbnail, the audit event, the commit)
and to read it back as ``/media/<id>`` does (``store.read`` and the request's commit). The photo
is a 2,048 px JPEG made from a phone-sized picture by the app's own processing.
It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from bench_chronology import app_config, fresh_database
from PIL import Image

from dailylife import create_app, demo
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.media import operations, store
from dailylife.media.models import MediaKind
from dailylife.media.processing import process
from dailylife.people.models import User

STORES = ("directory", "postgresql")


def photo() -> bytes:
    picture = Image.blend(Image.linear_gradient("L").resize((4032, 3024)).convert("RGB"),
                          Image.effect_noise((4032, 3024), 40).convert("RGB"), 0.3)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def measure(url: str, kind: str, media_dir: Path, image, repeat: int) -> tuple[float, float]:
    app = create_app({**app_config(url), "MEDIA_STORE": kind, "MEDIA_DIR": str(media_dir)})
    with app.app_context():
        entry = db.session.scalar(sa.select(Entry).where(Entry.kind == Kind.OBSERVATION).limit(1))
        author = db.session.get(User, entry.author_id)
        kept = []

        def keep():
            kept.append(operations.attach(author, entry, media_id=uuid.uuid4(),
                                          kind=MediaKind.PHOTO, caption=None, image=image))
            db.session.commit()

        writes = [timed(keep) for _ in range(repeat)]

        def read(media):
            assert store.read(media) is not None
            db.session.commit()

        reads = [timed(lambda media=media: read(media)) for media in kept]
        db.engine.dispose()
    return statistics.median(writes), statistics.median(reads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=51)
    arguments = parser.parse_args()
    image = process(photo(), 50_000_000)
    print(f"photo kept as {len(image.image) / 1024:.0f} KB + thumbnail "
          f"{len(image.thumbnail) / 1024:.0f} KB; median of {arguments.repeat}")
    with tempfile.TemporaryDirectory() as scratch, fresh_database("postgresql",
                                                                   Path(scratch)) as url:
        app = create_app(app_config(url))
        with app.app_context():
            demo.seed("bench-password")
            db.session.commit()
            db.engine.dispose()
        results = {kind: measure(url, kind, Path(scratch) / "media", image, arguments.repeat)
                   for kind in STORES}
    base_write, base_read = results["directory"]
    for kind, (write, read) in results.items():
        print(f"{kind:>10}: keep {write:6.1f} ms ({write / base_write:.2f}x)   "
              f"read {read:6.2f} ms ({read / base_read:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
