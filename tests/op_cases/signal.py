"""Cases for wb.signal's ops: frame and overlap_and_add (each the other's rule), the shifts,
the DCT and MFCCs, and the FFTs through real functions of real inputs (their complex values in
between: TF's conjugate convention must chain to the true derivative); their adjoints are also
tested in tests/test_signal.py."""

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
    Case("signal.fft/ifft", lambda a, b: wb.math.real(S.fft(wb.complex(a, b)) * S.ifft(wb.complex(b, a))),
         [X, uniform(-1, 1, (2, 10), 66)]),
    Case("signal.fft2d/ifft2d", lambda a, b: wb.abs(S.fft2d(wb.complex(a, b))) + wb.math.imag(S.ifft2d(wb.complex(b, a))),
         [MEL, uniform(-1, 1, (3, 6), 67)]),
    Case("signal.fft3d/ifft3d", lambda a, b: wb.math.real(S.fft3d(wb.complex(a, b)) * S.ifft3d(wb.complex(a, a))),
         [uniform(-1, 1, (2, 2, 3), 68), uniform(-1, 1, (2, 2, 3), 69)]),
    Case("signal.rfft/irfft", lambda x: S.irfft(S.rfft(x) * S.rfft(x))
         + wb.reduce_sum(wb.math.imag(S.rfft(x, [7])) ** 2, axis=-1, keepdims=True), [X]),
    Case("signal.rfft/irfft odd and padded lengths",
         lambda x: S.irfft(S.rfft(x, [12]), [9]) ** 2, [X]),
    Case("signal.rfft2d/irfft2d", lambda x: S.irfft2d(S.rfft2d(x) ** 2)
         + wb.reduce_sum(wb.abs(S.rfft2d(x, [4, 4])) ** 2), [MEL]),
]
