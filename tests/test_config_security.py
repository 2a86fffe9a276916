"""A config read from a file never runs code: every class and function it names comes from an
explicit table (the library's own, or what the user registered or passed), and a config naming
anything else fails before any object is built."""

import json
import os

import pytest

import workbench as wb
from workbench.keras import serialization
from workbench.keras.layers import saving


def _lambda_config(function_ref):
    return {"class_name": "Lambda", "config": {"name": "evil", "trainable": True, "dtype": None,
                                               "function": function_ref}}


def _model_config(*layer_entries):
    x = wb.keras.Input((2,), name="x")
    config = json.loads(json.dumps(wb.keras.Model(x, wb.keras.layers.Dense(1, name="d")(x)).get_config()))
    body = [e for e in config["layers"] if e["class_name"] == "InputLayer"]
    previous = "x"
    for entry in layer_entries:
        entry = dict(entry)
        entry["inbound_nodes"] = [{"args": [{"class_name": "__tensor__",
                                             "config": {"history": [previous, 0, 0]}}], "kwargs": {}}]
        body.append(entry)
        previous = entry["config"]["name"]
    config["layers"] = body
    config["output_layers"] = {"class_name": "__tensor__", "config": {"history": [previous, 0, 0]}}
    return config


# the references an attacker would write: module attributes reached from workbench modules
HOSTILE = [
    {"class_name": "function", "config": "os.system", "module": "workbench.cli"},
    {"class_name": "function", "config": "subprocess.run", "module": "workbench.experiment"},
    {"class_name": "function", "config": "system", "module": "os"},
    {"class_name": "function", "config": "importlib.import_module", "module": "workbench.keras.serialization"},
    {"class_name": "function", "config": "__builtins__", "module": "workbench"},
    {"class_name": "function", "config": "eval"},
    {"class_name": "function", "config": "function", "module": "workbench"},   # public, but not an op
    {"class_name": "function", "config": ["exp"], "module": "workbench"},      # not a string
]


@pytest.mark.parametrize("ref", HOSTILE, ids=lambda r: f"{r.get('module')}:{r['config']}")
def test_a_function_outside_the_tables_is_refused(ref, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"(unknown function|must be a name or a dict with a string)"):
        saving.deserialize(_lambda_config(ref))
    with pytest.raises(ValueError):
        serialization.deserialize_function(ref)
    with pytest.raises(ValueError, match="config.layers"):
        wb.keras.Model.from_config(_model_config(_lambda_config(ref)))
    dense = {"class_name": "Dense", "config": {"name": "d2", "units": 2, "activation": ref}}
    with pytest.raises(ValueError, match=r"config\.config\.activation"):
        saving.deserialize(dense)
    assert os.listdir(tmp_path) == []


def test_the_whole_config_is_checked_before_anything_is_built():
    built = []

    class Recorder(wb.keras.layers.Layer):
        def __init__(self, **kwargs):
            built.append(kwargs.get("name"))
            super().__init__(**kwargs)

        def call(self, x):
            return x

    ok = {"class_name": "Recorder", "config": {"name": "first"}}
    bad_init = {"class_name": "Dense", "config": {
        "name": "second", "units": 2,
        "kernel_initializer": {"class_name": "function", "config": "os.system", "module": "workbench.cli"}}}
    with pytest.raises(ValueError, match=r"config\.layers\[2\]\.config\.kernel_initializer: unknown function"):
        wb.keras.Model.from_config(_model_config(ok, bad_init), custom_objects={"Recorder": Recorder})
    seq = {"name": "s", "trainable": True, "layers": [ok, {"class_name": "os.system", "config": {}}]}
    with pytest.raises(ValueError, match=r"config\.layers\[1\]: unknown class 'os\.system'"):
        wb.keras.Sequential.from_config(seq, custom_objects={"Recorder": Recorder})
    assert built == []
    # with every name known, the same model builds
    model = wb.keras.Model.from_config(_model_config(ok), custom_objects={"Recorder": Recorder})
    assert built == ["first"] and [layer.name for layer in model.layers][-1] == "first"


def test_library_ops_round_trip_under_their_public_names():
    layer = wb.keras.layers.Lambda(wb.exp, name="e")
    config = json.loads(json.dumps(saving.serialize(layer)))
    assert config["config"]["function"] == {"class_name": "function", "config": "exp", "module": "workbench"}
    assert saving.deserialize(config).function is wb.exp
    dense = wb.keras.layers.Dense(2, activation=wb.nn.softmax, name="d")
    ref = saving.serialize(dense)["config"]["activation"]
    assert ref == {"class_name": "function", "config": "softmax", "module": "workbench.nn"}
    assert saving.deserialize(saving.serialize(dense)).activation is wb.nn.softmax
    # the defining-module form that earlier versions wrote still loads
    old = {"class_name": "function", "config": "gelu", "module": "workbench.ops.nn"}
    assert serialization.deserialize_function(old) is wb.nn.gelu


def test_the_builtin_table_holds_tensor_ops_only():
    table = serialization._builtin_functions()
    assert len(table) > 200
    assert all(fn.__module__.startswith("workbench.ops.") for fn in table.values())
    assert ("workbench", "constant") not in table and ("workbench", "function") not in table


def test_user_functions_come_only_from_custom_objects_or_the_registry():
    ref = {"class_name": "function", "config": "double", "module": __name__}
    with pytest.raises(ValueError, match="unknown function 'double'"):
        serialization.deserialize_function(ref)

    def double(x):
        return x * 2.0

    assert serialization.deserialize_function(ref, custom_objects={"double": double}) is double
