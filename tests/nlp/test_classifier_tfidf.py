"""The MTS-Dialog head's TF-IDF in numpy matches scikit-learn's, its two heads' probabilities are
averaged and multiplied by the header-description prior, its features take the first doctor turn, and
the stored artifact is complete."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from soapify.nlp.engines.classifier import ARTIFACT, MtsHead, TfIdf, first_doctor_turn

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
        n = len(d["mts_labels"])
        assert d["mts_w"].shape == (n, 2 * 384 + len(d["mts_vocab"]))
        assert d["mts_words_w"].shape == (n, len(d["mts_vocab"]))
        assert len(d["mts_idf"]) == len(d["mts_vocab"])
        assert d["mts_desc"].shape == (n, 384)
        assert d["mts_desc_mean"].shape == d["mts_desc_std"].shape == (n,)
        assert np.allclose(np.linalg.norm(d["mts_desc"], axis=1), 1, atol=1e-4)
        assert 0 < float(d["mts_prior"]) < 1


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


def test_mts_head_multiplies_in_the_description_prior():
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(TEXTS)
    vocab = np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__))
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(3, 8)).astype(np.float32)  # 4 snippet + 4 first-turn columns
    w, b = rng.normal(size=(2, 8 + len(vocab))), rng.normal(size=2)
    desc = rng.normal(size=(2, 4))
    mean, std = np.array([0.1, -0.2]), np.array([0.5, 2.0])
    plain = MtsHead(("ALLERGY", "FAM/SOCHX"), w, b, vocab, vec.idf_)
    prior = MtsHead(
        ("ALLERGY", "FAM/SOCHX"), w, b, vocab, vec.idf_, None, None, desc, mean, std, np.float32(0.3)
    )
    p = plain.probs(emb, TEXTS)
    z = np.log(p) + 0.3 * (emb[:, :4] @ desc.T - mean) / std
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(prior.probs(emb, TEXTS), expected, atol=1e-5)


def test_first_doctor_turn():
    assert first_doctor_turn("Patient: Hi.\n Doctor: Any allergies? \nPatient: No.") == "Any allergies?"
    assert first_doctor_turn("Guest_family: He is fine.\nPatient: Yes.") is None
