"""Keras 3's optimizers beyond the basics: ``get`` by name or config, configs that round-trip,
and each optimizer's update against its formula written out in NumPy."""

import math

import numpy as np
import pytest

import workbench as wb
from workbench import optimizers

KERAS_NAMES = {"adam": optimizers.Adam, "sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop,
               "adagrad": optimizers.Adagrad, "adamw": optimizers.AdamW, "Adam": optimizers.Adam,
               "SGD": optimizers.SGD, "RMSprop": optimizers.RMSprop}


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_get_resolves_every_keras_name(name):
    opt = optimizers.get(name)
    assert type(opt) is KERAS_NAMES[name]
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_get_accepts_configs_and_instances_and_refuses_the_rest():
    opt = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}})
    assert isinstance(opt, optimizers.SGD) and opt.momentum == 0.9
    assert float(opt.learning_rate) == 0.5
    assert optimizers.get(opt) is opt and optimizers.get(None) is None
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'; known: \[.*'adam'"):
        optimizers.get("adamm")
    with pytest.raises(TypeError, match="as an optimizer"):
        optimizers.get(optimizers.Adam)


def test_a_schedule_round_trips_through_the_config():
    sched = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    opt = optimizers.Adam(learning_rate=sched, clipnorm=1.0)
    config = optimizers.serialize(opt)
    assert config["config"]["learning_rate"]["class_name"] == "ExponentialDecay"
    back = optimizers.deserialize(config)
    assert back.get_config() == opt.get_config()
    assert float(back.learning_rate) == pytest.approx(0.1)
