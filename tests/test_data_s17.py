"""tf.data against TF 2.21 (session 17): random ops in the datasets an interleave function
makes, decode_csv in traced maps, CSV batch/unbatch pipelines, and the images tutorial's
pieces; the values are TF's, computed with TF on the same small cases."""

import numpy as np
import pytest

import workbench as wb

Dataset = wb.data.Dataset


def floats(ds):
    return [float(x) for x in ds]


# -- the maps that one interleave function makes share one kernel per random op (TF's one
# function in the interleave function's graph), within one iterator -------------------------

SEED5 = [0.3883112668991089, 0.31686925888061523, 0.42907261848449707,
         0.05274152755737305, 0.7074710130691528, 0.49199604988098145]
SEED3 = [0.38692939281463623, 0.6633445024490356, 0.19575107097625732, 0.9421699047088623,
         0.9180824756622314, 0.4796433448791504, 0.27953827381134033, 0.08177745342254639]


def test_interleave_inner_maps_share_the_op_seeded_kernel():
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([], seed=5)), cycle_length=2)
    np.testing.assert_allclose(floats(ds), SEED5, rtol=1e-6)
    np.testing.assert_allclose(floats(ds), SEED5, rtol=1e-6)   # a new iterator: fresh kernels


def test_interleave_inner_maps_share_the_kernel_of_an_op_without_seed_under_a_global_seed():
    wb.random.set_seed(7)
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([])), cycle_length=2)
    want = [0.7537285089492798, 0.5876015424728394, 0.39710164070129395,
            0.7915035486221313, 0.17815923690795898, 0.8680136203765869]
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)


def test_interleave_inner_maps_without_any_seed_differ_from_each_other():
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([])), cycle_length=2)
    got = floats(ds)
    assert len(set(got)) == 6


def test_flat_map_inner_maps_share_the_kernel_and_repeat_goes_on_drawing():
    ds = Dataset.range(3).flat_map(lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([], seed=3)))
    np.testing.assert_allclose(floats(ds), SEED3[:6], rtol=1e-6)
    ds = Dataset.range(2).flat_map(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([], seed=3))).repeat(2)
    np.testing.assert_allclose(floats(ds), SEED3, rtol=1e-6)


def test_two_maps_in_the_inner_dataset_keep_a_kernel_each():
    ds = Dataset.range(2).flat_map(
        lambda i: Dataset.range(3).map(lambda x: wb.random.uniform([], seed=3))
        .map(lambda y: y + wb.random.uniform([], seed=3)))
    want = [0.7738587856292725, 1.3266890048980713, 0.39150214195251465, 1.8843398094177246,
            1.836164951324463, 0.9592866897583008]
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)


def test_interleave_blocks_with_the_input_value_and_a_shared_kernel():
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.cast(i, wb.float32) + wb.random.uniform([], seed=5)),
        cycle_length=3, block_length=2)
    want = [0.3883112668991089, 0.31686925888061523, 1.429072618484497, 1.052741527557373,
            2.7074708938598633, 2.4919960498809814]
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)


def test_inner_filters_share_the_kernel():
    ds = Dataset.range(2).flat_map(
        lambda i: Dataset.range(4).filter(lambda x: wb.random.uniform([], seed=11) > 0.5))
    assert [int(x) for x in ds] == [2, 1, 2]
