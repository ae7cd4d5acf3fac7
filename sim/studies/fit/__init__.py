"""``influsim fit``: a brand's past campaign narrows what the model does not know.

- :mod:`~sim.studies.fit.past` reads ``PAST.csv`` (the creators, their posts, the outcomes measured);
- :mod:`~sim.studies.fit.simulate` runs that campaign on the replicate path;
- :mod:`~sim.studies.fit.abc` fits some uncertain parameters to it with pyabc's ABC-SMC and
  returns a :class:`~sim.scenario.priors.Posterior`;
- :mod:`~sim.studies.fit.forecast` sets a forecast made before the campaign (a run folder)
  against what happened.
"""
