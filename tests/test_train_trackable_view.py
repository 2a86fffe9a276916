"""wb.train.TrackableView on TF 2.21's docstring module (TF's counts computed with TF)."""

import workbench as wb


class SimpleModule(wb.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_var = wb.Variable(5.0)
        self.b_var = wb.Variable(4.0)
        self.vars = [wb.Variable(1.0), wb.Variable(2.0)]


def test_children_and_descendants_as_tf():
    root = SimpleModule(name="root")
    root.leaf = SimpleModule(name="leaf")
    view = wb.train.TrackableView(root)
    assert view.root is root
    children = view.children(root)
    # TF lists them as set (a_var, b_var, vars, leaf); the checkpoint walks them by name
    assert sorted(children) == ["a_var", "b_var", "leaf", "vars"]
    assert children["a_var"] is root.a_var and children["leaf"] is root.leaf
    assert list(view.children(children["vars"])) == ["0", "1"]
    assert view.children(root.a_var) == {}
    descendants = view.descendants()
    assert len(descendants) == 12 and descendants[0] is root      # TF: 12, root first
    assert sum(isinstance(d, wb.Variable) for d in descendants) == 8
    assert len({id(d) for d in descendants}) == 12
    assert list(wb.train.TrackableView.children(wb.train.Checkpoint(root))) == ["root"]


def test_checkpoint_view(tmp_path):
    root = SimpleModule(name="root")
    root.leaf = SimpleModule(name="leaf")
    path = wb.train.Checkpoint(root).save(str(tmp_path / "ckpt"))
    view = wb.train.CheckpointView(path)
    assert view.children(0) == {"root": 1, "save_counter": 2}
    assert view.children(1) == {"a_var": 3, "b_var": 4, "leaf": 5, "vars": 6}
    assert view.children(5) == {"a_var": 7, "b_var": 8, "vars": 9}
    assert view.children(6) == {"0": 10, "1": 11} and view.children(11) == {}
    assert view.descendants() == list(range(14))
    # TF's match docstring: another module with a different leaf matches the shared names
    root2 = SimpleModule(name="root")
    root2.leaf2 = SimpleModule(name="leaf2")
    ckpt2 = wb.train.Checkpoint(root2)
    matched = view.match(ckpt2)
    assert sorted(matched) == [0, 1, 3, 4, 6, 10, 11]
    assert matched[1] is root2 and matched[3] is root2.a_var and matched[11] is root2.vars[1]
    import pytest
    with pytest.raises(ValueError, match=r"node_id must be an int in \[0, 14\), got 14"):
        view.children(14)
