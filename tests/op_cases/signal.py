"""Cases for wb.signal's real-valued ops: frame and overlap_and_add (each the other's rule),
the shifts, the DCT and MFCCs. The FFTs' complex results do not carry gradients (the tape
tracks real floating tensors only); their adjoints are tested in tests/test_signal.py."""

import workbench as wb

from . import Case, uniform

S = wb.signal
X = uniform(-1, 1, (2, 10), 61)
COLS = uniform(-1, 1, (9, 2), 64)
MEL = uniform(-1, 1, (3, 6), 65)

CASES = [
    Case("signal.fftshift/ifftshift", lambda x: S.fftshift(x) * S.ifftshift(x, axes=-1), [X]),
    Case("signal.frame/overlap_and_add", lambda x: S.overlap_and_add(S.frame(x, 4, 3, pad_end=True) ** 2, 2), [X]),
    Case("signal.frame axis 0", lambda x: S.frame(x, 3, 2, axis=0) ** 2, [COLS]),
    Case("signal.overlap_and_add/frame", lambda x: S.frame(S.overlap_and_add(x, 2) ** 2, 3, 2), [MEL]),
    Case("signal.frame with gaps", lambda x: S.overlap_and_add(S.frame(x, 2, 3) * 2.0, 4), [X]),
    Case("signal.mfccs", lambda x: S.mfccs_from_log_mel_spectrograms(x) ** 2, [MEL]),
    Case("signal.dct type 1 and idct type 4", lambda x: S.dct(x, type=1) * S.idct(x, type=4, norm="ortho"), [MEL]),
    Case("signal.dct type 3 ortho, n", lambda x: S.dct(x, type=3, n=8, norm="ortho") ** 2, [MEL]),
]
