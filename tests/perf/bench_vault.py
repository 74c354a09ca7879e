"""The device key's cost on the tablet: sealing a draft as the practitioner types, and unlocking.

Run from the repository root (Debian's Chromium must be installed; scripts/test installs it)::

    .venv/bin/python tests/perf/bench_vault.py [--repeat 201]

In headless Chromium, on a page of the app served on a loopback port (static/js/vault.js, the
code the app runs):

- Draft save: sealing a visit draft of about 4 KB (AES-GCM, fresh IV) and writing it to
  IndexedDB, as drafts.js does after each pause in typing; the baseline, in the same run, is the
  same write unsealed. Median of ``--repeat``; target under 5 ms.
- Unlock: deriving the wrapping key from the passphrase (PBKDF2-SHA256, 600,000 iterations) and
  unwrapping the data key. Median of 7; target under 1 s.
It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import statistics
import sys

from app_page import evaluate_in_app_page

DRAFT_TARGET_MS = 5
UNLOCK_TARGET_MS = 1000
MEASURE = """async (repeat) => {
    const { createVault, lock, seal, unlock } = await import('/static/js/vault.js');
    const { database } = await import('/static/js/store.js');
    const db = await database();
    const userId = 'bench-user';
    await createVault(userId, 'tea and toast at four');
    const fields = {};
    for (let index = 0; index < 40; index += 1) {
        fields[`field-${index}`] = 'Amy was at home with her mum; the flat was warm. '.repeat(2);
    }
    const timed = async (work, times) => {
        const taken = [];
        for (let round = 0; round < times; round += 1) {
            const start = performance.now();
            await work(round);
            taken.push(performance.now() - start);
        }
        return taken;
    };
    const plain = await timed((round) => db.put('drafts', { key: `plain-${round % 5}`, fields }), repeat);
    const sealed = await timed(async (round) => db.put('drafts', {
        key: `sealed-${round % 5}`, sealed: await seal(fields) }), repeat);
    const unlocking = await timed(async () => {
        lock();
        if (!(await unlock(userId, 'tea and toast at four')).ok) throw new Error('unlock failed');
    }, 7);
    return { plain, sealed, unlocking, bytes: JSON.stringify(fields).length };
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=201)
    options = parser.parse_args()
    result = evaluate_in_app_page(MEASURE, options.repeat)
    plain, sealed = statistics.median(result["plain"]), statistics.median(result["sealed"])
    unlock = statistics.median(result["unlocking"])
    print(f"draft save of {result['bytes'] / 1024:.1f} KB, median of {options.repeat}: sealed "
          f"{sealed:.2f} ms (target < {DRAFT_TARGET_MS} ms); unsealed {plain:.2f} ms; "
          f"sealing adds {sealed - plain:.2f} ms")
    print(f"unlock (PBKDF2-SHA256 600,000 iterations + unwrap), median of 7: {unlock:.0f} ms "
          f"(target < {UNLOCK_TARGET_MS} ms)")
    return 0 if sealed < DRAFT_TARGET_MS and unlock < UNLOCK_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
