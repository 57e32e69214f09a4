"""The MTS-Dialog head's TF-IDF in numpy matches scikit-learn's, and the stored artifact is complete."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from soapify.nlp.engines.classifier import ARTIFACT, TfIdf

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
        assert len(d["mts_idf"]) == len(d["mts_vocab"])
