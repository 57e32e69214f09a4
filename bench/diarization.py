"""Diarization benchmark: share of speech time attributed to the right speaker on two-speaker
conversations built from real voices with known turns.

    .venv/bin/python bench/diarization.py [--audio-dir ../shared/data/audio-real] [--gap 0.3]

Speakers (``../shared/data/audio-real``): LJ Speech (``LJ*``, female), ``harvard_spk1_*``,
``cards_*`` (PocketSphinx's test speaker), ``librivox_*`` and the two LibriVox readers of ``cats`` and
``dagon`` (cut into 4-second turns). For every pair of speakers one conversation alternates their
turns A, B, A, B, ... (as many as the shorter speaker has, at most 8) with ``--gap`` seconds of
silence between turns; the segments handed to the diarizer are the known turns (``--segments turns``)
or, as in the service, the default STT engine's segments of the audio (``--segments whisper``, which
may run over a turn change). Accuracy = seconds of the true turns covered by a segment with the right speaker / all their seconds,
after the best mapping of predicted speaker indices to the true speakers (a diarizer names speakers
0, 1, ... not "A" and "B"). Also: how often the doctor rule's "first speaker" is the true first
speaker, how many single voices (each speaker's clips alone, a dictated note) are found as one
speaker, and the diarizer's CPU time per audio second. The last line printed is one JSON object:
``{"bench": "diarization", ...}``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")

SR = 16_000
TURN_SECONDS = 4.0
MAX_TURNS_PER_SPEAKER = 4


def _read(path: Path) -> np.ndarray:
    import soundfile

    data, sr = soundfile.read(str(path), dtype="float32")
    if data.ndim > 1:
        data = data.mean(axis=1)
    if sr != SR:
        raise SystemExit(f"{path.name}: {sr} Hz, expected {SR}")
    return data


def _cut(samples: np.ndarray) -> list[np.ndarray]:
    n = int(TURN_SECONDS * SR)
    return [samples[i : i + n] for i in range(0, len(samples) - n // 2, n)]


def speakers(audio_dir: Path) -> dict[str, list[np.ndarray]]:
    groups = {
        "lj": sorted(audio_dir.glob("LJ*.wav")),
        "harvard_spk1": sorted(audio_dir.glob("harvard_spk1_*.wav")),
        "cards": sorted(audio_dir.glob("cards_*.wav")),
        "librivox": sorted(audio_dir.glob("librivox_*.wav")),
    }
    out = {name: [_read(p) for p in paths] for name, paths in groups.items() if paths}
    for name in ("cats", "dagon"):
        path = audio_dir / f"{name}.wav"
        if path.exists():
            out[name] = _cut(_read(path))
    return out


def conversation(a: list[np.ndarray], b: list[np.ndarray], gap: float):
    """Samples, turn spans [(start, end)] and the true speaker (0 = a, 1 = b) of each turn."""
    turns = min(len(a), len(b), MAX_TURNS_PER_SPEAKER)
    parts, spans, truth, t = [], [], [], 0.0
    silence = np.zeros(int(gap * SR), dtype=np.float32)
    for i in range(turns):
        for who, clip in ((0, a[i]), (1, b[i])):
            parts += [clip, silence]
            spans.append((t, t + len(clip) / SR))
            truth.append(who)
            t += (len(clip) + len(silence)) / SR
    return np.concatenate(parts), spans, truth


def accuracy(
    pred: list[int | None],
    pred_spans: list[tuple[float, float]],
    truth: list[int],
    spans: list[tuple[float, float]],
) -> float:
    """Share of the true turns' seconds covered by a predicted segment of the right speaker."""
    labels = sorted({p for p in pred if p is not None}) or [0]
    best = 0.0
    for perm in itertools.permutations(range(max(len(labels), 2)), len(labels)):
        mapping = dict(zip(labels, perm, strict=True))
        right = 0.0
        for p, (ps, pe) in zip(pred, pred_spans, strict=True):
            if p is None:
                continue
            for t, (ts, te) in zip(truth, spans, strict=True):
                if mapping[p] == t:
                    right += max(0.0, min(pe, te) - max(ps, ts))
        best = max(best, right)
    return best / sum(e - s for s, e in spans)


def whisper_segments(samples: np.ndarray) -> list[dict]:
    """The default STT engine's segments of the conversation (the segments the service diarizes),
    with their word times."""
    from soapify.stt.services.runs import stt_engines

    result = stt_engines["default"].transcribe(samples, language="en")
    return [
        {
            "start": seg.start,
            "end": seg.end,
            "text": seg.text.strip(),
            "words": [{"start": w.start, "end": w.end, "text": w.text.strip()} for w in seg.words],
        }
        for seg in result.segments
        if (seg.text or "").strip()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio-dir", default=str(ROOT.parent / "shared" / "data" / "audio-real"))
    parser.add_argument("--gap", type=float, default=0.3)
    parser.add_argument(
        "--segments",
        choices=["turns", "whisper"],
        default="turns",
        help="diarize the known turns, or the segments the default STT engine finds in the audio",
    )
    parser.add_argument(
        "--no-split",
        action="store_true",
        help="diarize the STT segments as they are (do not cut them where the speaker changes)",
    )
    parser.add_argument(
        "--whisper-cache",
        default="",
        help="a JSON file keeping the STT engine's segments per pair (read when present, else written)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from soapify.stt.diarization import diarizers
    from soapify.stt.diarization.engines import Span
    from soapify.stt.diarization.split import split_segment, word_spans

    diarizer = diarizers["default"]
    voices = speakers(Path(args.audio_dir))
    cache_path = Path(args.whisper_cache) if args.whisper_cache else None
    cache = json.loads(cache_path.read_text()) if cache_path and cache_path.exists() else {}
    rows = []
    cpu = audio_seconds = 0.0
    cuts_made = 0
    for name_a, name_b in itertools.combinations(sorted(voices), 2):
        samples, spans, truth = conversation(voices[name_a], voices[name_b], args.gap)
        c0 = time.process_time()
        if args.segments == "turns":
            pred_spans = spans
        else:
            key = f"{name_a}+{name_b}/{args.gap}"
            if key not in cache:
                c_stt = time.process_time()
                cache[key] = whisper_segments(samples)
                c0 += time.process_time() - c_stt  # the STT engine's time is not the diarizer's
            pred_spans = []
            for seg in cache[key]:
                span = Span(seg["start"], seg["end"])
                cuts = (
                    [] if args.no_split else diarizer.change_points(samples, span, word_spans(seg["words"]))
                )
                parts = split_segment(span, seg["text"], seg["words"], cuts)
                cuts_made += len(parts) - 1
                pred_spans += [(p.span.start, p.span.end) for p in parts]
        pred = diarizer.diarize(samples, [Span(s, e) for s, e in pred_spans])
        cpu += time.process_time() - c0
        audio_seconds += len(samples) / SR
        acc = accuracy(pred, pred_spans, truth, spans)
        rows.append(
            {
                "pair": f"{name_a}+{name_b}",
                "turns": len(spans),
                "speech_seconds": round(sum(e - s for s, e in spans), 1),
                "accuracy": round(acc, 4),
                "speakers_found": len({p for p in pred if p is not None}),
                "first_speaker_is_index_0": pred[0] == 0,
            }
        )
        print(f"{name_a:>13} + {name_b:<13} turns {len(spans):2d}  accuracy {acc:6.1%}  pred {pred}")
    if cache_path and cache:
        cache_path.write_text(json.dumps(cache))
    # one voice alone (a dictated note): should be one speaker
    single = {}
    for name, clips in sorted(voices.items()):
        clips = clips[: 2 * MAX_TURNS_PER_SPEAKER]
        samples, spans, _ = conversation(clips[0::2], clips[1::2], args.gap)
        single[name] = len(
            {p for p in diarizer.diarize(samples, [Span(s, e) for s, e in spans]) if p is not None}
        )
        print(f"{name:>13} alone: {single[name]} speaker(s) found in {len(spans)} segments")
    speech = sum(r["speech_seconds"] for r in rows)
    pooled = sum(r["accuracy"] * r["speech_seconds"] for r in rows) / speech if speech else 0.0
    print(
        json.dumps(
            {
                "bench": "diarization",
                "engine": getattr(diarizer, "name", type(diarizer).__name__),
                "segments": args.segments,
                "split": args.segments == "whisper" and not args.no_split,
                "segments_cut": cuts_made,
                "pairs": len(rows),
                "speech_seconds": round(speech, 1),
                "accuracy_pooled": round(pooled, 4),
                "accuracy_min": min((r["accuracy"] for r in rows), default=None),
                "single_voice_found_as_one": sum(1 for n in single.values() if n == 1),
                "single_voices": len(single),
                "cpu_seconds_per_audio_second": round(cpu / audio_seconds, 4) if audio_seconds else None,
                "per_pair": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
