"""np.fft: the transforms are refused where the call is written. Their results (or,
for irfft/hfft, their arguments) are complex, and s2s_ad does not carry complex values:
activity analysis would not follow one, so a gradient through it would be lost, not
refused. The real-valued shifts are permutations and are supported."""
import numpy as np

from . import Unsupported, defrule

_WHY = ("the discrete Fourier transforms work with complex values, which s2s_ad does "
        "not support; write the transform as a product with real cosine and sine "
        "matrices if a real gradient is what you need")


def _refuse(stmt):
    raise Unsupported(_WHY)


for _name in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
              "irfft2", "rfftn", "irfftn", "hfft", "ihfft"):
    defrule(getattr(np.fft, _name), "*args, **kwargs", refuses=_WHY, checks=_refuse)

defrule(np.fft.fftshift, "x, axes=None", x="np.fft.ifftshift(g, axes)")
defrule(np.fft.ifftshift, "x, axes=None", x="np.fft.fftshift(g, axes)")
