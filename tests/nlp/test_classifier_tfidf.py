"""The MTS-Dialog head's TF-IDF in numpy matches scikit-learn's, its two heads' probabilities are
averaged, and the stored artifact is complete."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from soapify.nlp.engines.classifier import ARTIFACT, MtsHead, TfIdf

TEXTS = [
    "Doctor: Any allergies to medicines?\nPatient: No, none that I know of.",
    "Doctor: Does anyone in your family have diabetes?\nPatient: My mother has diabetes, my father smokes.",
    "Doctor: Any allergies? Patient: Penicillin gives me a rash, a bad rash.",
]


def test_tfidf_matches_scikit_learn():
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(TEXTS)
    vocab = np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__))
    ours = TfIdf(vocab, vec.idf_).transform(TEXTS + ["an unseen text about nothing"])
    theirs = vec.transform(TEXTS + ["an unseen text about nothing"]).toarray()
    assert np.allclose(ours, theirs, atol=1e-6)


def test_artifact_has_the_mts_vocabulary_and_matching_weights():
    with np.load(ARTIFACT) as d:
        assert d["mts_w"].shape == (len(d["mts_labels"]), 384 + len(d["mts_vocab"]))
        assert d["mts_words_w"].shape == (len(d["mts_labels"]), len(d["mts_vocab"]))
        assert len(d["mts_idf"]) == len(d["mts_vocab"])


def test_mts_head_averages_the_two_heads_probabilities():
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(TEXTS)
    vocab = np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__))
    n_words = len(vocab)
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(3, 4)).astype(np.float32)
    w, b = rng.normal(size=(2, 4 + n_words)), rng.normal(size=2)
    w_words, b_words = rng.normal(size=(2, n_words)), rng.normal(size=2)
    joint = MtsHead(("ALLERGY", "FAM/SOCHX"), w, b, vocab, vec.idf_)
    both = MtsHead(("ALLERGY", "FAM/SOCHX"), w, b, vocab, vec.idf_, w_words, b_words)
    tf = vec.transform(TEXTS).toarray()

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    p_joint = softmax(np.hstack([emb, tf]) @ w.T + b)
    assert np.allclose(joint.probs(emb, TEXTS), p_joint, atol=1e-5)
    expected = (p_joint + softmax(tf @ w_words.T + b_words)) / 2
    assert np.allclose(both.probs(emb, TEXTS), expected, atol=1e-5)
    assert both.predict(emb, TEXTS) == [("ALLERGY", "FAM/SOCHX")[i] for i in expected.argmax(axis=1)]
