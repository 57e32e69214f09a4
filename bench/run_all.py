"""Run every benchmark in bench/ (each prints its figures and a final JSON line) and collect the JSON lines."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["api", "upload", "stt", "notes_eval", "checklist_eval", "outputs", "search"]


def main() -> int:
    names = sys.argv[1:] or [n for n in ORDER if (HERE / f"{n}.py").exists()]
    results, failed = [], []
    for name in names:
        print(f"\n=== bench/{name}.py ===", flush=True)
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent, text=True, capture_output=True
        )
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            failed.append(name)
            sys.stdout.write(proc.stderr[-3000:])
        for line in proc.stdout.splitlines():
            if line.startswith("{") and '"bench"' in line:
                with contextlib.suppress(json.JSONDecodeError):
                    results.append(json.loads(line))
        print(f"--- {name}: {time.time() - t0:.0f} s, exit {proc.returncode}", flush=True)
    print("\nSUMMARY")
    for r in results:
        print(json.dumps(r))
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
