"""Reports: HTML and Plotly output of runs and sweeps."""
