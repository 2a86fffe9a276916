"""TF 2.21's numbers for the stateful random ops with op seeds and ``set_seed``.

The expected values were printed by TF 2.21 (CPU) running the same calls in the same
order (``_script``): TF's eager rule for seeds, its cached kernels' Philox streams (advancing
across calls, restarted by ``set_seed``) and its conversions of the Philox words.
"""

import math

import numpy as np
import pytest
from scipy import stats

import workbench as wb
from workbench.ops.random_gamma import gamma_sample_dalpha

R = wb.random

TF = {
    'u5_1': ('float32', [0.3883112668991089, 0.6636828184127808, 0.1919107437133789]),
    'u5_2': ('float32', [0.05274152755737305, 0.07105469703674316, 0.8058198690414429]),
    'n5': ('float32', [-1.178082823753357, -0.7099413871765137, -1.7481579780578613]),
    'u5_f64': ('float64', [0.10649075668991137, 0.5352865750082818, 0.7054680331168384]),
    'u5_3': ('float32', [0.3939141035079956, 0.1748124361038208, 0.043660640716552734]),
    'g5_u5': ('float32', [0.15474987030029297, 0.8565405607223511, 0.842219352722168]),
    'g5_u_1': ('float32', [0.6263930797576904, 0.5298432111740112, 0.7584571838378906]),
    'g5_u_2': ('float32', [0.7017074823379517, 0.043367862701416016, 0.5604572296142578]),
    'g5_n': ('float32', [1.4665462970733643, -1.0248138904571533, 0.8674328923225403, -2.2424309253692627]),
    'g5_tn': ('float32', [0.03700283169746399, 0.3459286391735077, -0.4155045449733734]),
    'i32_1': ('int32', [7, 3, 0, 0, 7]),
    'i32_2': ('int32', [2, 3, 9, 9, 2]),
    'i64': ('int64', [377191538809, 1066019410693, 431489488667]),
    'f16_1': ('float16', [0.7255859375, 0.3349609375, 0.59765625, 0.7421875]),
    'f16_2': ('float16', [0.931640625, 0.919921875, 0.3720703125, 0.70703125]),
    'tn_1': ('float32', [1.0616620779037476, -0.8785783052444458, 0.11187215894460678, 0.18511717021465302, -0.16233478486537933]),
    'tn_2': ('float32', [1.1687908172607422, -0.32148557901382446, 0.2935705780982971]),
    'tn64': ('float64', [-1.9891512607565875, 0.8613319661711827, 0.5001542461196736]),
    'n64': ('float64', [-3.9674537822697626, 4.583995898513548, -5.055771698409371]),
    'uab': ('float32', [0.1607881784439087, 0.08007872104644775, 1.9306387901306152]),
    'neg': ('float32', [0.22001373767852783, 0.7886157035827637]),
    'big_n': ('float32', [1.4039428234100342, -1.6896278858184814, -0.21134048700332642, 1.1501579284667969, 1.5124437808990479, 0.4284462630748749, -2.70123291015625, 0.06449971348047256, -0.29038581252098083, 0.6756769418716431, 0.956174373626709, -1.0738366842269897, 0.20920482277870178, 0.39050212502479553, -0.8112437129020691, 2.421581983566284, -1.0123523473739624, -0.6351443529129028, -1.4901726245880127, -0.012051507830619812, 0.7849294543266296, -0.20330679416656494, -2.3141980171203613, -0.3122030794620514, 0.07061944156885147, -0.46716126799583435, 0.9123252630233765, -1.3044426441192627, -0.07080108672380447, 0.1320750117301941, 0.2670128345489502, -0.4894658923149109, -0.7499574422836304, -0.7946661710739136, -1.037904977798462, -0.3223452568054199, 1.333457112312317, 0.11863081157207489, 1.9301081895828247, 0.47857195138931274, 0.37702682614326477, -0.7804450988769531, 0.4586811661720276, 1.0696725845336914, -0.6533653736114502, 0.35948869585990906, 0.625126838684082, 0.7700972557067871, 0.768650233745575, 1.0089302062988281, -0.24408815801143646, -0.3943336009979248, 0.4709428548812866, -2.619262218475342, 1.529294490814209, 0.7862012982368469, -1.2087838649749756, -0.2622293531894684, -0.9076527953147888, 0.030795767903327942, -0.014674858190119267, -0.06949636340141296, 0.05466342344880104]),
    'big_tn': ('float32', [1.4039428234100342, -1.6896278858184814, -0.21134048700332642, 1.1501579284667969, -1.4694197177886963, -0.7036829590797424, 0.3018743693828583, 0.38833725452423096, -0.8964992165565491, 0.3342899978160858, 1.5748013257980347, -0.32765522599220276, -1.1978398561477661, -1.040966510772705, 0.27033179998397827, -0.3424933850765228, 0.5861771702766418, 1.8307219743728638, 1.4139975309371948, 0.3895993232727051, 0.2703149616718292, -0.3490452468395233, 0.7858420610427856, 0.134848490357399, -0.027956482023000717, 0.04269317165017128, -0.23148144781589508, 1.0915037393569946, 0.3737925589084625, -1.4465440511703491, -0.738300085067749, 0.24263493716716766, 0.3747619688510895, 0.6493130326271057, -1.2716007232666016, 0.05225401744246483, 0.014419376850128174, -0.9654853343963623, 0.7024778723716736, 0.02393193356692791, 0.25140926241874695, -0.9499323964118958, -0.7420129776000977, 0.2989536225795746, -1.249962568283081, 1.8167474269866943, -1.1757087707519531, 0.45287325978279114, 0.47020989656448364, -0.10351526737213135]),
    'big_tn_2': ('float32', [-0.4656026065349579, -0.2608822286128998, -1.39360511302948, 0.8235296607017517, 0.407979279756546, 1.4443351030349731, 0.29814326763153076, 0.2393401861190796, 1.5350513458251953, -0.9245229363441467, -1.464068055152893, -1.5946818590164185, 0.9688445329666138, -0.558696448802948, 0.38144025206565857, -0.7302719950675964, -0.3980558216571808, -0.7753123641014099, 0.11245094984769821, 0.21390041708946228, 0.1364794224500656, -1.7805163860321045, -1.1144084930419922, -0.43255820870399475, -0.5340688228607178, 1.0450503826141357, -0.21789482235908508, 0.3820284605026245, -1.0008126497268677, 0.21899238228797913, -1.3215584754943848, -0.3702438175678253, 1.788122296333313, 1.7814222574234009, 1.4400233030319214, -0.44324177503585815, -0.3343554735183716, 0.43169966340065, 0.6360241770744324, 0.5897039175033569, 0.7216922640800476, -0.15255020558834076, -1.100915551185608, 1.3481013774871826, -0.7291578650474548, -0.5223026871681213, 0.31015723943710327, -0.7809562087059021, 0.5735943913459778, -1.3410825729370117]),
    'drop_1': ('float32', [0.0, 2.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0, 2.0]),
    'drop_2': ('float32', [2.0, 2.0, 0.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0]),
    'g0_u0': ('float32', [0.01975703239440918, 0.0070421695709228516]),
    'g0_n_1': ('float32', [1.5110626220703125, 0.4229220449924469]),
    'g0_n_2': ('float32', [1.066880226135254, 0.1945492923259735]),
}


def _script(rec):
    R.set_seed(None)
    rec("u5_1", R.uniform([3], seed=5)); rec("u5_2", R.uniform([3], seed=5))
    rec("n5", R.normal([3], seed=5)); rec("u5_f64", R.uniform([3], seed=5, dtype=wb.float64))
    rec("u5_3", R.uniform([3], seed=5))
    R.set_seed(5)
    rec("g5_u5", R.uniform([3], seed=5)); rec("g5_u_1", R.uniform([3])); rec("g5_u_2", R.uniform([3]))
    rec("g5_n", R.normal([2, 2])); rec("g5_tn", R.truncated_normal([3]))
    R.set_seed(None)
    rec("i32_1", R.uniform([5], 0, 10, dtype=wb.int32, seed=3))
    rec("i32_2", R.uniform([5], 0, 10, dtype=wb.int32, seed=3))
    rec("i64", R.uniform([3], -5, 2**40, dtype=wb.int64, seed=3))
    rec("f16_1", R.uniform([4], seed=3, dtype=wb.float16)); rec("f16_2", R.uniform([4], seed=3, dtype=wb.float16))
    rec("tn_1", R.truncated_normal([5], seed=3)); rec("tn_2", R.truncated_normal([3], seed=3))
    rec("tn64", R.truncated_normal([3], seed=3, dtype=wb.float64))
    rec("n64", R.normal([3], seed=3, dtype=wb.float64, mean=2., stddev=3.))
    rec("uab", R.uniform([3], seed=3, minval=-1., maxval=2.))
    rec("neg", R.uniform([2], seed=-7))
    rec("big_n", R.normal([7, 9], seed=11)); rec("big_tn", R.truncated_normal([50], seed=11))
    rec("big_tn_2", R.truncated_normal([50], seed=11))
    rec("drop_1", wb.nn.dropout(wb.ones([10]), 0.5, seed=1)); rec("drop_2", wb.nn.dropout(wb.ones([10]), 0.5, seed=1))
    R.set_seed(0)
    rec("g0_u0", R.uniform([2], seed=0)); rec("g0_n_1", R.normal([2])); rec("g0_n_2", R.normal([2]))


def _check(name, t):
    dt, want = TF[name]
    got = t.numpy()
    assert got.dtype == np.dtype(dt), name
    np.testing.assert_array_equal(got.ravel(), np.asarray(want, dtype=dt), err_msg=name)


def test_op_seeded_and_globally_seeded_draws_are_tfs():
    seen = []
    _script(lambda name, t: (seen.append(name), _check(name, t)))
    assert sorted(seen) == sorted(TF)
    _script(_check)   # the same numbers again: set_seed and the kernels restart


def test_a_function_draws_tfs_numbers_in_the_eager_order():
    # TF 2.21: a tf.function with an op seed continues its kernel's stream across calls
    f = wb.function(lambda: R.uniform([3], seed=5))
    R.set_seed(None)
    _check("u5_1", f())
    _check("u5_2", f())
    _check("n5", R.normal([3], seed=5))
    _check("u5_3", f())
    # a function first called after set_seed(5) is traced then: its op without a seed takes the
    # graph's op seed 0 (not the eager sequence), and its own kernel's stream
    g = wb.function(lambda: R.uniform([3]))
    R.set_seed(5)
    _check("g5_u5", R.uniform([3], seed=5))
    np.testing.assert_array_equal(g().numpy(), np.float32([0.18286478519439697, 0.6899895668029785,
                                                          0.6732248067855835]))
    np.testing.assert_array_equal(g().numpy(), np.float32([0.3876405954360962, 0.6976070404052734,
                                                          0.817644476890564]))


def test_get_seed_follows_tf():
    R.set_seed(None)
    assert R.get_seed(None) is None
    assert R.get_seed(5) == (87654321, 5)
    assert R.get_seed(2**31 - 1 + 3) == (87654321, 3)
    R.set_seed(0)
    assert R.get_seed(0) == (0, 2**31 - 1)   # (0, 0) means "nondeterministic" to TF's kernels
    R.set_seed(5)
    import random
    rng = random.Random(5)
    assert [R.get_seed(None) for _ in range(3)] == [(5, rng.randint(0, 2**31 - 1)) for _ in range(3)]
    R.set_seed(None)


def test_each_op_and_dtype_has_its_own_stream():
    R.set_seed(None)
    a = R.uniform([3], seed=9).numpy()
    R.normal([3], seed=9)
    R.uniform([3], seed=9, dtype=wb.float64)
    b = R.uniform([3], seed=9).numpy()
    R.set_seed(None)
    np.testing.assert_array_equal(R.uniform([3], seed=9).numpy(), a)
    np.testing.assert_array_equal(R.uniform([3], seed=9).numpy(), b)


def test_half_uniforms_have_tfs_ten_mantissa_bits():
    u = wb.random.Generator.from_seed(3).uniform([1000], dtype=wb.float16).numpy()
    assert u.dtype == np.float16 and u.min() >= 0 and u.max() < 1
    assert np.all(np.round(u.astype(np.float64) * 1024) == u.astype(np.float64) * 1024)
    big = R.uniform([5000], dtype=wb.float16, seed=1).numpy()   # past the exact-draw size
    assert big.min() >= 0 and big.max() < 1 and abs(float(big.astype(np.float64).mean()) - 0.5) < 0.03
    s = R.stateless_uniform([5000], seed=[1, 2], dtype=wb.float16).numpy()
    assert s.min() >= 0 and s.max() < 1


# tf.random.shuffle and tf.random.categorical (TF 2.21's RandomShuffle and, on the CPU,
# Multinomial kernels), and stateless_categorical, printed by TF 2.21 for ``_draws``
TF_INDICES = {
    'sh1': [7, 2, 6, 8, 9, 1, 5, 3, 4, 0],
    'sh2': [4, 6, 9, 1, 2, 0, 5, 7, 8, 3],
    'sh2d': [[0, 1], [10, 11], [6, 7], [8, 9], [2, 3], [4, 5]],
    'shf': [3.0, 5.0, 4.0, 1.0, 2.0],
    'sh1000': [252, 828, 902, 405, 340, 316, 224, 743, 281, 652, 960, 225, 255, 226, 384, 865, 162, 643, 671, 314],
    'cat1': [[1, 0, 1, 1, 0]],
    'cat2': [[0, 0, 1, 1, 0]],
    'cat3': [[2, 2, 2, 2, 2, 2, 2], [2, 0, 2, 2, 2, 2, 0]],
    'cat64': [[2, 2, 2, 2, 2, 2]],
    'catbig': [[45, 49, 35, 47, 44, 38, 41, 33, 39, 47, 44, 38, 49, 49, 37, 49, 43, 49, 42, 40, 46, 39, 24, 48, 49, 43, 42, 42, 14, 31]],
    'g_sh': [4, 1, 5, 2, 0, 3],
    'g_cat': [[0, 2, 2, 2, 0, 3, 3, 3, 2]],
    'sl_cat': [[1, 1, 2, 2, 1], [0, 0, 0, 0, 0]],
}


def _draws(rec):
    R.set_seed(None)
    rec("sh1", R.shuffle(wb.range(10), seed=3)); rec("sh2", R.shuffle(wb.range(10), seed=3))
    rec("sh2d", R.shuffle(wb.reshape(wb.range(12), [6, 2]), seed=3))
    rec("shf", R.shuffle(wb.constant([1., 2., 3., 4., 5.]), seed=3))
    rec("sh1000", R.shuffle(wb.range(1000), seed=8)[:20])
    rec("cat1", R.categorical(wb.math.log([[0.5, 0.5]]), 5, seed=1))
    rec("cat2", R.categorical(wb.math.log([[0.5, 0.5]]), 5, seed=1))
    rec("cat3", R.categorical([[1., 2., 3.], [0., float("-inf"), 1.]], 7, seed=2))
    rec("cat64", R.categorical(wb.constant([[1., 2., 3.]], wb.float64), 6, seed=2, dtype=wb.int32))
    rec("catbig", R.categorical([[0.1 * i for i in range(50)]], 30, seed=4))
    R.set_seed(7)
    rec("g_sh", R.shuffle(wb.range(6))); rec("g_cat", R.categorical([[1., 1., 1., 1.]], 9))
    rec("sl_cat", R.stateless_categorical([[1., 2., 3.], [3., 2., 1.]], 5, seed=[4, 5]))


def test_shuffle_and_categorical_are_tfs():
    seen = []

    def rec(name, t):
        seen.append(name)
        assert t.numpy().tolist() == TF_INDICES[name], name
    _draws(rec)
    assert sorted(seen) == sorted(TF_INDICES)


def test_shuffle_in_a_function_draws_as_eager_calls():
    f = wb.function(lambda x: R.shuffle(x, seed=3))
    R.set_seed(None)
    assert f(wb.range(10)).numpy().tolist() == TF_INDICES["sh1"]
    assert f(wb.range(10)).numpy().tolist() == TF_INDICES["sh2"]


def test_large_shuffles_and_draws_keep_their_distributions():
    x = R.shuffle(wb.range(70000), seed=1).numpy()        # past the exact size: NumPy's order
    assert sorted(x.tolist()) == list(range(70000))
    c = R.categorical(wb.math.log([[0.2, 0.3, 0.5]]), 20000, seed=5).numpy()
    freq = np.bincount(c.ravel(), minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.2, 0.3, 0.5], atol=0.02)


# tf.random.gamma (TF 2.21's RandomGamma kernel, computed in float64), printed by TF 2.21
TF_GAMMA = {
    'g1': [3.04427170753479, 1.5954697132110596, 2.6754322052001953, 3.2278032302856445],
    'g2': [4.274988651275635, 1.2236683368682861, 0.2972041666507721, 0.7555680871009827],
    'gsmall': [0.14378182590007782, 1.1504734754562378, 0.0029362584464251995, 1.4561352729797363, 0.11629976332187653, 0.7952428460121155, 0.4486929178237915, 1.0398987531661987, 2.6312813758850098, 3.9317312240600586, 0.054726023226976395, 0.24826273322105408],
    'gbeta': [0.38316717743873596, 0.1479003131389618, 0.08593682199716568, 0.271699994802475, 0.47934314608573914, 0.3683311343193054, 0.3337881565093994, 0.36359232664108276, 0.3945687413215637, 1.0867626667022705, 0.21249078214168549, 0.4151724874973297, 0.2843051552772522, 0.20610499382019043, 0.2307550609111786, 1.1978378295898438, 0.3124654293060303, 0.26535096764564514],
    'g64': [0.21004149435751313, 16.047656700056525, 1.6933212459968794e-09, 3.2750398892527186, 0.18314932265828954, 4.683666838382367, 0.2619009276426096, 8.46805380859667, 0.20983778347390353, 7.152504633374718],
    'gtiny': [5.410322493077487e-34, 2.0335483212297493e-24, 0.1170930564403534, 1.1754943508222875e-38, 1.2842231456033915e-07, 3.485886509224656e-06],
    'gmany': [0.6564592719078064, 0.235361248254776, 0.028335237875580788, 0.540196418762207, 0.0896880030632019, 1.073410153388977, 0.07789332419633865, 0.29167449474334717, 1.371673583984375, 0.11883147805929184, 0.7080485224723816, 0.10816369950771332, 0.1861557960510254, 1.710265874862671, 0.29790934920310974, 0.31597036123275757, 0.2490699589252472, 0.9350793957710266, 0.9029408693313599, 3.2383861541748047, 1.3529727458953857, 0.2718765139579773, 0.06921853125095367, 0.3343644440174103, 0.5230279564857483, 0.14810173213481903, 0.012928860262036324, 0.5197910666465759, 1.556726098060608, 1.8898215293884277, 4.2452311515808105, 1.6765739917755127, 0.16020555794239044, 0.2652818262577057, 1.0073798894882202, 0.18600717186927795, 0.7776510119438171, 2.5905656814575195, 1.1017014980316162, 0.41690659523010254, 0.7258229851722717, 0.4184121787548065, 0.5594363808631897, 0.43787842988967896, 0.5883117318153381, 0.42437708377838135, 0.8119356632232666, 0.10165317356586456, 1.3272606134414673, 1.1631841659545898, 0.7252402901649475, 0.11912191659212112, 0.046824514865875244, 0.12237830460071564, 0.5088846683502197, 0.4278198182582855, 0.9595589637756348, 1.374409556388855, 1.4612441062927246, 2.4026310443878174, 1.6131116151809692, 0.5903435945510864, 0.05587686598300934, 1.7128506898880005, 1.0970184803009033, 0.11673785001039505, 0.5182977318763733, 0.9565355181694031, 0.21899352967739105, 0.6065982580184937, 0.00439917016774416, 0.4844224750995636, 0.4947928786277771, 0.864384114742279, 0.43336474895477295, 0.5838879942893982, 0.2578291893005371, 0.27538788318634033, 0.218393936753273, 1.0718436241149902, 0.21617983281612396, 0.4460636079311371, 0.17639361321926117, 0.5377209186553955, 0.8022801280021667, 0.005486578680574894, 0.8409021496772766, 0.6517161130905151, 0.031818464398384094, 1.2755225896835327, 0.32001104950904846, 0.36819592118263245, 1.4139595031738281, 0.7230019569396973, 0.3580222725868225, 0.28526008129119873, 0.9217708110809326, 2.988469362258911, 0.18236270546913147, 0.25594183802604675, 0.08377007395029068, 0.7948307394981384, 1.479886770248413, 1.5188777446746826, 3.8402481079101562, 0.035080891102552414, 0.928637683391571, 0.021069876849651337, 0.21225744485855103, 0.06210244446992874, 3.645878314971924, 1.0404428243637085, 0.5451694130897522, 0.1529504954814911, 0.7952954769134521, 1.2163302898406982, 1.0522761344909668, 2.232963800430298, 0.20188099145889282, 0.8255089521408081, 0.08538468182086945, 0.9000871777534485, 3.3038089275360107, 1.1654081344604492, 0.04744257032871246, 0.756591260433197, 0.009530151262879372, 0.46911385655403137, 1.1136666536331177, 0.13852955400943756, 0.8531743884086609, 0.6149416565895081, 2.0549004077911377, 0.9832751750946045, 0.005426797084510326, 0.1419077068567276, 0.05188042297959328, 0.23408900201320648, 1.0841500759124756, 0.21762661635875702, 1.5284796953201294, 0.556759238243103, 0.0017314476426690817, 0.23368331789970398, 0.5050620436668396, 0.029919037595391273, 0.8704646825790405, 0.34335142374038696, 1.5355790853500366, 1.8050416707992554, 0.31010007858276367, 0.2915008068084717, 0.5127117037773132, 0.017575522884726524, 0.4724831283092499, 0.24973666667938232, 4.177286148071289, 0.6370908617973328, 1.2480677366256714, 0.14284755289554596, 0.1467680186033249, 0.5004279613494873, 0.4099047780036926, 0.18088454008102417, 0.3940410315990448, 0.9176773428916931, 0.04369450360536575, 0.2752261161804199, 1.5669288635253906, 0.35741856694221497, 0.5615924000740051, 0.16940510272979736, 0.5780757665634155, 1.4790362119674683, 0.1799096167087555, 0.27466481924057007, 2.114946126937866, 0.04388480633497238, 0.7444594502449036, 0.06227802112698555, 3.0421688556671143, 0.22376523911952972, 0.7020758986473083, 0.42926132678985596, 0.1218157708644867, 2.0012869834899902, 0.5217465758323669, 1.2146130800247192, 0.2774156630039215, 4.06878662109375, 2.082279682159424, 1.092265009880066, 0.11039029061794281, 0.6331723928451538, 0.013536784797906876, 0.2854175269603729, 1.406301498413086, 0.9825819134712219, 0.017101695761084557, 0.36897778511047363],
    'gg': [3.5285892486572266, 0.6526470184326172, 0.05465886741876602],
}


def _gammas(rec):
    R.set_seed(None)
    rec("g1", R.gamma([4], 2.0, seed=3)); rec("g2", R.gamma([4], 2.0, seed=3))
    rec("gsmall", R.gamma([3, 2], [0.5, 1.5], seed=4))
    rec("gbeta", R.gamma([3], [[1.], [3.]], beta=[2., 4., 5.], seed=5))
    rec("g64", R.gamma([5], [0.3, 7.0], dtype=wb.float64, seed=6))
    rec("gtiny", R.gamma([6], 0.01, seed=7))
    rec("gmany", R.gamma([200], 0.9, seed=8))
    R.set_seed(3)
    rec("gg", R.gamma([3], 1.0))


def test_gamma_is_tfs():
    seen = []

    def rec(name, t):
        seen.append(name)
        assert [float(v) for v in t.numpy().ravel()] == TF_GAMMA[name], name
    _gammas(rec)
    assert sorted(seen) == sorted(TF_GAMMA)


def test_gamma_keeps_its_shape_and_gradients():
    R.set_seed(None)
    alpha = wb.Variable([0.5, 2.0, 1.0], dtype=wb.float64)
    beta = wb.Variable([2.0, 1.0, 3.0], dtype=wb.float64)
    with wb.GradientTape() as tape:
        x = R.gamma([4], alpha, beta=beta, dtype=wb.float64, seed=2)
        total = wb.reduce_sum(x)
    assert x.shape == (4, 3)
    ga, gb = tape.gradient(total, [alpha, beta])
    s = (x * beta).numpy()                      # the standard gamma samples
    dalpha = gamma_sample_dalpha(wb.broadcast_to(alpha, [4, 3]), wb.constant(s)).numpy()
    np.testing.assert_allclose(ga.numpy(), (dalpha / beta.numpy()).sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(gb.numpy(), (-s / beta.numpy() ** 2).sum(axis=0), rtol=1e-10)
    big = R.gamma([5000], 3.0, seed=1).numpy()          # TF's kernel at every size
    assert big.shape == (5000,) and abs(big.mean() - 3.0) < 0.15


# tf.random.poisson (TF 2.21's RandomPoissonV2 kernel, computed in float64), printed by TF 2.21
TF_POISSON = {
    'p1': ('float32', [3.0, 3.0, 2.0, 4.0, 3.0, 3.0]),
    'p2': ('float32', [2.0, 5.0, 5.0, 2.0, 3.0, 3.0]),
    'pbig': ('float32', [2.0, 9.0, 144.0, 0.0, 7.0, 163.0, 1.0, 8.0, 160.0, 2.0, 7.0, 165.0, 1.0, 14.0, 159.0, 0.0, 13.0, 158.0, 0.0, 12.0, 150.0, 1.0, 20.0, 158.0, 1.0, 16.0, 139.0, 0.0, 12.0, 146.0, 0.0, 21.0, 133.0, 0.0, 10.0, 152.0]),
    'p64': ('int64', [1.0, 41.0, 3.0, 37.0, 3.0, 48.0, 3.0, 43.0, 4.0, 39.0]),
    'pint': ('int32', [2.0, 19.0, 0.0, 26.0, 5.0, 24.0, 2.0, 31.0, 5.0, 25.0]),
    'pmany': ('float32', [6.0, 19.0, 8.0, 23.0, 6.0, 18.0, 4.0, 21.0, 5.0, 28.0, 7.0, 26.0, 4.0, 23.0, 11.0, 19.0, 7.0, 15.0, 9.0, 20.0, 12.0, 16.0, 10.0, 21.0, 4.0, 17.0, 8.0, 19.0, 6.0, 17.0, 8.0, 15.0, 11.0, 14.0, 9.0, 16.0, 4.0, 16.0, 7.0, 15.0, 6.0, 18.0, 5.0, 16.0, 6.0, 19.0, 5.0, 17.0, 5.0, 13.0, 10.0, 16.0, 9.0, 18.0, 7.0, 14.0, 11.0, 23.0, 7.0, 14.0, 8.0, 21.0, 6.0, 21.0, 9.0, 18.0, 5.0, 16.0, 6.0, 23.0, 6.0, 18.0, 5.0, 16.0, 4.0, 20.0, 4.0, 29.0, 7.0, 14.0, 7.0, 18.0, 6.0, 21.0, 10.0, 23.0, 9.0, 15.0, 5.0, 14.0, 11.0, 19.0, 10.0, 22.0, 12.0, 16.0, 10.0, 15.0, 7.0, 17.0, 3.0, 18.0, 2.0, 22.0, 8.0, 17.0, 10.0, 20.0, 6.0, 23.0, 9.0, 26.0, 8.0, 15.0, 9.0, 22.0, 3.0, 20.0, 9.0, 27.0, 4.0, 15.0, 8.0, 27.0, 3.0, 14.0, 6.0, 25.0, 7.0, 16.0, 8.0, 20.0, 6.0, 18.0, 12.0, 22.0, 6.0, 26.0, 8.0, 16.0, 12.0, 13.0, 7.0, 25.0, 6.0, 28.0, 8.0, 17.0, 9.0, 18.0, 4.0, 11.0, 8.0, 16.0, 10.0, 10.0, 3.0, 22.0, 4.0, 14.0, 9.0, 25.0, 5.0, 21.0, 5.0, 12.0, 7.0, 21.0, 6.0, 17.0, 6.0, 21.0, 12.0, 28.0, 5.0, 19.0, 9.0, 25.0, 10.0, 24.0, 10.0, 17.0, 5.0, 15.0, 8.0, 21.0, 6.0, 24.0, 8.0, 20.0, 5.0, 17.0, 4.0, 12.0, 10.0, 20.0, 10.0, 17.0, 6.0, 12.0, 6.0, 24.0, 5.0, 14.0, 4.0, 22.0, 12.0, 27.0, 3.0, 20.0, 10.0, 22.0, 3.0, 15.0, 6.0, 25.0, 8.0, 21.0, 2.0, 17.0, 5.0, 22.0, 11.0, 16.0, 7.0, 26.0, 6.0, 14.0, 11.0, 19.0, 10.0, 17.0, 10.0, 17.0, 7.0, 24.0, 4.0, 17.0, 10.0, 22.0, 9.0, 17.0, 10.0, 23.0, 4.0, 23.0, 10.0, 18.0, 10.0, 15.0, 8.0, 12.0, 5.0, 22.0, 5.0, 28.0, 5.0, 17.0, 11.0, 25.0, 8.0, 19.0, 7.0, 14.0, 4.0, 19.0, 9.0, 15.0, 5.0, 12.0, 5.0, 14.0, 9.0, 25.0, 3.0, 18.0, 10.0, 20.0, 6.0, 16.0, 10.0, 10.0, 7.0, 17.0, 5.0, 20.0, 7.0, 21.0, 11.0, 25.0, 8.0, 20.0, 4.0, 30.0, 10.0, 26.0, 7.0, 15.0, 7.0, 19.0, 10.0, 23.0, 7.0, 17.0, 9.0, 14.0, 6.0, 21.0, 14.0, 21.0, 8.0, 19.0, 7.0, 20.0, 4.0, 17.0, 6.0, 31.0, 7.0, 19.0, 10.0, 18.0, 6.0, 16.0, 8.0, 17.0, 8.0, 22.0, 10.0, 17.0, 8.0, 25.0, 9.0, 22.0, 7.0, 22.0, 12.0, 14.0, 8.0, 17.0, 9.0, 21.0, 6.0, 14.0, 4.0, 17.0, 7.0, 24.0, 5.0, 18.0, 11.0, 27.0, 8.0, 28.0, 4.0, 14.0, 8.0, 24.0, 7.0, 14.0, 4.0, 24.0, 7.0, 24.0, 5.0, 26.0, 8.0, 23.0, 10.0, 21.0, 2.0, 18.0, 10.0, 14.0, 14.0, 25.0, 9.0, 22.0, 3.0, 16.0, 9.0, 16.0, 3.0, 9.0, 5.0, 24.0, 2.0, 21.0, 4.0, 24.0, 7.0, 14.0, 4.0, 17.0, 5.0, 17.0, 8.0, 18.0, 3.0, 20.0, 10.0, 22.0, 9.0, 16.0, 8.0, 20.0, 6.0, 24.0, 8.0, 26.0, 5.0, 20.0, 10.0, 22.0, 7.0, 15.0, 10.0, 15.0, 6.0, 14.0, 9.0, 17.0, 9.0, 19.0, 9.0, 23.0, 11.0, 17.0, 7.0, 20.0, 8.0, 17.0, 8.0, 23.0, 8.0, 23.0, 12.0, 30.0, 6.0, 14.0, 9.0, 22.0, 8.0, 25.0, 8.0, 13.0, 6.0, 23.0, 8.0, 20.0, 3.0, 18.0, 8.0, 24.0, 11.0, 20.0, 14.0, 14.0, 11.0, 23.0, 5.0, 21.0, 8.0, 9.0, 9.0, 17.0, 6.0, 24.0, 4.0, 19.0, 8.0, 28.0, 7.0, 27.0, 4.0, 17.0, 10.0, 14.0, 8.0, 16.0, 9.0, 16.0, 9.0, 19.0, 2.0, 15.0, 5.0, 22.0, 4.0, 26.0, 7.0, 22.0, 9.0, 18.0, 10.0, 20.0, 12.0, 19.0, 7.0, 26.0, 5.0, 20.0, 4.0, 14.0, 4.0, 12.0, 2.0, 19.0, 13.0, 21.0, 5.0, 28.0, 8.0, 17.0, 6.0, 18.0, 7.0, 20.0, 3.0, 28.0, 3.0, 8.0, 7.0, 24.0, 10.0, 25.0, 7.0, 20.0, 15.0, 19.0, 6.0, 23.0, 9.0, 20.0, 8.0, 18.0, 8.0, 21.0, 7.0, 16.0, 10.0, 17.0, 15.0, 19.0, 6.0, 22.0, 6.0, 27.0, 7.0, 16.0, 6.0, 21.0, 8.0, 20.0, 4.0, 20.0, 6.0, 22.0, 7.0, 18.0, 9.0, 20.0, 10.0, 13.0, 13.0, 17.0, 12.0, 13.0, 8.0, 21.0, 6.0, 25.0, 15.0, 29.0, 5.0, 20.0, 7.0, 14.0, 7.0, 18.0, 10.0, 26.0, 6.0, 16.0, 9.0, 14.0, 6.0, 22.0, 9.0, 23.0, 9.0, 22.0, 12.0, 26.0, 6.0, 24.0, 7.0, 22.0, 12.0, 16.0]),
    'pg': ('float32', [21.0, 11.0, 14.0]),
}


def _poissons(rec):
    R.set_seed(None)
    rec("p1", R.poisson([6], 3.0, seed=3)); rec("p2", R.poisson([6], 3.0, seed=3))
    rec("pbig", R.poisson([4, 3], [0.5, 12.0, 150.0], seed=4))
    rec("p64", R.poisson([5], wb.constant([2.5, 40.0], wb.float64), seed=5, dtype=wb.int64))
    rec("pint", R.poisson([5], wb.constant([4, 25], wb.int32), seed=6, dtype=wb.int32))
    rec("pmany", R.poisson([300], [7.5, 20.0], seed=7))
    R.set_seed(3)
    rec("pg", R.poisson([3], 11.0))


def test_poisson_is_tfs():
    seen = []

    def rec(name, t):
        seen.append(name)
        dt, want = TF_POISSON[name]
        assert t.dtype == np.dtype(dt), name
        assert [float(v) for v in t.numpy().ravel()] == want, name
    _poissons(rec)
    assert sorted(seen) == sorted(TF_POISSON)
    big = R.poisson([5000], 4.0, seed=1).numpy()          # TF's kernel at every size
    assert big.shape == (5000,) and abs(big.mean() - 4.0) < 0.2


def test_kernels_remembered_are_bounded(monkeypatch):
    monkeypatch.setattr(R, "_MAX_KERNELS", 8)
    R.set_seed(11)
    for _ in range(20):
        R.uniform([1])
    assert len(R._kernel_counters) == 8
    R.set_seed(None)
    assert not R._kernel_counters


# The kernels one output at a time, as TF's C++ runs them: the reference for the array versions
def _scalar_block(key, counter, normal):
    b = R.philox_blocks(np, counter, key, 1)
    u1, u2 = R._unit_float64(np, b[:, 0], b[:, 1]), R._unit_float64(np, b[:, 2], b[:, 3])
    return (R._box_muller(np, u1, u2, np.float64).reshape(-1) if normal else np.concatenate([u1, u2])).tolist()


def _scalar_gamma(key, pos, alpha, n):
    out = np.empty((n, len(alpha)))
    for a_idx, a in enumerate(alpha):
        for s_idx in range(n):
            counter = pos + 256 * (a_idx * n + s_idx)
            if a == 1.0:
                out[s_idx, a_idx] = -math.log1p(-_scalar_block(key, counter, False)[-1])
                continue
            d = a + (2.0 / 3 if a < 1.0 else -1.0 / 3)
            c = 1.0 / 3 / math.sqrt(d)
            norms, unis = [], []
            while True:
                if not norms:
                    norms, counter = _scalar_block(key, counter, True), counter + 1
                x = norms.pop()
                v = 1.0 + c * x
                if v <= 0.0:
                    continue
                v = v * v * v
                if not unis:
                    unis, counter = _scalar_block(key, counter, False), counter + 1
                u = unis.pop()
                if u < 1.0 - 0.0331 * (x * x) * (x * x) or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
                    res = d * v
                    if a < 1.0:
                        if not unis:
                            unis, counter = _scalar_block(key, counter, False), counter + 1
                        res *= math.pow(unis.pop(), 1.0 / a)
                    out[s_idx, a_idx] = res
                    break
    return out


def _scalar_poisson(key, pos, rates, n):
    exp, log, lgamma = R._libm_functions(True)
    T = np.float64
    out = np.empty((n, len(rates)))
    for r_idx, lam in enumerate(rates):
        lam = T(lam)
        for s_idx in range(n):
            counter, left = pos + 256 * (r_idx * n + s_idx), []

            def uniform():
                nonlocal counter, left
                if not left:
                    left, counter = _scalar_block(key, counter, False), counter + 1
                return left.pop()
            if lam < 10:
                exp_neg, prod, x = T(exp(float(-lam))), T(1), 0
                while True:
                    prod = prod * uniform()
                    if prod <= exp_neg:
                        break
                    x += 1
                out[s_idx, r_idx] = x
                continue
            log_rate = T(log(float(lam)))
            b = T(0.931) + T(2.53) * np.sqrt(lam)
            a = T(-0.059) + T(0.02483) * b
            inv_alpha = T(1.1239) + T(1.1328) / (b - T(3.4))
            v_r = T(0.9277) - T(3.6224) / (b - T(2))
            while True:
                u = uniform() - T(0.5)
                v = uniform()
                us = T(0.5) - abs(u)
                k = np.floor((T(2) * a / us + b) * u + lam + T(0.43))
                if us >= T(0.07) and v <= v_r:
                    break
                if k < 0 or (us < T(0.013) and v > us):
                    continue
                s = T(log(float(v * inv_alpha / (a / (us * us) + b))))
                t = -lam + k * log_rate - T(lgamma(float(k + T(1))))
                if s <= t:
                    break
            out[s_idx, r_idx] = k
    return out


KEY, POS = 0x0123456789ABCDEF, (5 << 64) + 12345      # a counter whose low word carries


def test_gamma_on_arrays_is_the_scalar_kernel():
    alpha = [0.01, 0.3, 0.999, 1.0, 1.5, 2.0, 7.0, 300.0]
    n = 400
    got = R.PhiloxStream(KEY, POS, xp=np).gamma(np.array(alpha), n, np.float64)
    want = _scalar_gamma(KEY % 2 ** 64, POS, alpha, n)
    assert got.shape == (n, len(alpha))
    np.testing.assert_array_equal(got, want)


def test_poisson_on_arrays_is_the_scalar_kernel():
    rates = [0.0, 0.5, 3.0, 9.99, 10.0, 12.5, 40.0, 1000.0]
    n = 400
    got = R.PhiloxStream(KEY, POS, xp=np).poisson_tf(np.array(rates), n)
    want = _scalar_poisson(KEY % 2 ** 64, POS, rates, n)
    assert got.shape == (n, len(rates))
    np.testing.assert_array_equal(got, want)
    assert np.all(got[:, 0] == 0)


def test_gamma_and_poisson_are_tfs_at_every_size():
    # each output has its own stretch of the stream (256 counters, samples of the first parameter
    # first): a large draw starts with a small one's values
    for draw in (lambda n: R.gamma([n], 0.5, seed=1), lambda n: R.gamma([n], 2.5, seed=1),
                 lambda n: R.poisson([n], 2.0, seed=1), lambda n: R.poisson([n], [30.0, 4.0], seed=1)[:, 0]):
        R.set_seed(4)
        small = draw(7).numpy()
        R.set_seed(4)
        large = draw(30000).numpy()
        np.testing.assert_array_equal(large[:7], small)
    R.set_seed(None)


@pytest.mark.parametrize("alpha", [0.2, 1.0, 2.0, 9.0])
def test_large_gamma_draw_distribution(alpha):
    x = R.gamma([100000], alpha, beta=2.0, dtype=wb.float64, seed=11).numpy()
    assert np.all(x > 0)
    assert stats.kstest(x, stats.gamma(alpha, scale=0.5).cdf).pvalue > 1e-3


@pytest.mark.parametrize("lam", [0.7, 6.0, 10.0, 75.0])
def test_large_poisson_draw_distribution(lam):
    n = 100000
    x = R.poisson([n], lam, dtype=wb.float64, seed=12).numpy()
    k = np.arange(0, int(lam + 8 * np.sqrt(lam) + 8))
    observed = np.array([(x == v).sum() for v in k])
    expected = stats.poisson(lam).pmf(k) * n
    keep = expected > 5
    observed, expected = observed[keep], expected[keep]
    expected *= observed.sum() / expected.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    assert abs(x.mean() - lam) < 5 * np.sqrt(lam / n)


def test_gamma_value_by_value_libm_path_gives_the_same_numbers(monkeypatch):
    # where NumPy's log1p or pow rounds unlike the C library, math's run value by value
    alpha = np.array([0.3, 1.0, 4.0])
    want = R.PhiloxStream(KEY, POS, xp=np).gamma(alpha, 300, np.float64)
    monkeypatch.setattr(R, "_LIBM_UFUNCS", {
        "log1p": lambda x: np.frompyfunc(math.log1p, 1, 1)(x).astype(np.float64),
        "pow": lambda x, y: np.frompyfunc(math.pow, 2, 1)(x, y).astype(np.float64)})
    np.testing.assert_array_equal(R.PhiloxStream(KEY, POS, xp=np).gamma(alpha, 300, np.float64), want)


def test_large_gamma_and_poisson_draws_are_tfs():
    # printed by TF 2.21: values at these places of gamma([100000], 2.0, seed=1) and
    # poisson([100000], 3.0, seed=1) (first calls of their kernels), and each whole draw's sum
    places = [0, 4095, 4096, 4097, 65535, 65536, 99999]
    R.set_seed(None)
    g = R.gamma([100000], 2.0, seed=1).numpy()
    assert [float(g[i]) for i in places] == [1.2512218952178955, 5.83174991607666, 0.9320433139801025,
                                              2.8990044593811035, 1.4444365501403809, 0.686195433139801,
                                              1.962908148765564]
    assert math.fsum(g.astype(np.float64).tolist()) == 200923.08020875463
    p = R.poisson([100000], 3.0, seed=1).numpy()
    assert [float(p[i]) for i in places] == [5.0, 0.0, 4.0, 5.0, 6.0, 4.0, 5.0]
    assert math.fsum(p.astype(np.float64).tolist()) == 300088.0
