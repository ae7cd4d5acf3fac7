"""Which drawn parameters a verdict hinges on (sim.studies.hinges)."""

from types import SimpleNamespace as R

import numpy as np

from sim.scenario import default_scenario, with_fields
from sim.scenario.priors import PRIORS, prior_values
from sim.studies.hinges import drawn_text, hinge_lines, hinge_section, hinges

FIELDS = [p.field for p in PRIORS]


def _results(rng, n: int, effect) -> list:
    """Two strategies over n replicates, every prior drawn; b's ROI = a's + effect(parameters) + noise."""
    out = []
    for j in range(n):
        params = prior_values(rng.random(len(PRIORS)))
        base = rng.normal(0, 0.3)
        out.append(R(strategy="macro", replicate=j, metrics={"roi": base, "hired": 1.0}, outreach={},
                     parameters=params))
        out.append(R(strategy="micro", replicate=j, metrics={"roi": base + effect(params) + rng.normal(0, 0.1),
                                                            "hired": 1.0}, outreach={}, parameters=params))
    return out


def test_the_roi_difference_follows_the_parameter_that_drives_it():
    rng = np.random.default_rng(3)
    results = _results(rng, 30, lambda p: 4 * p["population.purchase_propensity_mean"])
    top = hinges(results)[0]
    assert top["target"] == "roi_diff:micro" and top["field"] == "population.purchase_propensity_mean"
    assert top["share"] > 0.7 and top["clear"]
    assert hinge_lines(results)[1].startswith("  the ROI difference (micro - macro) follows "
                                               "population.purchase_propensity_mean (")


def test_no_parameter_is_named_clear_by_chance_more_than_alpha():
    rng = np.random.default_rng(4)
    clear = 0
    for _ in range(60):
        rows = hinges(_results(rng, 30, lambda p: 0.0))
        clear += next(r for r in rows if r["target"] == "roi_diff:micro")["clear"]
    assert clear <= 6  # Bonferroni at 5% over 30 parameters: about 3 of 60 at most
    line = hinge_lines(_results(rng, 30, lambda p: 0.0))[1]
    assert "follows no single drawn parameter clearly at 30 replicates (largest: " in line


def test_nothing_drawn_nothing_to_hinge_on():
    rs = [R(strategy=s, replicate=j, metrics={"roi": float(j), "hired": 1.0}, outreach={}, parameters={})
          for s in ("a", "b") for j in range(5)]
    assert hinges(rs) == [] and hinge_lines(rs) == []


def test_the_report_says_what_was_drawn_and_what_was_held():
    rng = np.random.default_rng(5)
    results = _results(rng, 12, lambda p: p["parameters.accept_base"])
    scenario = with_fields(default_scenario(), {"parameters.erosion": 0.1})
    text = drawn_text(scenario, results)
    assert text.startswith(f"parameters: uncertain, {len(FIELDS)} drawn per replicate over 12 replicates, "
                           "drawn from their priors; held: parameters.erosion")
    page = hinge_section(scenario, results)
    assert "What the model does not know" in page and "held: parameters.erosion" in page
    assert "Bonferroni" in page and "<table>" in page
    fixed = with_fields(default_scenario(), {"run.parameters": "fixed"})
    assert drawn_text(fixed, results).startswith("parameters: fixed at their point values")
    posterior = with_fields(default_scenario(), {"parameters.posterior": "/x/fit.json"})
    assert "drawn from the posterior fit.json" in drawn_text(posterior, results)
