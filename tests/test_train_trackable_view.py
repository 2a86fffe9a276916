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
