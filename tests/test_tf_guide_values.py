"""Texts that TF's guides print, pinned against TF 2.21 (x86-64 CPU build, as TF's pip wheels
run there): error messages a guide cell catches and prints."""

import platform

import pytest

import workbench as wb

X86 = platform.machine().lower() in ("x86_64", "amd64")


@pytest.mark.skipif(not X86 or wb.config.list_logical_devices("GPU"), reason="TF's x86 CPU kernel names")
def test_float32_products_name_tfs_onednn_kernels():
    # intro_to_modules: a FlexibleDense layer called on the wrong width prints this (TF 2.21)
    with pytest.raises(wb.errors.InvalidArgumentError) as e:
        wb.matmul(wb.ones([1, 4]), wb.ones([3, 3]))
    assert str(e.value) == ("{{function_node __wrapped____MklMatMul_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
                            "Matrix size-incompatible: In[0]: [1,4], In[1]: [3,3] [Op:MatMul] name: ")
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"^\{\{function_node __wrapped____MklBatchMatMulV2_device"):
        wb.matmul(wb.ones([2, 1, 4]), wb.ones([2, 3, 3]))
    # float64 and integer products keep the op's own kernel name
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"^\{\{function_node __wrapped__MatMul_device"):
        wb.matmul(wb.ones([1, 4], wb.float64), wb.ones([3, 3], wb.float64))
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"^\{\{function_node __wrapped__MatMul_device"):
        wb.matmul(wb.ones([1, 4], wb.int32), wb.ones([3, 3], wb.int32))
