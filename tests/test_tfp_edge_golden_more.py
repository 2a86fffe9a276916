"""TFP 0.25 at the edges of NoncentralChi2, Binomial, Multinomial, BetaBinomial,
DirichletMultinomial, Zipf and Bates: quantiles at 0 and 1, values below the support, non-integer
counts, undefined statistics. Every number below was printed by TFP 0.25 (float64) on a CPU.

Where TFP's value is off the mathematics we keep the right value and check it against the
mathematics instead (said at each such test)."""

import numpy as np
import pytest

import gradients
import workbench as wb
from probability import distributions as tfd

from tests.test_tfp_edge_golden import INF, NAN, close as _close, f64


def close(actual, expected, rtol=1e-9, atol=1e-14):
    _close(actual, expected, rtol=rtol, atol=atol)


# -- NoncentralChi2 ---------------------------------------------------------------------------------

def _ncx2(**kwargs):
    return tfd.NoncentralChi2(f64([0.5, 2.0, 7.0]), f64([0.0, 1.0, 5.0]), **kwargs)


def test_noncentral_chi2_quantile_ends_and_small_probabilities():
    p = f64([0.0, 1e-6, 0.1, 0.9, 1.0])[:, None]
    close(_ncx2().quantile(p), [[0.0, 0.0, 0.0],
                                [1.3499395786259817e-24, 3.297443900907683e-06, 0.15982885489653748],
                                [0.00013500124771267938, 0.3443432589313181, 5.288804569990638],
                                [1.5007857444736707, 6.7701302609530725, 19.836232534331376],
                                [INF, INF, INF]], rtol=1e-8)
    # off [0, 1]: NaN, whatever allow_nan_stats
    close(_ncx2(allow_nan_stats=False).quantile(f64([-0.5, 1.5])[:, None]), [[NAN] * 3] * 2)
    # float32 keeps the small quantile (TFP 0.25's float32 gives 1.5246e-24 for the exact 1.34994e-24)
    d32 = tfd.NoncentralChi2(np.float32([0.5, 2.0]), np.float32([0.0, 1.0]))
    close(d32.quantile(np.float32([1e-6, 1.0])[:, None]), [[1.3499395786259817e-24, 3.297443900907683e-06],
                                                            [INF, INF]], rtol=2e-6)


def test_noncentral_chi2_quantile_validate_args():
    d = _ncx2(validate_args=True)
    for p in (-0.1, 1.5):
        with pytest.raises(wb.errors.InvalidArgumentError, match="quantile"):
            d.quantile(f64(p))
    close(d.quantile(f64([[0.0], [1.0]])), [[0.0] * 3, [INF] * 3])


def test_noncentral_chi2_below_zero():
    # TFP's density is NaN below 0 (also with allow_nan_stats=False); its tails are 0 and 1 there
    for kwargs in ({}, {"allow_nan_stats": False}):
        d = _ncx2(**kwargs)
        close(d.log_prob(f64([-1.0])), [NAN] * 3)
        close(d.prob(f64([-1.0])), [NAN] * 3)
        close(d.cdf(f64([-1.0])), [0.0] * 3)
        close(d.survival_function(f64([-1.0])), [1.0] * 3)
    close(_ncx2().log_prob(f64(0.0)), [INF, -1.1931471805599454, -INF])
    with pytest.raises(wb.errors.InvalidArgumentError, match="log_prob"):
        _ncx2(validate_args=True).log_prob(f64(-1.0))


# -- Binomial, Multinomial, DirichletMultinomial, BetaBinomial: non-integer counts -----------------

_BINOMIAL_X = f64([-1.5, -0.5, 0.0, 0.5, 2.5, 2.9, 3.0, 9.5, 10.0, 10.5])[:, None]


def test_binomial_tails_at_non_integers_are_tfps_incomplete_betas():
    # TFP does not floor: cdf(k) = I_{1-p}(n - k, k + 1), survival I_p(k + 1, n - k) for 0 <= k < n
    d = tfd.Binomial(f64([10.0, 3.0]), probs=f64([0.5, 0.9]))
    close(d.cdf(_BINOMIAL_X), [[0.0, 0.0], [0.0, 0.0], [9.7656250000000087e-04, 9.9999999999999937e-04],
                               [3.6898903119532579e-03, 6.2073957204480659e-03],
                               [1.0201547808034003e-01, 5.9291617793441098e-01],
                               [1.5601340539723157e-01, 9.2163573681066147e-01], [0.171875, 1.0],
                               [9.9983853987112281e-01, 1.0], [1.0, 1.0], [1.0, 1.0]])
    close(d.survival_function(_BINOMIAL_X), [[1.0, 1.0], [1.0, 1.0], [9.9902343750000000e-01, 0.999],
                                             [9.9631010968804679e-01, 9.9379260427955196e-01],
                                             [8.9798452191965994e-01, 4.0708382206558902e-01],
                                             [8.4398659460276848e-01, 7.8364263189338534e-02], [0.828125, 0.0],
                                             [1.6146012887718886e-04, 0.0], [0.0, 0.0], [0.0, 0.0]])
    close(d.log_cdf(_BINOMIAL_X)[3:6], [[-5.6021585471294451e+00, -5.0820138396843024e+00],
                                        [-2.2826307313244216e+00, -5.2270224253142494e-01],
                                        [-1.8578133433910098e+00, -8.1605212871024985e-02]])
    close(d.log_survival_function(_BINOMIAL_X)[3:8], [[-3.6967147500011613e-03, -6.2267417015875693e-03],
                                                      [-1.0760244699812564e-01, -8.9873616372343890e-01],
                                                      [-1.6961866768439415e-01, -2.5463872822129310e+00],
                                                      [-1.8859116980755039e-01, -INF],
                                                      [-8.7312523257988577e+00, -INF]])
    d = tfd.Binomial(f64([10.0]), logits=f64([2.0]))
    close(d.cdf(_BINOMIAL_X[2:8]), [[5.792539633499965e-10], [5.725569935127690e-09], [6.960545059136142e-06],
                                    [2.229385837549475e-05], [2.950908672741394e-05], [8.933698047648475e-01]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="cdf"):
        tfd.Binomial(f64(10.0), probs=f64(0.5), validate_args=True).cdf(f64(2.5))


def test_binomial_cdf_gradients_at_non_integers():
    # TFP's gradients of the incomplete beta in k, p and n (nonzero between the integers)
    x, n, p = wb.constant(f64([[0.5], [2.5], [2.9]])), wb.constant(f64([10.0, 3.0])), wb.constant(f64([0.5, 0.9]))
    with gradients.GradientTape(persistent=True) as tape:
        for v in (x, n, p):
            tape.watch(v)
        y = tfd.Binomial(n, probs=p).cdf(x)
    close(tape.gradient(y, x), [[0.0291950168703781], [0.8979134122634586], [0.9617761605237378]], rtol=1e-8)
    close(tape.gradient(y, p), [-2.7458481969188258, -3.324421180158573], rtol=1e-8)
    close(tape.gradient(y, n), [-0.1135418675868361, -1.512154467144484], rtol=1e-8)


_COUNTS = f64([[2.5, 2.5, 0.0], [1.5, 3.0, 0.5], [5.0, 0.0, 0.0], [-1.0, 3.0, 3.0], [2.0, 2.0, 2.0],
               [0.5, 0.5, 4.0]])


def test_multinomial_families_at_non_integer_and_off_total_counts():
    # the formulas at any counts (-inf below 0); DirichletMultinomial takes sum(x), not n, in its lbeta
    close(tfd.Multinomial(f64(5.0), probs=f64([0.2, 0.3, 0.5])).log_prob(_COUNTS),
          [-4.647982253812193, -3.540817231192615, -8.047189562170502, -INF, -4.305065593537753, -2.328291692915209])
    close(tfd.Multinomial(f64(5.0), logits=f64([0.2, -0.3, 0.5])).log_prob(_COUNTS),
          [-4.284299208116221, -3.938012105487802, -5.419843746204118, -INF, -4.195762294342732, -2.6188413584995276])
    close(tfd.DirichletMultinomial(f64(5.0), f64([0.5, 2.0, 1.0])).log_prob(_COUNTS),
          [-3.388230308388337, -3.0315553644496056, -4.962844630259906, -INF, -5.583085040011765, -3.606919509353167])
    close(tfd.BetaBinomial(f64(5.0), f64(0.5), f64(2.0)).log_prob(f64([-0.5, 0.5, 2.5, 4.5, 5.5, 6.0])),
          [INF, -1.2090242, -2.2896175, -3.4088495, -4.6027718, -INF], rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda v: tfd.Multinomial(f64(5.0), probs=f64([0.2, 0.3, 0.5]), validate_args=v),
    lambda v: tfd.DirichletMultinomial(f64(5.0), f64([0.5, 2.0, 1.0]), validate_args=v),
])
def test_multinomial_families_validate_counts(make):
    d = make(True)
    for counts in _COUNTS[[0, 1, 3, 4]]:    # non-integer, negative, not summing to total_count
        with pytest.raises(wb.errors.InvalidArgumentError, match="log_prob"):
            d.log_prob(counts)
    close(d.log_prob(_COUNTS[2]), make(False).log_prob(_COUNTS[2]))
    with pytest.raises(wb.errors.InvalidArgumentError, match="summing to total_count"):
        d.prob(_COUNTS[4])


# -- Zipf ----------------------------------------------------------------------------------------

_ZIPF_X = f64([-1.0, 0.0, 0.5, 1.0, 1.5, 2.5, 3.0, 20.0])[:, None]


def test_zipf_float_tensor_values_are_not_truncated():
    # TFP converts a NumPy value to dtype (int32: 2.5 -> 2) but keeps a float Tensor as it is
    d = tfd.Zipf(f64([1.5, 2.0, 4.0]))
    x = wb.constant(_ZIPF_X)
    close(d.log_prob(x)[3:], [[-0.9602599027307852, -0.4977003024707455, -0.0791098730673356],
                              [-1.568457564893032, -1.3086305186870741, -1.7009703054999932],
                              [-2.334696000542018, -2.3302817662190556, -3.744272800563956],
                              [-2.6081783357329495, -2.6949248798069645, -4.473559027739774],
                              [-5.4538583130617715, -6.489164849578727, -12.062038967283298]])
    close(d.log_prob(x)[:3], [[-INF] * 3] * 3)
    close(d.cdf(x)[4:6], [[0.46264239188936274, 0.7018982304623406, 0.9655207979398308],
                          [0.5594823092238942, 0.7991665667589849, 0.9891736210546236]])
    close(d.survival_function(x)[4:6], [[0.5373576081106373, 0.29810176953765943, 0.03447920206016919],
                                        [0.4405176907761058, 0.2008334332410151, 0.010826378945376414]])
    close(d.log_prob(_ZIPF_X[5]), [-1.999980673570703, -1.8839946635906362, -2.851698595307117])   # NumPy: 2
    close(d.cdf(_ZIPF_X[5]), [0.5181312828090969, 0.7599088773175333, 0.9816845531041896])
    # forced: a non-integer float has mass 0 and the CDF steps
    forced = tfd.Zipf(f64([1.5, 2.0, 4.0]), force_probs_to_zero_outside_support=True)
    close(forced.log_prob(x)[4:6], [[-INF] * 3] * 2)
    close(forced.cdf(x)[5], [0.5181312828090969, 0.7599088773175333, 0.9816845531041896])
    # validate_args: TFP checks x >= 0 only, so a float 2.5 passes
    checked = tfd.Zipf(f64([1.5, 2.0, 4.0]), validate_args=True)
    close(checked.log_prob(wb.constant(f64(2.5))), [-2.334696000542018, -2.3302817662190556, -3.744272800563956])
    with pytest.raises(wb.errors.InvalidArgumentError, match="log_prob"):
        checked.log_prob(wb.constant(f64(-1.0)))


def test_zipf_gradient_in_a_float_value():
    x = wb.constant(f64([[1.0], [2.0], [3.0]]))
    with gradients.GradientTape(persistent=True) as tape:
        tape.watch(x)
        d = tfd.Zipf(f64([1.5, 2.0, 4.0]), dtype=np.float64)
        lp, cdf = d.log_prob(x), d.cdf(x)
    close(tape.gradient(lp, x), [[-7.5], [-3.75], [-2.5]])
    close(tape.gradient(cdf, x), [[0.5782262137310447], [0.2092487137950865], [0.1121739034718357]], rtol=1e-8)


def test_zipf_mean_is_infinite_at_power_two():
    for allow in (True, False):
        d = tfd.Zipf(f64([1.5, 2.0, 2.5, 4.0]), allow_nan_stats=allow)
        close(d.mean(), [NAN, INF, 1.947372466316956, 1.110626535326148])


# -- Bates -----------------------------------------------------------------------------------------

def test_bates_gradients():
    # low, high and the value: TFP's gradients. total_count: the derivative of the density and
    # CDF as functions of a real total_count, i.e. TFP 0.25's own log_prob and cdf differenced in
    # float64 at total_count +- 1e-6 (TFP's gradients there, [0, 1.5, 2.2947] and
    # [0.15, 0.105, 0.05105], are not the derivatives of its own values)
    n, low, high = wb.constant(f64([1.0, 2.0, 5.0])), wb.constant(f64([0.0] * 3)), wb.constant(f64([1.0] * 3))
    x = wb.constant(f64([[0.05], [0.3], [0.8]]))
    with gradients.GradientTape(persistent=True) as tape:
        for v in (n, low, high, x):
            tape.watch(v)
        d = tfd.Bates(n, low, high)
        lp, cdf = wb.reduce_sum(d.log_prob(x)), wb.reduce_sum(d.cdf(x))
    close(tape.gradient(lp, high), [-3.0, -1.0, 5.526315789474], rtol=1e-10)
    close(tape.gradient(lp, low), [3.0, -17.333333333333, -77.105263157895], rtol=1e-10)
    close(tape.gradient(lp, x), [[100.0], [14.912280701754], [-25.0]], rtol=1e-10)
    close(tape.gradient(cdf, high), [-1.15, -1.01, -0.463582356771], rtol=1e-10)
    close(tape.gradient(cdf, low), [-1.85, -1.19, -0.735148111979], rtol=1e-10)
    close(tape.gradient(cdf, x), [[1.200813802083], [3.189583333333], [2.008333333333]], rtol=1e-10)
    close(tape.gradient(lp, n), [-1.077495995316, -1.998054453001, -2.545326187153], rtol=1e-8)
    close(tape.gradient(cdf, n), [-0.102508522781, -0.022050634318, -0.014201008036], rtol=1e-7)


def test_bates_upper_tail_keeps_its_digits():
    # near high the survival function is (n (1 - u))**n / n!; TFP 0.25 gives -31.27721506 here
    # (float64; -inf in float32), from 1 - cdf
    for dtype in (np.float64, np.float32):
        d = tfd.Bates(np.asarray(5.0, dtype), np.asarray(0.0, dtype), np.asarray(1.0, dtype))
        close(d.log_survival_function(np.asarray(0.999, dtype)), 5 * np.log(5 * (1 - np.float64(0.999)))
              - np.log(120.0), rtol=1e-9 if dtype == np.float64 else 1e-4)


def test_noncentral_chi2_gradients():
    # df, and noncentrality > 0: finite differences of scipy.stats.ncx2 in float64 (TFP 0.25's
    # log_prob gradient in df is [6.722, 0, -1.783] here, and it has none for the cdf);
    # noncentrality = 0: the one-sided derivatives 0.5 sum(x / df - 1) and
    # 0.5 sum(F_{df+2}(x) - F_df(x)) (TFP 0.25: 0 for log_prob, -0.8117805489 for the cdf)
    df, nc = wb.constant(f64([0.5, 2.0, 7.0])), wb.constant(f64([0.0, 1.0, 5.0]))
    x = wb.constant(f64([[0.1], [0.5], [2.0], [5.0]]))
    with gradients.GradientTape(persistent=True) as tape:
        for v in (df, nc, x):
            tape.watch(v)
        d = tfd.NoncentralChi2(df, nc)
        lp, cdf = wb.reduce_sum(d.log_prob(x)), wb.reduce_sum(d.cdf(x))
        q = wb.reduce_sum(d.quantile(f64([[0.1], [0.7]])))
    close(tape.gradient(lp, df), [6.722039114670508, -1.200640785015139, -4.223455627894168], rtol=1e-7)
    close(tape.gradient(lp, nc), [5.6, -0.6320133918436, -1.5643652861996316], rtol=1e-7)
    close(tape.gradient(lp, x), [[16.6012708842], [2.5794034114], [-0.1100742895], [-0.716704011]], rtol=1e-9)
    close(tape.gradient(cdf, df), [-1.3967124734559633, -0.4567292914980925, -0.038795171110328486], rtol=1e-7)
    close(tape.gradient(cdf, nc), [-0.8117805488736316, -0.3294310637613762, -0.02722025888024504], rtol=1e-7)
    # the quantile's: scipy.stats.ncx2.ppf differenced (one-sided at noncentrality 0)
    close(tape.gradient(q, df)[:1], [1.366439433825306], rtol=1e-6)
    close(tape.gradient(q, nc)[:2], [0.7496629766956531, 1.4785395752170416], rtol=1e-6)


@pytest.mark.parametrize("make, one_sided", [
    (lambda df, loc, scale: tfd.StudentT(df, loc, scale), False),
    (lambda df, loc, scale: tfd.HalfStudentT(df, loc, scale), True),     # x == loc: the support's edge
    (lambda df, loc, scale: tfd.TwoPieceStudentT(df, loc, scale, np.float64(0.5)), False),
])
def test_student_t_cdf_gradient_at_the_centre_is_finite(make, one_sided):
    # At x == loc the incomplete beta's derivative is inf * 0; TFP's (stdtr's) gradient is finite:
    # the density in loc and scale, 0 in df. Checked against differences (from inside the support).
    params, x = [np.float64(1.5), np.float64(0.2), np.float64(0.5)], np.float64(0.2)
    vs = [wb.Variable(p) for p in params]
    with wb.GradientTape() as tape:
        c = make(*vs).cdf(wb.constant(x))
    got = [float(g) for g in tape.gradient(c, vs)]
    cdf = lambda ps: float(make(*ps).cdf(x))
    for i, g in enumerate(got):
        up, dn = list(params), list(params)
        up[i] += 1e-6
        dn[i] -= 1e-6
        fd = (cdf(params) - cdf(dn)) / 1e-6 if one_sided else (cdf(up) - cdf(dn)) / 2e-6
        assert np.isfinite(g) and abs(g - fd) < 1e-5 * max(1.0, abs(fd)), (i, g, fd)
