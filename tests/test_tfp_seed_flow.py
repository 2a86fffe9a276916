"""TFP 0.25's seed flow and numbers: ``sanitize_seed``/``split_seed`` and family samplers,
pinned against values made with TFP 0.25 (TF 2.21)."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb
from probability.internal import samplers

tfd = tfp.distributions


def _pairs(seeds):
    return [s.numpy().tolist() for s in seeds]


def test_split_and_salt_are_tfps():
    assert _pairs(tfp.random.split_seed((1, 2), 2)) == [[1105988140, 1738052849], [-335576002, 370444179]]
    assert _pairs(tfp.random.split_seed((1, 2), 2, salt="beta")) == [[1240286962, 420829138],
                                                                     [858608815, -1971847906]]
    s = tfp.random.sanitize_seed((1, 2), salt="gamma")
    assert s.dtype == wb.int32 and s.numpy().tolist() == [589445475, 2]
    assert tfp.random.split_seed((1, 2), n=wb.constant(3)).shape == (3, 2)


def test_int_and_none_seeds_draw_from_the_stateful_sequence():
    wb.random.set_seed(7)
    assert tfp.random.sanitize_seed(None).numpy().tolist() == [-1041576094, 396222197]
    assert tfp.random.sanitize_seed(42).numpy().tolist() == [-1495183253, -768796091]
    # a salt is hashed into an int seed before the draw
    assert tfp.random.sanitize_seed(42, salt="x").numpy().tolist() == [-1980458553, -1940873561]
    # the same int again: the next pair of its sequence
    assert tfp.random.sanitize_seed(42).numpy().tolist() == [-411524059, 71039196]


def test_seed_errors_name_the_argument():
    with pytest.raises(TypeError, match="salt"):
        tfp.random.sanitize_seed((1, 2), salt=3)
    with pytest.raises(ValueError, match=r"shape \[2\]"):
        tfp.random.sanitize_seed((1, 2, 3))
    with pytest.raises(TypeError, match="`n`"):
        tfp.random.split_seed((1, 2), n=2.0)


FAMILY_DRAWS = {  # TFP 0.25: d.sample(3, seed=(1, 2)); set_seed(7), d.sample(3); then d.sample(3, seed=5)
    'Normal': (
        [0.544110119342804, 0.20738030970096588, 0.0735643208026886],
        [0.5983449220657349, 0.0627620741724968, 0.14631742238998413],
        [0.007278046105057001, 0.5343581438064575, 0.18353332579135895],
    ),
    'Gamma': (
        [[0.00548515236005187, 1.0592117309570312], [0.04305152967572212, 1.1938254833221436], [0.012870131991803646, 0.7342550158500671]],
        [[0.00048385889385826886, 1.345298409461975], [0.03676615282893181, 2.145254373550415], [0.011958637274801731, 0.7611405253410339]],
        [[0.22427284717559814, 1.41697359085083], [0.05114072561264038, 2.213535785675049], [0.08805345743894577, 0.8986976742744446]],
    ),
    'Beta': (
        [[0.7430749535560608, 0.437692254781723], [0.5496758818626404, 0.3634187877178192], [0.5471864938735962, 0.45992398262023926]],
        [[0.5168578028678894, 0.707018256187439], [0.999056339263916, 0.3506874442100525], [0.9292389154434204, 0.3601657450199127]],
        [[0.3282497823238373, 0.3203502893447876], [0.6370449066162109, 0.487598717212677], [0.845059335231781, 0.2098219096660614]],
    ),
    'Dirichlet': (
        [[0.5103472471237183, 0.40677255392074585, 0.08288022130727768], [0.784762978553772, 0.2107376903295517, 0.004499345552176237], [0.36868900060653687, 0.17122028768062592, 0.4600907564163208]],
        [[0.2031342089176178, 0.6399223208427429, 0.1569434404373169], [0.54117751121521, 0.2383783757686615, 0.2204441875219345], [0.025341449305415154, 0.9108306169509888, 0.06382786482572556]],
        [[0.09523887932300568, 0.8630878925323486, 0.0416732020676136], [0.7894676327705383, 0.0927652046084404, 0.11776717007160187], [0.2784796953201294, 0.511243999004364, 0.210276260972023]],
    ),
    'StudentT': (
        [3.6497154235839844, 4.10355281829834, 0.15146416425704956],
        [1.1408355236053467, 0.44627171754837036, 2.3912339210510254],
        [0.6546955108642578, 3.5887932777404785, 1.9924324750900269],
    ),
    'Poisson': (
        [[3.0, 57.0], [2.0, 34.0], [1.0, 45.0]],
        [[0.0, 39.0], [1.0, 32.0], [2.0, 39.0]],
        [[1.0, 50.0], [0.0, 38.0], [0.0, 43.0]],
    ),
    'Categorical': (
        [2, 2, 1],
        [2, 0, 2],
        [2, 2, 2],
    ),
    'Chi2': (
        [2.3753445148468018, 1.4852834939956665, 1.6112977266311646],
        [1.9558902978897095, 2.2628886699676514, 3.3996260166168213],
        [5.500500679016113, 3.3026912212371826, 0.3673330545425415],
    ),
    'InverseGamma': (
        [1.0047388076782227, 0.72749924659729, 1.1514123678207397],
        [1.5263926982879639, 0.3761637806892395, 0.3555033206939697],
        [0.9019142389297485, 0.2560223937034607, 1.3836950063705444],
    ),
    'Exponential': (
        [0.08476559817790985, 0.8250119090080261, 0.0018919693538919091],
        [0.5109986662864685, 0.3781832158565521, 0.9049473404884338],
        [0.8400416374206543, 1.133320689201355, 1.1694247722625732],
    ),
    'LogNormal': (
        [1.7230743169784546, 1.2304503917694092, 1.0763378143310547],
        [1.8191055059432983, 1.064773440361023, 1.15756356716156],
        [1.0073045492172241, 1.706352710723877, 1.201454997062683],
    ),
}


def _family(name):
    return {"Normal": lambda: tfd.Normal(0., 1.), "Gamma": lambda: tfd.Gamma([0.5, 2.], 1.5),
            "Beta": lambda: tfd.Beta(2., [0.5, 3.]), "Dirichlet": lambda: tfd.Dirichlet([1., 2., 0.3]),
            "StudentT": lambda: tfd.StudentT(3., 1., 2.), "Poisson": lambda: tfd.Poisson([0.5, 40.]),
            "Categorical": lambda: tfd.Categorical(logits=[0., 1., 2.]), "Chi2": lambda: tfd.Chi2(3.),
            "InverseGamma": lambda: tfd.InverseGamma(3., 2.), "Exponential": lambda: tfd.Exponential(2.),
            "LogNormal": lambda: tfd.LogNormal(0., 1.)}[name]()


@pytest.mark.parametrize("name", sorted(FAMILY_DRAWS))
def test_family_draws_are_tfps(name):
    pair, global_seed, int_seed = FAMILY_DRAWS[name]
    d = _family(name)
    np.testing.assert_allclose(d.sample(3, seed=(1, 2)).numpy(), pair, rtol=1e-5)
    wb.random.set_seed(7)
    np.testing.assert_allclose(d.sample(3).numpy(), global_seed, rtol=1e-5)
    np.testing.assert_allclose(d.sample(3, seed=5).numpy(), int_seed, rtol=1e-5)


def test_random_samplers_are_tfps():
    np.testing.assert_array_equal(tfp.random.rademacher([6], seed=(1, 2)).numpy(), [-1, -1, 1, 1, 1, -1])
    np.testing.assert_allclose(tfp.random.spherical_uniform([2], 3, seed=(1, 2)).numpy(),
                               [[0.92706138, 0.35333708, 0.12533978], [0.02876358, -0.80626118, -0.59086013]],
                               rtol=1e-5)
    np.testing.assert_allclose(tfp.random.spherical_uniform([2], 2, seed=(1, 2)).numpy(),
                               [[0.55719095, -0.83038437], [0.35614571, 0.93443042]], rtol=1e-5)
    np.testing.assert_allclose(tfp.random.rayleigh([3], scale=2., seed=(1, 2)).numpy(),
                               [1.1645813, 3.6332066, 0.1739871], rtol=1e-5)


def test_a_replayed_function_draws_a_fresh_seed():
    d = tfd.Gamma(2., 1.)
    f = wb.function(lambda: d.sample(3))
    g = wb.function(lambda: d.sample(3, seed=(1, 2)))
    a, b = f().numpy(), f().numpy()
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(g().numpy(), g().numpy())
    np.testing.assert_allclose(g().numpy(), [0.16377585, 2.3804114, 1.3412908], rtol=1e-5)
    # traced under a global seed, the seedless op that draws the sample's seed takes the
    # graph's op seed 0 (TF's rule) and its stream goes on: TFP 0.25's numbers
    wb.random.set_seed(3)
    h = wb.function(lambda: d.sample(3))
    np.testing.assert_allclose([h().numpy() for _ in range(2)],
                               [[0.8595621585845947, 1.9235845804214478, 3.256274461746216],
                                [5.704878807067871, 0.7505029439926147, 0.17886577546596527]], rtol=1e-6)


def test_zeros_seed_and_fold_in():
    assert samplers.zeros_seed().numpy().tolist() == [0, 0]
    assert samplers.fold_in((1, 2), 3).numpy().tolist() == [2, 2]


@pytest.mark.parametrize("kernel, want", [
    ("rwm", [[[-0.5364450066939829, 0.2906300499683635], [-0.44630890284594055, 0.2118625828589349]],
             [[-0.5364450066939829, 0.2906300499683635], [-0.44630890284594055, 0.2118625828589349]]]),
    ("hmc", [[[-0.44371745666790074, 0.3589233543112203], [-0.40720953168790053, 0.27388068490312184]],
             [[1.5616573898264812, -1.6226019775570535], [0.9783456877342984, 1.5827571326068899]]]),
])
def test_seeded_chains_are_tfps(kernel, want):
    target = tfd.MultivariateNormalDiag(wb.constant([0., 1.], dtype=wb.float64),
                                        wb.constant([1., 2.], dtype=wb.float64)).log_prob
    k = (tfp.mcmc.RandomWalkMetropolis(target) if kernel == "rwm"
         else tfp.mcmc.HamiltonianMonteCarlo(target, step_size=0.3, num_leapfrog_steps=3))
    states = tfp.mcmc.sample_chain(2, wb.constant([[0.1, 0.2], [0.3, -0.4]], dtype=wb.float64), kernel=k,
                                   trace_fn=None, seed=(1, 2))
    np.testing.assert_allclose(states.numpy(), want, rtol=1e-10)
