"""The stability simulation's configuration, validated once: from a saved model or options."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from olistseg.errors import InputError
from olistseg.i18n import text
from olistseg.models import ARI_THRESHOLD
from olistseg.models.candidates import ALGORITHMS
from olistseg.models.preprocessing import DEFAULT_PRESET
from olistseg.segments.segmenter import Segmenter


@dataclass(frozen=True)
class SimulationConfig:
    """Parameters of :func:`simulate`; the defaults are the documented protocol."""

    algorithm: str = "kmeans"
    k: int = 4
    preset: str = DEFAULT_PRESET
    seed: int = 42
    threshold: float = ARI_THRESHOLD
    step_days: int = 7
    n_origins: int = 12
    origin_every: int = 4  # steps between origins: 4 weekly steps, about a month
    horizon_steps: int | None = None  # None: up to the end of the data
    refit: str = "warm"  # warm: start from M0's segments at T; cold: fresh initialisations
    restarts: int = 3  # a cold (re)train keeps the best of this many seeded fits
    n_seeds: int = 3  # M0 plus 2 trainings with other seeds for the baseline noise
    min_origins: int = 3  # a horizon counts for the cadence when this many origins reach it
    min_customers: int = 50
    #: Why this model is measured when it is not the saved one (e.g. a density method's stand-in).
    model_note: str | None = None
    #: measure each step's own reproducibility (a retrain with another seed) and leave the
    #: steps that do not reproduce out of the cadence curve
    check_noise: bool = True
    #: The saved model's algorithm when the simulation measures a stand-in for it.
    stand_in_for: str | None = None

    def __post_init__(self) -> None:
        """The one place the configuration is checked (every caller builds one)."""
        if self.algorithm not in ALGORITHMS or not ALGORITHMS[self.algorithm].uses_k:
            choices = ", ".join(n for n, a in ALGORITHMS.items() if a.uses_k)
            raise InputError(
                f"--algorithm {self.algorithm!r}: the simulation refits one of {choices}."
            )
        if not 0.0 < self.threshold <= 1.0:
            raise InputError(f"--threshold {self.threshold}: must be in (0, 1].")
        if self.n_origins < 1:
            raise InputError("--origins: at least 1.")
        if self.refit not in ("warm", "cold"):
            raise InputError(f"--refit {self.refit!r}: choose warm or cold.")

    def to_dict(self) -> dict:
        return asdict(self)


def parse_step(text: str) -> int:
    """``"1w"`` -> 7, ``"10d"`` -> 10 (days)."""
    text = text.strip().lower()
    units = {"d": 1, "w": 7}
    try:
        value, unit = int(text[:-1]), units[text[-1]]
    except (ValueError, KeyError, IndexError) as exc:
        raise InputError(
            f"--step {text!r}: expected a number of days or weeks, e.g. 1w or 10d."
        ) from exc
    if value < 1:
        raise InputError(f"--step {text!r}: must be at least one day.")
    return value * unit


def config_for_model(model_dir: Path | None = None, **options: object) -> SimulationConfig:
    """The simulation's configuration: algorithm, k, features and seed of the saved model in
    ``model_dir`` (else ``options``' ``algorithm`` and ``k``), plus the other ``options``.

    A density method (DBSCAN, HDBSCAN) has no k to refit at a later date: the simulation then
    measures k-means with as many segments, and ``model_note`` says so in every output.
    """
    if model_dir is not None:
        saved = Segmenter.load(model_dir)
        options = {
            **options,
            "algorithm": saved.chosen_.algorithm,
            "k": len(saved.names_),
            "preset": saved.preset,
            "seed": options.get("seed", saved.seed),
        }
    algorithm = str(options.get("algorithm") or "kmeans")
    if algorithm in ALGORITHMS and not ALGORITHMS[algorithm].uses_k:
        k = int(options.get("k") or 4)
        options = {
            **options,
            "algorithm": "kmeans",
            "stand_in_for": algorithm,
            "model_note": text("en", "density_stand_in", chosen=algorithm, k=k),
        }
        algorithm = "kmeans"
    options = {key: value for key, value in options.items() if value is not None}
    return SimulationConfig(**{**options, "algorithm": algorithm})
