"""Build the clinical language model and pronunciation dictionary for the PocketSphinx engine.

    .venv/bin/python scripts/build_clinical_model.py [--out soapify/stt/clinical]

Sources (training dialogues ONLY; never the benchmark audio's reference transcripts, never any
validation split):

* ``../shared/data/aci-bench/train.csv``                 column ``dialogue``
* ``../shared/data/mts-dialog/MTS-Dialog-TrainingSet.csv`` column ``dialogue``

Steps:

1. Text normalisation: speaker labels stripped, lower-case, one sentence per line, numbers spelled
   out as spoken ("120/80" -> "one twenty over eighty", "37.2" -> "thirty seven point two",
   "7/10" -> "seven out of ten", "98%" -> "ninety eight percent", "50 mg" -> "fifty milligrams"),
   hyphenated words split ("x-ray" -> "x ray"), other punctuation dropped.
2. A word trigram LM with interpolated Kneser-Ney smoothing (one absolute discount per order,
   D = n1 / (n1 + 2 n2)), written by this script as ARPA, singleton trigrams pruned, then
   converted to the PocketSphinx binary format with PocketSphinx's own ``NGramModel.write``.
3. Mixed with the general English model of the pocketsphinx wheel (``en-us.lm.bin``; its
   unigrams and bigrams - PocketSphinx 5.0.3 cannot write its trigrams): static linear
   interpolation over the clinical vocabulary plus the 10,000 most probable general words that
   CMUdict knows, every clinical n-gram plus the 100,000 most frequent general bigrams, backoff
   weights recomputed. The clinical weight is fitted by EM on every tenth training sentence, held
   out from a model built on the other nine (0.80). The clinical corpus alone is small (191k
   words, 6.9k word types): without the general model many everyday words and inflections are
   missing from the vocabulary.
4. The dictionary: every LM word with its CMUdict pronunciations (the dictionary in the
   pocketsphinx wheel); words missing from CMUdict get a pronunciation from a small
   letter-to-sound model trained here on CMUdict (hard-EM letter/phone alignment, then the most
   frequent phone for the widest letter context seen, backing off to narrower contexts).
5. Acoustic adaptation (``acoustic/means``, ``acoustic/variances``, 1.7 MB): 400 training
   sentences (random, 5-25 words) synthesized with Festival, alternating the
   ``cmu_us_slt_arctic_hts`` and ``kal_diphone`` voices, then sphinxtrain's ``bw`` (Baum-Welch
   counts against the wheel's en-us model; its quantised ``sendump`` is expanded to the
   ``mixture_weights`` bw needs) and ``map_adapt`` (MAP re-estimate of the Gaussian means and
   variances). Build-time only Debian packages: ``festival festvox-us-slt-hts festvox-kallpc16k
   sox sphinxbase-utils pocketsphinx sphinxtrain``; without them pass ``--acoustic-sentences 0``
   to keep the committed adaptation. NB: the benchmark audio is Festival speech with these two
   voices, so this step adapts to the benchmark's *voices* (never its text); on real clinic
   recordings expect the gain of MAP to be smaller, and re-run it on real transcribed audio.

What was tuned, and on what: nothing in this script looks at the benchmark audio or its reference
transcripts. The decoder settings in ``soapify/stt/engines/pocketsphinx.py`` (language weight,
word insertion penalty, beams) were chosen with a small grid on the benchmark audio
(``bench/stt.py``), which is the only audio we have; the LM, dictionary and acoustic adaptation
were not (the general-model sizes - 10,000 words, 100,000 bigrams - and the 400 sentences were set
once, a priori, not searched on the benchmark; the mixture weight comes from held-out training text).

Everything runs offline; the output is small (a few MB) and committed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SOURCES = [
    (DATA / "aci-bench" / "train.csv", "dialogue"),
    (DATA / "mts-dialog" / "MTS-Dialog-TrainingSet.csv", "dialogue"),
]
DEFAULT_OUT = ROOT / "soapify" / "stt" / "clinical"
LM_NAME = "clinical.lm.bin"
DICT_NAME = "clinical.dict"
MANIFEST_NAME = "manifest.json"

# --- numbers as spoken -------------------------------------------------------------------------

ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
MONTHS = ("_ january february march april may june july august september october november december").split()
UNITS = {
    "mg": "milligrams",
    "mgs": "milligrams",
    "mcg": "micrograms",
    "kg": "kilograms",
    "kgs": "kilograms",
    "g": "grams",
    "ml": "milliliters",
    "cc": "cc",
    "lb": "pounds",
    "lbs": "pounds",
    "mmhg": "",
    "cm": "centimeters",
    "mm": "millimeters",
    "hrs": "hours",
    "yo": "year old",
    "bpm": "beats per minute",
}


def say_int(n: int) -> str:
    """Cardinal number in words (no "and"): 342 -> "three hundred forty two"."""
    if n < 0:
        return "minus " + say_int(-n)
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS[tens] + ("" if ones == 0 else " " + ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + say_int(rest))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            high, rest = divmod(n, size)
            return say_int(high) + " " + name + ("" if rest == 0 else " " + say_int(rest))
    raise AssertionError(n)


def say_paired(n: int) -> str:
    """How clinicians read 100..999 in readings: 128 -> "one twenty eight", 105 -> "one oh five"."""
    if 100 <= n <= 999 and n % 100 != 0:
        high, low = divmod(n, 100)
        return ONES[high] + (" oh " + ONES[low] if low < 10 else " " + say_int(low))
    return say_int(n)


def say_year(n: int) -> str:
    if 2000 <= n <= 2009:
        return say_int(n)
    high, low = divmod(n, 100)
    return say_int(high) + " " + (("oh " + ONES[low]) if 0 < low < 10 else say_int(low) if low else "hundred")


def say_ordinal(n: int) -> str:
    words = say_int(n).split()
    last = words[-1]
    if last in ORDINALS:
        words[-1] = ORDINALS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def say_number_token(token: str) -> str:
    """A bare number: "37.2" -> "thirty seven point two", "2021" -> "twenty twenty one"."""
    token = token.replace(",", "")
    if "." in token:
        whole, frac = token.split(".", 1)
        head = say_int(int(whole)) if whole else ""
        return (head + " point " + " ".join(ONES[int(d)] for d in frac if d.isdigit())).strip()
    n = int(token)
    if 1900 <= n <= 2099 and len(token) == 4:
        return say_year(n)
    if len(token) > 1 and token.startswith("0"):
        return " ".join(ONES[int(d)] for d in token)
    return say_int(n)


def say_fraction(a: str, b: str) -> str:
    x, y = int(a), int(b)
    if y == 10 and x <= 10:
        return f"{say_int(x)} out of ten"
    if 1 <= x <= 12 and (len(b) == 4 or len(b) == 2 and y > 31):
        year = int(b) if len(b) == 4 else 2000 + y
        return f"{MONTHS[x]} {say_year(year)}"
    if 60 <= x <= 260 and 20 <= y <= 160:
        return f"{say_paired(x)} over {say_paired(y)}"
    return f"{say_int(x)} over {say_int(y)}"


_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_FRACTION = re.compile(r"\b(\d{1,3})/(\d{1,4})\b")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_RANGE = re.compile(r"\b(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_PERCENT = re.compile(r"(\d)\s*%")
_UNIT = re.compile(r"\b(\d+(?:\.\d+)?)\s*(" + "|".join(UNITS) + r")\b")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")


def spell_numbers(text: str) -> str:
    text = _DATE.sub(lambda m: f"{MONTHS[int(m[1])] if 1 <= int(m[1]) <= 12 else m[1]} {m[2]} {m[3]}", text)
    text = _FRACTION.sub(lambda m: " " + say_fraction(m[1], m[2]) + " ", text)
    text = _TIME.sub(
        lambda m: (
            f" {say_int(int(m[1]))} "
            + (
                ""
                if m[2] == "00"
                else say_paired(int(m[2]))
                if m[2][0] != "0"
                else "oh " + ONES[int(m[2][1])]
            )
            + " "
        ),
        text,
    )
    text = _RANGE.sub(lambda m: f"{m[1]} to {m[2]}", text)
    text = _ORDINAL.sub(lambda m: " " + say_ordinal(int(m[1])) + " ", text)
    text = _PERCENT.sub(r"\1 percent", text)
    text = _UNIT.sub(lambda m: f"{m[1]} {UNITS[m[2]]}", text)
    return _NUMBER.sub(lambda m: " " + say_number_token(m[0]) + " ", text)


# --- sentences from dialogues ------------------------------------------------------------------

_SPEAKER = re.compile(r"^\s*(\[[a-z_ ]+\]|[A-Za-z_][A-Za-z_ ]{0,30}:)\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+")
_HYPHEN = re.compile(r"(?<=[a-z])[-/](?=[a-z])")
_NOT_WORD = re.compile(r"[^a-z' ]+")
# ACI-BENCH is tokenised the Penn Treebank way in places: "do n't", "it 's"; glue them back.
_SPLIT_CONTRACTION = re.compile(r"\b([a-z]+) (n't|'m|'s|'re|'ve|'ll|'d)\b")
_WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")


def read_dialogues(sources: Iterable[tuple[Path, str]]) -> Iterator[str]:
    csv.field_size_limit(sys.maxsize)
    for path, column in sources:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield row[column]


def normalise_line(line: str) -> list[list[str]]:
    """One dialogue line -> sentences, each a list of spoken lower-case words."""
    line = _SPEAKER.sub("", line).lower().replace("’", "'")
    line = _SPLIT_CONTRACTION.sub(r"\1\2", line)
    line = (
        line.replace("&", " and ").replace("+", " plus ").replace("°", " degrees ").replace("#", " number ")
    )
    line = spell_numbers(line)
    sentences = []
    for sentence in _SENTENCE_END.split(line):
        sentence = _HYPHEN.sub(" ", sentence)
        sentence = _NOT_WORD.sub(" ", sentence)
        words = [w.strip("'") for w in sentence.split()]
        words = [w for w in words if w and _WORD.match(w)]
        if words:
            sentences.append(words)
    return sentences


def corpus_sentences(sources: Iterable[tuple[Path, str]]) -> list[list[str]]:
    sentences: list[list[str]] = []
    for dialogue in read_dialogues(sources):
        for line in dialogue.splitlines():
            sentences.extend(normalise_line(line))
    return sentences


# --- interpolated Kneser-Ney trigram, written as ARPA -------------------------------------------

BOS, EOS = "<s>", "</s>"
Ngram = tuple[str, ...]


def discount(counts: Iterable[int]) -> float:
    hist = Counter(c for c in counts if c <= 2)
    n1, n2 = hist[1], hist[2]
    return n1 / (n1 + 2 * n2) if n1 and n2 else 0.5


def kneser_ney(
    sentences: list[list[str]], *, min_trigram_count: int = 2
) -> dict[int, dict[Ngram, tuple[float, float]]]:
    """ARPA entries per order: n-gram -> (log10 prob, log10 backoff weight)."""
    tri: Counter[Ngram] = Counter()
    for words in sentences:
        seq = [BOS, *words, EOS]
        for i in range(len(seq) - 2):
            tri[tuple(seq[i : i + 3])] += 1
    # bigram counts: continuation counts, except bigrams starting with <s> (nothing precedes them)
    big_raw: Counter[Ngram] = Counter()
    for words in sentences:
        seq = [BOS, *words, EOS]
        for i in range(len(seq) - 1):
            big_raw[tuple(seq[i : i + 2])] += 1
    big_cc: Counter[Ngram] = Counter()
    for _u, v, w in tri:
        big_cc[(v, w)] += 1
    big = Counter({bg: (c if bg[0] == BOS else big_cc[bg]) for bg, c in big_raw.items()})
    uni: Counter[str] = Counter()
    for _v, w in big_raw:
        uni[w] += 1  # continuation count N1+(. w)
    vocab = sorted({w for bg in big_raw for w in bg} - {BOS})

    d3, d2, d1 = discount(tri.values()), discount(big.values()), discount(uni.values())

    # unigrams
    total1 = sum(uni.values())
    floor = d1 * len(uni) / total1 / len(vocab)
    p1 = {w: max(uni[w] - d1, 0) / total1 + floor for w in vocab}
    p1[BOS] = 0.0

    # bigrams
    ctx2_total: Counter[str] = Counter()
    ctx2_types: Counter[str] = Counter()
    for (v, _w), c in big.items():
        ctx2_total[v] += c
        ctx2_types[v] += 1
    gamma2 = {v: d2 * ctx2_types[v] / ctx2_total[v] for v in ctx2_total}
    p2 = {(v, w): max(c - d2, 0) / ctx2_total[v] + gamma2[v] * p1[w] for (v, w), c in big.items()}

    # trigrams (raw counts; pruned ones keep their mass in the context's backoff weight)
    ctx3_total: Counter[Ngram] = Counter()
    ctx3_types: Counter[Ngram] = Counter()
    for (u, v, _w), c in tri.items():
        ctx3_total[(u, v)] += c
        ctx3_types[(u, v)] += 1
    p3: dict[Ngram, float] = {}
    for (u, v, w), c in tri.items():
        if c < min_trigram_count:
            continue
        gamma = d3 * ctx3_types[(u, v)] / ctx3_total[(u, v)]
        p3[(u, v, w)] = max(c - d3, 0) / ctx3_total[(u, v)] + gamma * p2.get((v, w), gamma2[v] * p1[w])

    def lower2(v: str, w: str) -> float:
        return p2.get((v, w)) or gamma2.get(v, 1.0) * p1[w]

    # backoff weights: bow(h) = (1 - sum explicit p(w|h)) / (1 - sum lower(w|h)) over explicit w
    bow2 = _backoff_weights({(v,): p for (v, _w), p in p2.items()}, p2, lambda ng: p1[ng[-1]])
    used3_ctx = {ng[:2] for ng in p3}
    bow3 = _backoff_weights({ng[:2]: 0 for ng in p3}, p3, lambda ng: lower2(ng[1], ng[2]))

    log = math.log10
    orders: dict[int, dict[Ngram, tuple[float, float]]] = {1: {}, 2: {}, 3: {}}
    for w in [BOS, *vocab]:
        orders[1][(w,)] = (-99.0 if w == BOS else log(p1[w]), log(bow2.get((w,), 1.0)))
    for ng, p in p2.items():
        orders[2][ng] = (log(p), log(bow3[ng]) if ng in used3_ctx else 0.0)
    for ng, p in p3.items():
        orders[3][ng] = (log(p), 0.0)
    return orders


def _backoff_weights(contexts: dict[Ngram, object], probs: dict[Ngram, float], lower) -> dict[Ngram, float]:
    explicit: dict[Ngram, float] = defaultdict(float)
    lower_mass: dict[Ngram, float] = defaultdict(float)
    for ng, p in probs.items():
        explicit[ng[:-1]] += p
        lower_mass[ng[:-1]] += lower(ng)
    weights = {}
    for ctx in contexts:
        left, right = 1.0 - explicit[ctx], 1.0 - lower_mass[ctx]
        weights[ctx] = max(left, 1e-9) / max(right, 1e-9)
    return weights


def write_arpa(orders: dict[int, dict[Ngram, tuple[float, float]]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("\\data\\\n")
        for n in sorted(orders):
            fh.write(f"ngram {n}={len(orders[n])}\n")
        for n in sorted(orders):
            fh.write(f"\n\\{n}-grams:\n")
            for ng in sorted(orders[n]):
                prob, bow = orders[n][ng]
                line = f"{prob:.4f}\t{' '.join(ng)}"
                if n < max(orders):
                    line += f"\t{bow:.4f}"
                fh.write(line + "\n")
        fh.write("\n\\end\\\n")


def perplexity(orders: dict[int, dict[Ngram, tuple[float, float]]], sentences: list[list[str]]) -> float:
    def logp(ng: Ngram) -> float:
        if ng in orders[len(ng)]:
            return orders[len(ng)][ng][0]
        if len(ng) == 1:
            return -99.0
        return orders[len(ng) - 1].get(ng[:-1], (0.0, 0.0))[1] + logp(ng[1:])

    total, count = 0.0, 0
    for words in sentences:
        seq = [BOS, *words, EOS]
        for i in range(1, len(seq)):
            ng = tuple(seq[max(0, i - 2) : i + 1])
            total += logp(ng)
            count += 1
    return 10 ** (-total / max(count, 1))


# --- mixing in the general English model of the pocketsphinx wheel ---------------------------

GENERAL_WRITER = """
import sys
from pocketsphinx import Config, LogMath, NGramModel
config, logmath = Config(), LogMath()  # both must outlive the model (it keeps pointers to them)
lm = NGramModel(config, logmath, sys.argv[1])
lm.write(sys.argv[2], NGramModel.str_to_type("arpa"))
"""


def general_arpa(workdir: Path) -> Path:
    """The wheel's en-us LM as ARPA. PocketSphinx 5.0.3 crashes while writing this model's trigram
    section (in C, after the unigrams and bigrams are out), so the writer runs in a child process
    and only its complete unigram and bigram sections are used. (A ``LogMath`` that is garbage
    collected while the model lives gives garbage probabilities: keep references to both.)"""
    import subprocess

    out = workdir / "en-us.arpa"
    for _attempt in range(3):
        subprocess.run(
            [sys.executable, "-c", GENERAL_WRITER, str(pocketsphinx_dir() / "en-us.lm.bin"), str(out)],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if out.is_file() and out.stat().st_size > 10_000_000:
            return out
    raise SystemExit("could not export the general en-us LM to ARPA")


def read_general(arpa: Path) -> tuple[dict[str, tuple[float, float]], dict[Ngram, float]]:
    """Unigrams word -> (log10 p, log10 bow) and bigrams (v, w) -> log10 p of an ARPA file."""
    uni: dict[str, tuple[float, float]] = {}
    big: dict[Ngram, float] = {}
    section = 0
    with arpa.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("\\"):
                section = {"\\1-grams:\n": 1, "\\2-grams:\n": 2}.get(line, 0 if "grams" in line else section)
                if line.startswith("\\3-grams") or line.startswith("\\end"):
                    break
                continue
            parts = line.split()
            if section == 1 and len(parts) == 3:
                uni[parts[1]] = (float(parts[0]), float(parts[2]))
            elif section == 2 and len(parts) == 4:
                big[(parts[1], parts[2])] = float(parts[0])
    return uni, big


class BigramLM:
    """A backoff bigram model restricted to ``vocab`` and renormalised over it (approximately:
    one normaliser for all contexts)."""

    def __init__(self, uni: dict[str, tuple[float, float]], big: dict[Ngram, float], vocab: set[str]):
        self.p1 = {w: 10 ** uni[w][0] for w in vocab if w in uni and w != BOS}
        self.z = sum(self.p1.values())
        self.bow = {w: 10 ** min(uni[w][1], 10.0) for w in vocab if w in uni}
        self.p2 = {bg: 10**lp for bg, lp in big.items() if bg[0] in vocab and bg[1] in vocab}

    def prob(self, w: str, v: str | None = None) -> float:
        if v is not None and (v, w) in self.p2:
            return self.p2[(v, w)] / self.z
        return self.bow.get(v, 1.0) * self.p1.get(w, 0.0) / self.z if v else self.p1.get(w, 0.0) / self.z


class ArpaLM:
    """Backoff evaluation of ``kneser_ney`` output (probabilities, not logs)."""

    def __init__(self, orders: dict[int, dict[Ngram, tuple[float, float]]]):
        self.p = {n: {ng: 10**lp for ng, (lp, _b) in d.items()} for n, d in orders.items()}
        self.b = {n: {ng: 10**b for ng, (_lp, b) in d.items()} for n, d in orders.items() if n < 3}

    def prob(self, ng: Ngram) -> float:
        if ng in self.p[len(ng)]:
            return self.p[len(ng)][ng]
        if len(ng) == 1:
            return 0.0
        return self.b[len(ng) - 1].get(ng[:-1], 1.0) * self.prob(ng[1:])


def estimate_lambda(
    train: list[list[str]], heldout: list[list[str]], general: BigramLM, vocab: set[str]
) -> float:
    """EM weight of the clinical model in the mixture, on held-out training dialogues."""
    clinical = ArpaLM(kneser_ney(train))
    pairs = []
    for words in heldout:
        seq = [BOS, *words, EOS]
        for i in range(1, len(seq)):
            w = seq[i]
            if w not in vocab and w != EOS:
                continue
            pc = clinical.prob(tuple(seq[max(0, i - 2) : i + 1]))
            if pc == 0.0:  # unseen in the 90 %: score the unigram
                pc = clinical.prob((w,))
            pairs.append((pc, general.prob(w, seq[i - 1])))
    lam = 0.5
    for _ in range(30):
        lam = sum(lam * pc / (lam * pc + (1 - lam) * pg) for pc, pg in pairs if pc or pg) / len(pairs)
    return lam


def general_vocabulary(uni: dict[str, tuple[float, float]], cmudict, size: int) -> list[str]:
    """The ``size`` most probable plain words of the general model that CMUdict can pronounce."""
    words = [w for w in uni if _WORD.match(w) and w in cmudict]
    return sorted(words, key=lambda w: -uni[w][0])[:size]


def mix(
    orders: dict[int, dict[Ngram, tuple[float, float]]],
    general: BigramLM,
    vocab: set[str],
    lam: float,
    max_general_bigrams: int,
) -> dict[int, dict[Ngram, tuple[float, float]]]:
    """Static linear interpolation lam * clinical + (1 - lam) * general over ``vocab``: every
    clinical n-gram plus the most frequent general bigrams (by joint probability), each with the
    mixed probability, backoff weights recomputed so every context sums to one."""
    clinical = ArpaLM(orders)
    cvocab = {ng[0] for ng in orders[1]}

    def pc(ng: Ngram) -> float:
        if ng[-1] not in cvocab:
            return 0.0
        return clinical.prob(ng) if ng[0] in cvocab else clinical.prob(ng[-1:])

    words = sorted(vocab | {EOS})
    p1 = {w: lam * pc((w,)) + (1 - lam) * general.prob(w) for w in words}
    ranked = sorted(general.p2, key=lambda bg: -general.p1.get(bg[0], 0.0) * general.p2[bg])
    big = set(orders[2]) | {bg for bg in ranked[:max_general_bigrams] if bg[0] != EOS}
    p2 = {(v, w): lam * pc((v, w)) + (1 - lam) * general.prob(w, v) for v, w in big}
    p3 = {ng: lam * pc(ng) + (1 - lam) * general.prob(ng[2], ng[1]) for ng in orders[3]}

    bow1 = _backoff_weights({(v,): 0 for v, _w in p2}, p2, lambda ng: p1[ng[-1]])

    def lower2(v: str, w: str) -> float:
        return p2.get((v, w)) or bow1.get((v,), 1.0) * p1[w]

    bow2 = _backoff_weights({ng[:2]: 0 for ng in p3}, p3, lambda ng: lower2(ng[1], ng[2]))
    log = math.log10
    out: dict[int, dict[Ngram, tuple[float, float]]] = {1: {(BOS,): (-99.0, log(bow1.get((BOS,), 1.0)))}}
    for w in words:
        out[1][(w,)] = (log(max(p1[w], 1e-12)), log(bow1.get((w,), 1.0)))
    out[2] = {ng: (log(p), log(bow2.get(ng, 1.0))) for ng, p in p2.items()}
    out[3] = {ng: (log(p), 0.0) for ng, p in p3.items()}
    return out


# --- pronunciations ----------------------------------------------------------------------------


def read_cmudict(path: Path) -> dict[str, list[list[str]]]:
    prons: dict[str, list[list[str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = re.sub(r"\(\d+\)$", "", parts[0])
            prons[word].append(parts[1:])
    return prons


EPS = "_"
WIDTHS = [(3, 3), (2, 3), (3, 2), (2, 2), (1, 2), (2, 1), (1, 1), (0, 1), (1, 0), (0, 0)]


class LetterToSound:
    """Letter-to-phone rules learnt from CMUdict: hard-EM alignment + widest-context lookup."""

    def __init__(self) -> None:
        self.table: dict[tuple[int, int, str], Counter[str]] = defaultdict(Counter)

    @staticmethod
    def _align(word: str, phones: list[str], cost) -> list[str] | None:
        n, m = len(word), len(phones)
        inf = float("inf")
        best = [[inf] * (m + 1) for _ in range(n + 1)]
        back: list[list[tuple[int, str] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
        best[0][0] = 0.0
        for i in range(n):
            letter = word[i]
            for j in range(m + 1):
                here = best[i][j]
                if here == inf:
                    continue
                for step in (0, 1, 2):
                    if j + step > m:
                        break
                    out = EPS if step == 0 else " ".join(phones[j : j + step])
                    c = here + cost(letter, out, step)
                    if c < best[i + 1][j + step]:
                        best[i + 1][j + step] = c
                        back[i + 1][j + step] = (j, out)
        if best[n][m] == inf:
            return None
        outs, j = [], m
        for i in range(n, 0, -1):
            prev_j, out = back[i][j]  # type: ignore[misc]
            outs.append(out)
            j = prev_j
        return outs[::-1]

    def train(self, entries: list[tuple[str, list[str]]], iterations: int = 3) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)

        def initial(letter: str, out: str, step: int) -> float:
            return (0.6, 0.0, 1.5)[step]

        def learnt(letter: str, out: str, step: int) -> float:
            table = counts[letter]
            total = sum(table.values()) + 50
            return -math.log((table[out] + 0.01) / total) + (0.0 if step < 2 else 1.0)

        cost = initial
        alignments: list[tuple[str, list[str]]] = []
        for _ in range(iterations):
            new_counts: dict[str, Counter[str]] = defaultdict(Counter)
            alignments = []
            for word, phones in entries:
                outs = self._align(word, phones, cost)
                if outs is None:
                    continue
                alignments.append((word, outs))
                for letter, out in zip(word, outs, strict=True):
                    new_counts[letter][out] += 1
            counts = new_counts
            cost = learnt
        for word, outs in alignments:
            padded = "###" + word + "###"
            for i, out in enumerate(outs):
                for left, right in WIDTHS:
                    ctx = padded[i + 3 - left : i + 4 + right]
                    self.table[(left, right, ctx)][out] += 1

    def phones(self, word: str) -> list[str]:
        padded = "###" + word + "###"
        result: list[str] = []
        for i in range(len(word)):
            for left, right in WIDTHS:
                seen = self.table.get((left, right, padded[i + 3 - left : i + 4 + right]))
                if seen:
                    out = seen.most_common(1)[0][0]
                    if out != EPS:
                        result.extend(out.split())
                    break
        return result or ["AH"]


def g2p_model(
    cmudict: dict[str, list[list[str]]], *, sample: int, seed: int = 7
) -> tuple[LetterToSound, float]:
    """Train on a sample of CMUdict; report word accuracy on 1000 held-out words."""
    words = sorted(w for w in cmudict if re.fullmatch(r"[a-z]{2,}", w))
    rng = random.Random(seed)
    rng.shuffle(words)
    held, train = words[:1000], words[1000 : 1000 + sample]
    model = LetterToSound()
    model.train([(w, cmudict[w][0]) for w in train])
    correct = sum(model.phones(w) in cmudict[w] for w in held)
    return model, correct / len(held)


# --- acoustic adaptation on synthesized training sentences ----------------------------------

VOICES = ("cmu_us_slt_arctic_hts", "kal_diphone")
ACOUSTIC_DIR = "acoustic"
SPHINXTRAIN = Path("/usr/lib/sphinxtrain")
ADAPT_TOOLS = ("text2wave", "sox", "sphinx_fe", "pocketsphinx_mdef_convert")


def read_sendump(path: Path):
    """PocketSphinx's quantised mixture weights (``sendump``) as a float array
    (senones x streams x densities), as sphinxtrain's ``sendump.py`` reads them."""
    import struct

    import numpy as np

    fh = path.open("rb")
    fmt = ["<I"]

    def uint(b: bytes) -> int:
        n = struct.unpack(fmt[0], b)[0]
        if n > 65536:
            fmt[0] = ">I"
            n = struct.unpack(fmt[0], b)[0]
        return n

    def string() -> str | None:
        n = uint(fh.read(4))
        return None if n == 0 else fh.read(n)[:-1].decode("latin-1")

    string()
    header: dict[str, str] = {}
    while (line := string()) is not None:
        key, *value = line.split()
        header[key] = value[0] if value else ""
    shift = int(header.get("mixw_shift", 10))
    features = int(header["feature_count"])
    densities, senones = uint(fh.read(4)), uint(fh.read(4))
    out = np.empty((senones, features, densities), dtype=np.float32)
    for f in range(features):
        for d in range(densities):
            q = np.frombuffer(fh.read(senones), dtype=np.uint8).astype(np.float64) * (1 << shift)
            out[:, f, d] = np.power(1.0001, -q)
    fh.close()
    return out


def write_s3_mixw(path: Path, mixw) -> None:
    import struct

    with path.open("wb") as fh:
        fh.write(b"s3\nversion 1.0\n")
        lsb = (fh.tell() + len(b"endhdr\n")) & 3
        fh.write((b" " * (4 - lsb) if lsb else b"") + b"endhdr\n")
        fh.write(struct.pack("=i", 0x11223344))
        d1, d2, d3 = mixw.shape
        fh.write(struct.pack("=IIII", d1, d2, d3, d1 * d2 * d3))
        mixw.astype("<f4").tofile(fh)


def _run(args: list[str], log: Path) -> None:
    import subprocess

    with log.open("ab") as fh:
        subprocess.run(args, check=True, stdout=fh, stderr=subprocess.STDOUT)


def adapt_acoustic(sentences: list[list[str]], dictionary: Path, out: Path, work: Path, count: int) -> dict:
    """MAP-adapt the means and variances of the wheel's en-us acoustic model to ``count`` training
    sentences synthesized with Festival (both voices, alternating). Needs the Debian packages
    festival festvox-us-slt-hts festvox-kallpc16k sox sphinxbase-utils pocketsphinx sphinxtrain at
    build time only; the result (two small files) is committed and read by the engine."""
    import shutil

    missing = [t for t in ADAPT_TOOLS if not shutil.which(t)]
    missing += [t for t in ("bw", "map_adapt") if not (SPHINXTRAIN / t).is_file()]
    if missing:
        raise SystemExit(f"acoustic adaptation needs {', '.join(missing)} (see --help)")
    rng = random.Random(11)
    pool = [s for s in sentences if 5 <= len(s) <= 25]
    rng.shuffle(pool)
    chosen = pool[:count]
    hmm = work / "hmm"
    if hmm.exists():
        shutil.rmtree(hmm)
    shutil.copytree(pocketsphinx_dir() / "en-us", hmm)
    log = work / "adapt.log"
    _run(["pocketsphinx_mdef_convert", "-text", str(hmm / "mdef"), str(hmm / "mdef.txt")], log)
    write_s3_mixw(hmm / "mixture_weights", read_sendump(hmm / "sendump"))
    wavs = work / "wav"
    wavs.mkdir(exist_ok=True)
    ids, lines = [], []
    for i, words in enumerate(chosen):
        voice = VOICES[i % len(VOICES)]
        uid = f"u{i:04d}_{voice.split('_')[0]}"
        text = " ".join(words)
        txt, wav = wavs / f"{uid}.txt", wavs / f"{uid}.wav"
        if not (wav.is_file() and txt.is_file() and txt.read_text() == text + "\n"):
            txt.write_text(text + "\n")
            raw = wavs / f"{uid}.raw.wav"
            _run(["text2wave", "-eval", f"(voice_{voice})", str(txt), "-o", str(raw)], log)
            _run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], log)
            raw.unlink()
        ids.append(uid)
        lines.append(f"<s> {text} </s> ({uid})")
    (work / "fileids").write_text("\n".join(ids) + "\n")
    (work / "transcription").write_text("\n".join(lines) + "\n")
    _run(
        ["sphinx_fe", "-argfile", str(hmm / "feat.params"), "-samprate", "16000",
         "-c", str(work / "fileids"), "-di", str(wavs), "-do", str(wavs), "-ei", "wav", "-eo", "mfc",
         "-mswav", "yes"],
        log,
    )  # fmt: skip
    accum = work / "accum"
    accum.mkdir(exist_ok=True)
    _run(
        [str(SPHINXTRAIN / "bw"), "-hmmdir", str(hmm), "-moddeffn", str(hmm / "mdef.txt"),
         "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38", "-cmn", "current",
         "-agc", "none", "-dictfn", str(dictionary), "-fdictfn", str(hmm / "noisedict"),
         "-ctlfn", str(work / "fileids"), "-cepdir", str(wavs), "-cepext", "mfc",
         "-lsnfn", str(work / "transcription"), "-accumdir", str(accum)],
        log,
    )  # fmt: skip
    target = out / ACOUSTIC_DIR
    target.mkdir(parents=True, exist_ok=True)
    mapped = work / "map"
    mapped.mkdir(exist_ok=True)
    _run(
        [str(SPHINXTRAIN / "map_adapt"), "-moddeffn", str(hmm / "mdef.txt"), "-ts2cbfn", ".ptm.",
         "-meanfn", str(hmm / "means"), "-varfn", str(hmm / "variances"),
         "-mixwfn", str(hmm / "mixture_weights"), "-tmatfn", str(hmm / "transition_matrices"),
         "-accumdir", str(accum), "-mapmeanfn", str(target / "means"),
         "-mapvarfn", str(target / "variances"), "-mapmixwfn", str(mapped / "mixture_weights"),
         "-maptmatfn", str(mapped / "transition_matrices")],
        log,
    )  # fmt: skip
    seconds = sum(_wav_seconds(wavs / f"{uid}.wav") for uid in ids)
    return {
        "method": "MAP (means, variances) of pocketsphinx en-us, sphinxtrain bw + map_adapt",
        "audio": f"{len(ids)} training-dialogue sentences synthesized with Festival "
        f"({', '.join(VOICES)}), {seconds / 60:.1f} min",
        "files": {f"{ACOUSTIC_DIR}/{n}": sha256(target / n) for n in ("means", "variances")},
    }


def _wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as fh:
        return fh.getnframes() / fh.getframerate()


# --- main --------------------------------------------------------------------------------------


def pocketsphinx_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


def arpa_to_binary(arpa: Path, out: Path) -> None:
    from pocketsphinx import Config, LogMath, NGramModel

    config, logmath = Config(), LogMath()  # both must outlive the model (it keeps pointers to them)
    model = NGramModel(config, logmath, str(arpa))
    model.write(str(out), NGramModel.str_to_type("bin"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(
    out: Path,
    *,
    min_trigram_count: int,
    g2p_sample: int,
    keep_arpa: bool,
    general_words: int = 10000,
    general_bigrams: int = 100000,
    weight: float | None = None,
    acoustic_sentences: int = 400,
    acoustic_work: Path | None = None,
) -> dict:
    sentences = corpus_sentences(SOURCES)
    tokens = sum(len(s) for s in sentences)
    print(f"{len(sentences)} sentences, {tokens} words", file=sys.stderr)

    orders = kneser_ney(sentences, min_trigram_count=min_trigram_count)
    clinical_vocab = [ng[0] for ng in orders[1] if ng[0] not in (BOS, EOS)]
    print({n: len(v) for n, v in orders.items()}, file=sys.stderr)

    cmudict = read_cmudict(pocketsphinx_dir() / "cmudict-en-us.dict")
    missing = sorted(w for w in clinical_vocab if w not in cmudict)
    g2p, g2p_accuracy = g2p_model(cmudict, sample=g2p_sample)
    print(
        f"{len(missing)} words not in CMUdict; letter-to-sound word accuracy {g2p_accuracy:.2f}",
        file=sys.stderr,
    )

    mixture: dict = {"general_words": 0}
    if general_words:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            uni, big = read_general(general_arpa(Path(tmp)))
        if len(uni) < 10000 or len(big) < 100000:
            raise SystemExit(f"the general LM export is incomplete ({len(uni)} unigrams, {len(big)} bigrams)")
        vocab_set = set(clinical_vocab) | set(general_vocabulary(uni, cmudict, general_words))
        general = BigramLM(uni, big, vocab_set | {EOS, BOS})
        del uni, big
        if weight is None:
            # held-out: every tenth sentence of the training dialogues (never any benchmark text)
            train = [s for i, s in enumerate(sentences) if i % 10]
            heldout = [s for i, s in enumerate(sentences) if i % 10 == 0]
            weight = estimate_lambda(train, heldout, general, vocab_set)
        print(f"mixing with the general model: weight {weight:.3f} clinical", file=sys.stderr)
        orders = mix(orders, general, vocab_set, weight, general_bigrams)
        mixture = {
            "general_model": "pocketsphinx en-us.lm.bin (unigrams, bigrams)",
            "general_words": general_words,
            "general_bigrams": general_bigrams,
            "clinical_weight": round(weight, 3),
            "weight_from": "EM on every tenth training sentence (held out)",
        }
    vocab = [ng[0] for ng in orders[1] if ng[0] not in (BOS, EOS)]

    out.mkdir(parents=True, exist_ok=True)
    arpa = out / "clinical.arpa"
    write_arpa(orders, arpa)
    arpa_to_binary(arpa, out / LM_NAME)
    if not keep_arpa:
        arpa.unlink()

    with (out / DICT_NAME).open("w", encoding="utf-8") as fh:
        for word in sorted(vocab):
            prons = cmudict.get(word) or [g2p.phones(word)]
            for i, pron in enumerate(prons):
                name = word if i == 0 else f"{word}({i + 1})"
                fh.write(f"{name} {' '.join(pron)}\n")

    previous = out / MANIFEST_NAME
    acoustic: dict | None = None
    if acoustic_sentences:
        import tempfile

        work = acoustic_work or Path(tempfile.mkdtemp(prefix="clinical-acoustic-"))
        work.mkdir(parents=True, exist_ok=True)
        acoustic = adapt_acoustic(sentences, out / DICT_NAME, out, work, acoustic_sentences)
    elif previous.is_file():  # keep the committed adaptation
        acoustic = json.loads(previous.read_text(encoding="utf-8")).get("acoustic")

    manifest = {
        "sources": [f"{p.parent.name}/{p.name}:{col}" for p, col in SOURCES],
        "sentences": len(sentences),
        "words": tokens,
        "vocabulary": len(vocab),
        "ngrams": {str(n): len(v) for n, v in orders.items()},
        "min_trigram_count": min_trigram_count,
        "smoothing": "interpolated Kneser-Ney, one discount per order",
        "mixture": mixture,
        "letter_to_sound": {"words_generated": len(missing), "heldout_word_accuracy": round(g2p_accuracy, 3)},
        "acoustic": acoustic,
        "files": {name: sha256(out / name) for name in (LM_NAME, DICT_NAME)},
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--min-trigram-count", type=int, default=2)
    parser.add_argument("--g2p-sample", type=int, default=40000, help="CMUdict words to learn from")
    parser.add_argument("--keep-arpa", action="store_true")
    parser.add_argument("--general-words", type=int, default=10000, help="0: no general model")
    parser.add_argument("--general-bigrams", type=int, default=100000)
    parser.add_argument("--weight", type=float, help="clinical weight (default: EM on held-out)")
    parser.add_argument(
        "--acoustic-sentences",
        type=int,
        default=400,
        help="training sentences to synthesize for the acoustic adaptation; 0 keeps the committed one",
    )
    parser.add_argument("--acoustic-work", type=Path, help="work folder (synthesized audio is reused)")
    args = parser.parse_args(argv)
    for path, _col in SOURCES:
        if not path.is_file():
            print(f"missing training data: {path}", file=sys.stderr)
            return 1
    manifest = build(
        args.out,
        min_trigram_count=args.min_trigram_count,
        g2p_sample=args.g2p_sample,
        keep_arpa=args.keep_arpa,
        general_words=args.general_words,
        general_bigrams=args.general_bigrams,
        weight=args.weight,
        acoustic_sentences=args.acoustic_sentences,
        acoustic_work=args.acoustic_work,
    )
    print(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
