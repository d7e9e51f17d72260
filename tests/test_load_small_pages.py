"""Loading turns NumPy's huge-page advice off and puts it back as it was (issue #26)."""

import pytest

from hotspots import load


def _state() -> bool:
    from numpy._core import multiarray

    return bool(multiarray._get_madvise_hugepage())


@pytest.mark.parametrize("start", [True, False])
def test_huge_pages_off_while_loading_and_restored(start):
    from numpy._core import multiarray

    before = multiarray._set_madvise_hugepage(start)
    try:
        with load._small_pages():
            assert _state() is False
        assert _state() is start
        with pytest.raises(RuntimeError), load._small_pages():
            raise RuntimeError("a bad file")
        assert _state() is start
    finally:
        multiarray._set_madvise_hugepage(bool(before))
