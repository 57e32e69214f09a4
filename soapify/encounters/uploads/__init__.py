"""Audio uploads, by concern.

* ``storage``: keys, streamed writes/reads, presigned PUTs over ``STORAGES["audio"]``;
* ``audio``: what both paths share (limits, upload URLs, verifying stored audio, recording a
  committed chunk on the encounter's timeline);
* ``presigned``: one chunk in one PUT (``/api/audio/``);
* ``sessions``, ``chunks``, ``commit``, ``direct``: resumable sessions (``/api/uploads/``);
* ``signed_put``: the local signed PUT of either path;
* ``cleanup``: the periodic removal of what nobody comes back for;
* ``audio_probe`` (with ``wav_header``): is it audio we can use, and how long is it (PyAV only,
  no Django).
"""
