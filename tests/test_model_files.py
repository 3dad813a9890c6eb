"""Model folders are untrusted input: loading one never runs code from its files.

Every crafted file below would create ``MARKER`` if anything in it were executed; each test
checks the exit code, the message and that the marker was never written.
"""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.models.candidates import ALGORITHMS
from olistseg.models.segmentation import TRUSTED_TYPES, SegmentationModel
from olistseg.segments.segmenter import Segmenter

from .conftest import connect, olistseg


class Planted:
    """Writes its marker file when unpickled or rebuilt from its state."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __setstate__(self, state: dict) -> None:
        Path(state["marker"]).write_text("code ran")
        self.__dict__.update(state)

    def __reduce__(self):  # what a pickle-based attack does: call a function at load time
        return (Path.write_text, (Path(self.marker), "code ran"))


@pytest.fixture(scope="module")
def saved_model(run_out: Path) -> Path:
    return run_out / "segments" / "model"


def _commands(model: Path, warehouse: Path, out: Path) -> dict[str, list[str]]:
    common = ["--model", str(model), "--warehouse", str(warehouse)]
    return {
        "score": ["score", *common, "--out", str(out / "scores.csv")],
        "monitor": ["monitor", *common],
        "stability": ["stability", *common, "--out", str(out / "stability")],
        "audiences": ["audiences", *common, "--out", str(out / "audiences")],
    }


def _copy_with(saved_model: Path, tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(saved_model, folder)
    (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("command", ["score", "monitor", "stability", "audiences"])
def test_a_crafted_model_file_is_refused_and_runs_nothing(
    command, saved_model, synthetic_warehouse, tmp_path
):
    marker = tmp_path / "pwned.txt"
    crafted = tmp_path / "crafted.skops"
    sio.dump({"payload": Planted(str(marker))}, crafted)
    model = _copy_with(saved_model, tmp_path, "model.skops", crafted.read_bytes())
    result = olistseg(*_commands(model, synthetic_warehouse, tmp_path / "out")[command])
    assert result.returncode == 2, result.said
    assert "does not trust" in result.said and "test_model_files.Planted" in result.said
    assert not marker.exists()


def test_a_pickled_model_from_an_earlier_version_is_never_unpickled(
    saved_model, synthetic_warehouse, tmp_path
):
    marker = tmp_path / "pwned.txt"
    folder = tmp_path / "old_model"
    folder.mkdir()
    shutil.copy(saved_model / "metadata.json", folder)
    (folder / "model.joblib").write_bytes(pickle.dumps(Planted(str(marker))))
    result = olistseg(
        "score",
        "--model",
        str(folder),
        "--warehouse",
        str(synthetic_warehouse),
        "--out",
        str(tmp_path / "s.csv"),
    )
    assert result.returncode == 2
    assert "pickle" in result.said and "olistseg segment" in result.said
    assert not marker.exists() and not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize(
    "content",
    [b"not a zip at all", b"PK\x03\x04 truncated", b""],
    ids=["text", "truncated_zip", "empty"],
)
def test_a_damaged_model_file_is_a_clear_error(content, saved_model, tmp_path):
    folder = _copy_with(saved_model, tmp_path, "model.skops", content)
    with pytest.raises(InputError, match=r"model\.skops"):
        Segmenter.load(folder)


def test_a_zip_that_is_not_a_skops_file_is_refused(saved_model, tmp_path):
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("schema.json", '{"__class__": "system", "__module__": "os"}')
    folder = _copy_with(saved_model, tmp_path, "model.skops", archive.read_bytes())
    with pytest.raises(InputError, match=r"model\.skops"):
        Segmenter.load(folder)


def test_metadata_that_is_not_olistseg_is_refused(saved_model, tmp_path):
    folder = _copy_with(saved_model, tmp_path, "metadata.json", b'{"features": []}')
    with pytest.raises(InputError, match="metadata"):
        Segmenter.load(folder)


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_every_candidate_saves_and_loads_with_only_trusted_types(
    algorithm, synthetic_warehouse, tmp_path
):
    with connect(synthetic_warehouse) as con:
        features = customer_features(con, dt.datetime(2018, 6, 1))
    k = 4 if ALGORITHMS[algorithm].uses_k else None
    model = SegmentationModel(algorithm, k, "rfm_satisfaction", seed=3).fit(features)
    path = model.save(tmp_path / "m.skops")
    assert set(sio.get_untrusted_types(file=path)) <= TRUSTED_TYPES
    loaded = SegmentationModel.load(path)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    np.testing.assert_array_equal(loaded.labels_, model.labels_)


def test_a_loaded_segmenter_scores_and_names_as_the_fitted_one(run_out, synthetic_warehouse):
    loaded = Segmenter.load(run_out / "segments" / "model")
    with connect(synthetic_warehouse) as con:
        features = customer_features(con, dt.datetime(2018, 6, 1))
    labels = loaded.predict(features)
    assert set(np.unique(labels)) <= set(loaded.names_.index)
    assert list(loaded.names_.columns) == [
        "segment_key",
        "segment_name",
        "action",
        "rule",
        "qualifier",
        "rank",
    ]
    assert loaded.chosen_.algorithm == loaded.saved_metadata_["algorithm"]
