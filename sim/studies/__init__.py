"""Studies: replicates, runs over strategies, sweeps, sensitivity, and the result store."""
