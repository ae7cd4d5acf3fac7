"""What the model does not know: a distribution for every behavioural parameter.

The behavioural parameters (how easily people are persuaded, how often they share and
buy, how creators answer offers) have no single true value: the literature gives
ranges and sources disagree. Each gets a distribution here:

* an ``[assumption]`` parameter has a :class:`Prior`: uniform, or uniform in the log
  for a positive scale parameter, over a stated range with the reason for it;
* a calibrated parameter (``sim/data/calibrated.json``) is drawn jointly from the
  calibration's own bootstrap (``sim/data/calibrated_draws.json``, written by
  ``experiments/calibrate.py --bootstrap``): refits of the model to resampled
  reference rows, so where the sources disagree the spread shows it;
* a brand's own past campaign narrows them: ``influsim fit`` writes a
  :class:`Posterior` that a scenario names (``parameters.posterior``), and every
  replicate then draws the fitted parameters from it.

By default (``run.parameters = "uncertain"``) every replicate draws its own parameters
from stream 103 of its seed (see :mod:`sim.campaign.luck`); ``"fixed"`` keeps the point
values (the defaults or the scenario's own), to study the model's mechanics alone. A
field the scenario sets to a value other than its default (a sweep point, a claim's
condition, a user who knows it) is held at that value and not drawn; the report lists
which were held.

Examples
--------
>>> prior("population.purchase_propensity_mean").low
0.05
>>> u = np.full(len(PRIORS), 0.5)
>>> values = prior_values(u)
>>> round(values["parameters.conversion_base"], 3)
0.5
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

__all__ = ["PRIORS", "Prior", "Posterior", "PosteriorError", "prior", "prior_values", "calibrated_draws",
           "POSTERIOR_FORMAT"]

POSTERIOR_FORMAT = "influsim-posterior/1"


@dataclass(frozen=True)
class Prior:
    """A prior over one scenario field: uniform (or log-uniform) on ``[low, high]``.

    Parameters
    ----------
    field : str
        Dotted scenario path, e.g. ``"population.purchase_propensity_mean"``.
    low, high : float
        The range; both inside the field's own bounds, the default inside the range.
    scale : {"linear", "log"}
        ``"log"``: uniform in ``log(value)`` (a positive scale parameter whose plausible
        values span a factor rather than a difference).
    reason : str
        Why this range (what is known and what is not).
    """

    field: str
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    reason: str = ""

    def ppf(self, u: np.ndarray | float) -> np.ndarray | float:
        """The value at quantile ``u`` in [0, 1] (the inverse distribution function)."""
        if self.scale == "log":
            return np.exp(math.log(self.low) + np.asarray(u) * (math.log(self.high) - math.log(self.low)))
        return self.low + np.asarray(u) * (self.high - self.low)

    def cdf(self, value: np.ndarray | float) -> np.ndarray | float:
        """The quantile of ``value`` (inverse of :meth:`ppf`), clipped to [0, 1]."""
        value = np.asarray(value, dtype=float)
        if self.scale == "log":
            q = (np.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        else:
            q = (value - self.low) / (self.high - self.low)
        return np.clip(q, 0.0, 1.0)

    def describe(self) -> str:
        """One line for ``influsim schema --toml``: the range, its scale and its reason."""
        shape = "log-uniform" if self.scale == "log" else "uniform"
        return f"prior {shape} [{self.low:g}, {self.high:g}]: {self.reason}"


_SURVEY = "a survey share read as a trust level; how a stated intention maps to the model's trust scale is not known"

#: The ``[assumption]`` parameters' priors, in a fixed order (the order of a replicate's draws: never reorder,
#: append). Ranges bracket the point default; each reason says what bounds it.
PRIORS: tuple[Prior, ...] = (
    # people (sim.world.population.draw_people)
    Prior("population.susceptibility_mean", 0.1, 0.6, "linear",
          "no measured value; Watts & Dodds (2007) treat susceptibility as free; a tenth to most people persuadable"),
    Prior("population.susceptibility_concentration", 0.5, 8.0, "log",
          "from a few very easily influenced people (0.5) to nearly everyone alike (8); no measured value"),
    Prior("population.activity_sigma", 0.4, 1.2, "linear",
          "log-normal spread of app opens; daily-use surveys give a heavy but unmeasured spread"),
    Prior("population.share_propensity_mean", 0.01, 0.2, "log",
          "chance an engaged person shares; shares are a few % of engagements on Instagram (Markerly-era counts), "
          "the model's unit is not the same, so a factor of 20 around it"),
    Prior("population.purchase_propensity_mean", 0.05, 0.5, "log",
          "chance a convinced person buys; with the conversion rule it sets post-to-purchase conversion, which "
          "e-commerce reports put at 0.5-5% of engaged visitors: a factor of 10"),
    Prior("population.propensity_concentration", 1.0, 16.0, "log",
          "spread of share and purchase propensities across people; no measured value"),
    # trust (sim.rules.trust)
    Prior("parameters.status_scale", 30.0, 300.0, "log", "followers at which the status gap starts to bite; "
          "no measured value, a factor of 3 either way"),
    Prior("parameters.interest_weight", 0.2, 0.8, "linear", "weight of shared interests in relatability; no value"),
    Prior("parameters.trust_small", 0.77, 0.87, "linear", "Experticity 2016's 82%, " + _SURVEY),
    Prior("parameters.trust_large", 0.63, 0.8, "linear", "the average person's 73% (Experticity 2016) as a level, "
          + _SURVEY),
    Prior("parameters.trust_half_followers", 30_000.0, 300_000.0, "log",
          "where prior trust is halfway: the usual bounds of 'micro' in the seed text run from 25K to 100K+"),
    Prior("parameters.trust_slope", 0.5, 2.0, "log", "steepness of the fall of trust per tenfold followers"),
    Prior("parameters.authenticity_weight", 0.1, 0.5, "linear", "how much authenticity matters to trust"),
    Prior("parameters.peer_trust", 0.68, 0.78, "linear", "Experticity 2016's 73%, " + _SURVEY),
    # engagement and erosion (sim.rules.funnel)
    Prior("parameters.fit_sensitivity", 0.5, 2.0, "log", "how much poor brand fit deepens the sponsored penalty"),
    Prior("parameters.erosion", 0.01, 0.15, "log", "trust lost per poorly fitting sponsored post; no measured value"),
    Prior("parameters.ambassador_erosion", 0.25, 0.75, "linear", "erosion of a long-term partner relative to one-off"),
    Prior("parameters.comment_share", 0.04, 0.1, "linear",
          "comments per engagement: Markerly 2016 comment rates are about 1/15 of like rates (0.067), "
          "varying by account size"),
    # conversion (sim.rules.funnel)
    Prior("parameters.conversion_base", 0.2, 0.8, "linear", "chance an engaged, fully convinced person buys"),
    Prior("parameters.intent_half", 0.02, 0.15, "log", "purchase intent at 63% of the saturated effect"),
    Prior("parameters.luxury_penalty", 0.5, 0.9, "linear", "fall of conversion from everyday to luxury"),
    Prior("parameters.luxury_aspiration", 0.2, 0.8, "linear", "how much luxury shrinks the status gap"),
    Prior("parameters.familiarity_boost", 0.5, 2.0, "log", "conversion gain from an unknown to a household brand"),
    # outreach (sim.campaign.outreach)
    Prior("parameters.accept_base", 0.2, 0.6, "linear",
          "chance a cold offer at the creator's rate is accepted; the seed text's unsourced 44%/25% gives 0.39"),
    Prior("parameters.accept_fit_weight", 1.0, 6.0, "log", "log-odds of acceptance per unit of brand fit"),
    Prior("parameters.accept_offer_weight", 1.0, 4.0, "log", "log-odds of acceptance per log of offer / rate"),
    Prior("parameters.accept_load_weight", 0.5, 1.5, "linear", "fall of acceptance with the monthly offer load"),
    Prior("parameters.accept_connect_weight", 0.25, 2.0, "log", "log-odds gained by connecting first"),
    Prior("parameters.accept_product", 0.2, 0.4, "linear",
          "SocialPubli 2018's 29.2% happy to be paid in products, read as a chance to accept"),
    Prior("parameters.offer_response_days", 1.0, 6.0, "linear", "days creators take to answer an offer"),
)

_BY_FIELD = {p.field: p for p in PRIORS}


def prior(field_path: str) -> Prior:
    """The prior of a dotted scenario field (``KeyError`` if it has none)."""
    return _BY_FIELD[field_path]


def prior_values(u: np.ndarray) -> dict[str, float]:
    """Values of every :data:`PRIORS` field at quantiles ``u`` (one per prior, in order).

    Examples
    --------
    >>> values = prior_values(np.zeros(len(PRIORS)))
    >>> values["population.susceptibility_mean"]
    0.1
    """
    u = np.asarray(u, dtype=float)
    if u.shape != (len(PRIORS),):
        raise ValueError(f"expected {len(PRIORS)} quantiles, got shape {u.shape}")
    return {p.field: float(p.ppf(q)) for p, q in zip(PRIORS, u)}


@lru_cache(maxsize=1)
def calibrated_draws() -> tuple[tuple[str, ...], np.ndarray]:
    """The calibration's bootstrap: (dotted fields, array of shape (draws, fields)).

    Empty (no fields, shape (0, 0)) when ``sim/data/calibrated_draws.json`` is absent,
    in which case calibrated parameters keep their point values.
    """
    path = resources.files("sim").joinpath("data/calibrated_draws.json")
    if not path.is_file():
        return (), np.zeros((0, 0))
    data = json.loads(path.read_text())
    fields = tuple(f"parameters.{k}" for k in data["fields"])
    return fields, np.asarray(data["draws"], dtype=float)


class PosteriorError(ValueError):
    """A posterior file that cannot be read: the message names the file and the reason."""


@dataclass(frozen=True)
class Posterior:
    """Weighted draws of some parameters, fitted to a brand's past campaign (``influsim fit``).

    Parameters
    ----------
    fields : tuple of str
        Dotted scenario fields the fit narrowed (each must have a :class:`Prior`).
    draws : ndarray, shape (n, len(fields))
        The particles.
    weights : ndarray, shape (n,)
        Their importance weights (normalised on load).
    meta : dict
        What was fitted to what: the data file, the scenario, the method, its diagnostics.
    """

    fields: tuple[str, ...]
    draws: np.ndarray
    weights: np.ndarray
    meta: dict = field(default_factory=dict)

    def sample_index(self, rng: np.random.Generator) -> int:
        """One particle index drawn by weight."""
        return int(rng.choice(len(self.weights), p=self.weights))

    def values(self, index: int) -> dict[str, float]:
        """The fields' values of particle ``index``."""
        return {f: float(v) for f, v in zip(self.fields, self.draws[index])}

    def to_json(self) -> str:
        """The posterior file's text (:meth:`load` reads it back exactly)."""
        return json.dumps({"format": POSTERIOR_FORMAT, "fields": list(self.fields),
                           "draws": self.draws.tolist(), "weights": self.weights.tolist(), "meta": self.meta},
                          indent=1)

    @classmethod
    def from_json(cls, text: str, where: str = "posterior") -> Posterior:
        """Parse a posterior file's text; :class:`PosteriorError` names ``where`` and the fault."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PosteriorError(f"{where}: not a posterior file (JSON error at line {exc.lineno}, "
                                 f"column {exc.colno})") from None
        if not isinstance(data, dict) or data.get("format") != POSTERIOR_FORMAT:
            raise PosteriorError(f"{where}: not a posterior file (expected format {POSTERIOR_FORMAT!r})")
        fields = tuple(data.get("fields", ()))
        unknown = [f for f in fields if f not in _BY_FIELD]
        if unknown:
            raise PosteriorError(f"{where}: fields: {unknown[0]!r} has no prior (not an uncertain parameter)")
        try:
            draws = np.asarray(data["draws"], dtype=float)
            weights = np.asarray(data["weights"], dtype=float)
        except (KeyError, TypeError, ValueError):
            raise PosteriorError(f"{where}: draws and weights must be lists of numbers") from None
        if draws.ndim != 2 or draws.shape[1] != len(fields) or len(weights) != len(draws) or not len(draws):
            raise PosteriorError(f"{where}: draws must have one row per weight and one column per field")
        if not (np.isfinite(draws).all() and np.isfinite(weights).all()) or (weights < 0).any() \
                or weights.sum() <= 0:
            raise PosteriorError(f"{where}: draws and weights must be finite, weights >= 0 and not all 0")
        for j, name in enumerate(fields):
            p = _BY_FIELD[name]
            if (draws[:, j] < p.low - 1e-12).any() or (draws[:, j] > p.high + 1e-12).any():
                raise PosteriorError(f"{where}: {name}: draws outside the prior's range [{p.low:g}, {p.high:g}]")
        return cls(fields, draws, weights / weights.sum(), dict(data.get("meta", {})))

    @classmethod
    def load(cls, path: str | Path) -> Posterior:
        """Read a posterior file (cached by path and modification time)."""
        path = Path(path)
        try:
            stat = path.stat()
        except OSError:
            raise PosteriorError(f"{path}: file not found") from None
        return _load_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Posterior:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PosteriorError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return Posterior.from_json(text, where=Path(path).name)
